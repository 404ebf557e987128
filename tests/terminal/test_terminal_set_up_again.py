"""A terminal set up again under an id that has already recorded at central is refused
(``token_in_use``), before anything is written locally: its journal and its document
numbers would start from 1 again, central would refuse its next sale as ``number_taken``
and put it back at the till (the unit "in stock" at both ends while the customer has it,
the cash in no book), and a second sale of that unit would be taken. A walk did exactly that
with the same ``--token`` and ``--terminal`` into a new config (docs/offline.md said "set a
terminal up again with a new id", and nothing held anyone to it).

An init that failed before the terminal recorded anything may be run again (the snapshot
was not loaded; a retry is the same terminal)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from terminal_chain import Chain, Terminal, run_cli


def _init_again(chain: Chain, till: Terminal, folder: str) -> tuple[Path, Any]:
    """``terminal init`` of ``till``'s token and id again, into a new config in ``folder``:
    the config's path and the finished process."""
    again = till.folder / folder
    again.mkdir()
    config = again / "terminal.toml"
    args = ["terminal", "init", "--server", chain.server.base, "--token", till.token]
    args += ["--store", "S1", "--terminal", till.name, "--config", str(config)]
    done = run_cli(args, {**till.env, "XDG_DATA_HOME": str(again)}, check=False)
    return config, done


def test_a_terminal_that_recorded_cannot_be_set_up_again_under_its_id(chain: Chain) -> None:
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "AGAIN-1"})[0]["ok"]
    till = chain.terminal("till-again")
    assert till.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": "AGAIN-1"})[0]["ok"]
    assert till.sync()["accepted"] == 1

    config, done = _init_again(chain, till, "again")
    assert done.returncode != 0, done.stdout
    said = done.stderr + done.stdout
    assert "token_in_use" in said or "already recorded" in said, said
    assert f"terminal {till.name} has already recorded at central" in said, said
    assert "new id" in said, said
    # Nothing written locally: no config, no database.
    assert not config.exists() and not (config.parent / "terminal.sqlite").exists()
    # The till that recorded goes on as before.
    till.sync()
    assert (till.status()["pending"], till.status()["accepted"]) == (0, 1)


def test_an_init_run_again_before_the_terminal_recorded_is_the_same_terminal(
    chain: Chain,
) -> None:
    till = chain.terminal("till-retry")
    config, done = _init_again(chain, till, "retry")
    assert done.returncode == 0, done.stderr
    assert config.is_file()
