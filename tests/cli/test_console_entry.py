"""``serialpos`` with only global options opens the console without the command tree (no
typer, no pydantic, no command module: bench/startup_bench.py), and still refuses and fails
as the command tree does; anything else goes to the tree."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from serialpos.cli.app import console_options

SERIALPOS = Path(sys.executable).with_name("serialpos")


def test_only_global_options_mean_the_console(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SERIALPOS_DB", "SERIALPOS_USER", "SERIALPOS_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    assert console_options([]) == {"--db": None, "--user": None, "--config": None}
    assert console_options(["--db", "sqlite:///a", "--user=mia"]) == {
        "--db": "sqlite:///a",
        "--user": "mia",
        "--config": None,
    }
    monkeypatch.setenv("SERIALPOS_CONFIG", "/etc/t.toml")
    monkeypatch.setenv("SERIALPOS_DB", "")  # empty is unset, as click reads it
    assert console_options(["--config", "/x.toml"]) == {
        "--db": None,
        "--user": None,
        "--config": "/x.toml",
    }
    assert console_options([])["--config"] == "/etc/t.toml"


@pytest.mark.parametrize(
    "args",
    [["stock"], ["--db", "x", "stock"], ["--help"], ["--version"], ["--db"], ["--bogus"]],
)
def test_anything_else_goes_to_the_command_tree(args: list[str]) -> None:
    assert console_options(args) is None


def test_the_command_tree_is_still_there() -> None:
    from serialpos.cli.app import app

    done = subprocess.run(
        [str(SERIALPOS), "--db"], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 2 and "requires an argument" in done.stderr
    assert app.registered_groups and app.registered_commands


def test_console_start_loads_neither_typer_nor_pydantic() -> None:
    code = (
        "import sys; from serialpos.cli.app import console_options; import serialpos.tui.app;"
        "import serialpos.cli.context, serialpos.cli.output;"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'typer', 'pydantic', 'click'}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "[]"


def test_the_console_opens_on_a_store_terminal(tmp_path: Path) -> None:
    """The counter flows journal what they complete (issue 16): the console is no longer
    refused on a terminal, while a command that still writes unjournaled is."""
    import typer

    from serialpos.cli.context import CliState, refuse_unjournaled

    config = tmp_path / "terminal.toml"
    config.write_text(
        '[chain]\nserver = "http://127.0.0.1:9"\ntoken = "t"\nstore = "S1"\nterminal = "t1"\n',
        encoding="utf-8",
    )
    state = CliState(config_path=str(config))
    refuse_unjournaled(state, None)  # the console: no refusal
    with pytest.raises(typer.Exit) as refused:
        refuse_unjournaled(state, "token")
    assert refused.value.exit_code == 1  # a refusal, not a usage error
