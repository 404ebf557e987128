"""``serialpos terminal init --server URL --token T --store S01 [--terminal ID] [--config
FILE]`` is the form issue 16 pins, and the walk's admin typed it: ``--config`` after the
command said "No such option". It now names the config file to write, as the global
``--config`` before the command does. Real ``serialpos serve`` on PostgreSQL."""

from __future__ import annotations

import json
import uuid

from terminal_chain import Chain, run_cli

from serialpos.services import tokens, users


def test_terminal_init_takes_config_after_the_command(chain: Chain) -> None:
    folder = chain.folder / "pinned-form"
    folder.mkdir()
    ada = users.actor_for(chain.server.db, "ada", "setup")
    secret = tokens.create_token(chain.server.db, ada, "mia", f"form-{uuid.uuid4().hex[:6]}")[0]
    env = {
        k: v
        for k, v in chain.server.env.items()
        if k not in ("SERIALPOS_CONFIG", "SERIALPOS_USER", "SERIALPOS_DB")
    }
    env |= {"SERIALPOS_OUTBOX": str(folder / "outbox"), "XDG_DATA_HOME": str(folder)}
    config = folder / "till.toml"
    done = run_cli(
        [
            "terminal",
            "init",
            "--server",
            chain.server.base,
            "--token",
            secret,
            "--store",
            "S1",
            "--terminal",
            "till-form",
            "--config",
            str(config),
        ],
        env,
    )
    assert f"config {config}" in done.stdout, done.stdout
    assert config.is_file() and (folder / "till.sqlite").is_file()
    status = json.loads(run_cli(["--config", str(config), "terminal", "status"], env).stdout)
    assert status["terminal"] == "till-form" and status["store"] == "S1", status
