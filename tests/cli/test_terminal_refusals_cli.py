"""Commands a store terminal refuses (what is central's, or what would write without the
journal) exit 1, as every rule's refusal does (README: 0 ok, 1 refused, 2 usage): the
command line was well formed, it is this database that may not take it. They exited 2, so a
script could not tell ``products set`` on a till from a misspelt option."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli_core import Cli, phone_central
from typer.testing import CliRunner

from serialpos.cli.app import app


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


@pytest.fixture
def till_config(cli: Cli, tmp_path: Path) -> Path:
    """A store terminal's config over a database with ada, store S1 and the phone PH1 (no
    central is asked: each command is refused before it would be)."""
    db, _ada = phone_central(cli)
    db.dispose()
    config = tmp_path / "till.toml"
    config.write_text(
        f'[database]\nurl = "{cli.url}"\n[terminal]\nid = "till-1"\nstore = "S1"\n'
        '[chain]\nserver = "http://127.0.0.1:9"\ntoken = "t"\nstore = "S1"\nterminal = "till-1"\n',
        encoding="utf-8",
    )
    return config


@pytest.mark.parametrize(
    ("args", "said"),
    [
        # changes of what is central's (cli/context.py refuse_on_terminal)
        (("products", "set", "PH1", "--serial-mode", "optional"), "the catalogue is central's"),
        (("products", "import", "feed.csv"), "the catalogue is central's"),
        (("user", "add", "bob", "--role", "cashier", "--pin", "1234"), "users are central's"),
        (("user", "set-role", "ada", "manager"), "users are central's"),
        (("store", "add", "S9", "Nine"), "stores are central's"),
        (("settings", "set", "auto_prompt_serial", "yes", "--store", "S1"), "next refresh"),
        (("settings", "clear", "auto_prompt_serial", "--store", "S1"), "next refresh"),
        # commands that would write without the journal (cli/context.py refuse_unjournaled)
        (("asn", "import", "notice.csv"), "imported at central"),
        (("token", "list"), "tokens are central's"),
        (("leases", "list"), "run it at central"),
    ],
)
def test_a_till_refuses_what_is_centrals_with_exit_1(
    till_config: Path, cli: Cli, args: tuple[str, ...], said: str
) -> None:
    argv = ["--config", str(till_config), "--user", "ada", *args]
    done = CliRunner().invoke(app, argv, env=cli.env)
    shown = f"argv={argv}\nstdout={done.stdout!r}\nstderr={done.stderr!r}"
    assert done.exit_code == 1, shown
    assert done.stderr.startswith("error: this is a store terminal of a chain: "), shown
    assert said in done.stderr and done.stderr.count("\n") == 1 and done.stdout == "", shown
    shown_after = cli.json("products", "show", "PH1")
    assert shown_after[0]["serial_mode"] == "required"  # nothing changed


def test_a_usage_error_on_a_till_still_exits_2(till_config: Path, cli: Cli) -> None:
    """A misspelt option stays a usage error there, told apart from a refusal."""
    argv = ["--config", str(till_config), "products", "set", "PH1", "--no-such-option"]
    assert CliRunner().invoke(app, argv, env=cli.env).exit_code == 2
