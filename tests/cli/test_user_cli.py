"""``serialpos user`` administration on a real SQLite file, and the rule that every command
given ``--user`` (read-only ones too) refuses an unknown or disabled user in one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from serialpos.cli.app import app


class Cli:
    def __init__(self, tmp_path: Path) -> None:
        self.url = f"sqlite:///{tmp_path / 'shop.sqlite'}"
        self.env = {
            "SERIALPOS_USER": None,
            "SERIALPOS_DB": None,
            "SERIALPOS_CONFIG": None,
            "SERIALPOS_STORE": None,
            "SERIALPOS_TERMINAL": "till-9",
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_DATA_HOME": str(tmp_path / "data"),
            "COLUMNS": "200",
            "NO_COLOR": "1",
        }

    def __call__(
        self, *args: str, user: str | None = None, code: int = 0, input: str | None = None
    ) -> Result:
        argv = ["--db", self.url, *(["--user", user] if user else []), *args]
        result = CliRunner().invoke(app, argv, env=self.env, input=input)
        shown = f"argv={argv}\nstdout={result.stdout!r}\nstderr={result.stderr!r}"
        assert "Traceback" not in result.output, shown
        assert result.exit_code == code, shown
        if code == 1:
            assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, shown
            assert result.stdout == "", shown
        return result


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    cli = Cli(tmp_path)
    cli("db", "init")
    cli("user", "add", "Ada", "--role", "admin", "--pin", "4821")
    cli("store", "add", "S1", "Main Street", user="ada")
    cli("store", "add", "S2", "Harbour Mall", user="ada")
    cli("user", "add", "cat", "--role", "cashier", "--pin", "5555", user="ADA")
    return cli


def test_user_commands_change_and_show(cli: Cli) -> None:
    assert (
        "already exists (as cat"
        in cli(
            "user", "add", "CAT", "--role", "cashier", "--pin", "5555", user="ada", code=1
        ).stderr
    )
    assert cli("user", "set-role", "CAT", "stockroom", user="ada").stdout == (
        "user cat is now stockroom\n"
    )
    assert cli("user", "stores", "cat", "S2", user="ada").stdout == "cat may log in at S2\n"
    prompted = cli("user", "set-pin", "cat", user="ada", input="909090\n909090\n")
    assert "new PIN set for cat" in prompted.stdout and "909090" not in prompted.stdout
    assert cli("user", "disable", "cat", user="ada").stdout == "user cat is disabled\n"
    shown = cli("user", "show", "cat", user="ada").stdout
    assert shown.startswith("user cat: stockroom, disabled; stores: S2; locked: no\n")
    rows = [line for line in shown.splitlines() if "│ Ada " in line]
    assert [
        next(a for a in ("disabled", "pin_set", "stores_set", "role_set", "added") if a in row)
        for row in rows
    ] == ["disabled", "pin_set", "stores_set", "role_set", "added"]
    assert "till-9" in shown and "909090" not in shown
    data = cli("user", "show", "cat", "--json", user="ada").stdout
    assert '"action": "disabled"' in data and '"actor": "Ada"' in data
    assert cli("user", "stores", "cat", user="ada").stdout == "cat may log in at every store\n"
    assert cli("user", "enable", "cat", user="ada").stdout == "user cat is enabled\n"
    assert cli("user", "unlock", "cat", user="ada").stdout == "cat was not locked\n"


def test_unknown_or_disabled_user_is_refused_by_every_command(cli: Cli) -> None:
    cli("user", "disable", "cat", user="ada")
    for args in (("store", "list"), ("user", "list"), ("settings", "show"), ("stock",)):
        assert cli(*args, user="Cat", code=1).stderr == (
            "error: user cat is disabled; an admin can enable it again\n"
        )
        assert cli(*args, user="zed", code=1).stderr == "error: there is no user 'zed'\n"
        cli(*args)  # without --user: read-only commands still work
    cli.env["SERIALPOS_USER"] = "cat"
    assert "disabled" in cli("store", "list", code=1).stderr


def test_user_admin_needs_an_admin(cli: Cli) -> None:
    cli("user", "add", "meg", "--role", "manager", "--pin", "6666", user="ada")
    assert "may not manage users" in cli("user", "disable", "cat", user="meg", code=1).stderr
    assert "last enabled admin" in cli("user", "disable", "ada", user="ada", code=1).stderr
    assert (
        "there is no user 'nobody'"
        in cli("user", "set-role", "nobody", "admin", user="ada", code=1).stderr
    )
    assert "there is no store 'X9'" in cli("user", "stores", "cat", "X9", user="ada", code=1).stderr
    assert cli("user", "unlock", "cat", user="meg").stdout == "cat was not locked\n"


def test_settings_show_sources_and_clear_an_override(cli: Cli) -> None:
    cli("settings", "set", "auto_prompt_serial", "off", user="ada")
    cli("settings", "set", "auto_prompt_serial", "on", "--store", "S1", user="ada")
    shown = cli("settings", "show", "--store", "S1").stdout
    row = next(line for line in shown.splitlines() if "auto_prompt_serial" in line)
    assert [c.strip() for c in row.split("│")[1:5]] == ["auto_prompt_serial", "on", "off", "on"]
    other = next(line for line in shown.splitlines() if "show_serial_on_invoice" in line)
    assert [c.strip() for c in other.split("│")[1:5]] == [
        "show_serial_on_invoice",
        "on",
        "",
        "(chain)",
    ]
    said = cli("settings", "clear", "auto_prompt_serial", "--store", "S1", user="ada").stdout
    assert said == "auto_prompt_serial at S1 follows the chain again: off\n"
    assert (
        '"auto_prompt_serial": false' in cli("settings", "show", "--store", "S1", "--json").stdout
    )
    assert (
        "unknown setting 'nope'"
        in cli("settings", "clear", "nope", "--store", "S1", user="ada", code=1).stderr
    )
    assert cli("settings", "set", "lockout_minutes", "7", user="ada").stdout == (
        "lockout_minutes is now 7 for the chain\n"
    )
    chain = cli("settings", "show").stdout
    assert any("lockout_minutes" in line and "│ 7 " in line for line in chain.splitlines())
