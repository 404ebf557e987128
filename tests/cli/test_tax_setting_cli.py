"""``serialpos settings`` with the chain switch ``prices_include_tax`` (issue 14)."""

from __future__ import annotations

from pathlib import Path

from test_cli_core import Cli

from serialpos.services.settings import get_chain_settings


def _row(cli: Cli) -> list[str]:
    lines = cli("settings", "show").stdout.splitlines()
    (row,) = [ln for ln in lines if "prices_include_tax" in ln]
    return [cell for cell in row.split() if cell not in ("│", "|")]


def test_prices_include_tax_is_a_chain_switch(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    cli("db", "init")
    cli("user", "add", "ada", "--role", "admin", "--pin", "4821")
    cli("store", "add", "S1", "Main Street", user="ada")
    assert _row(cli)[:2] == ["prices_include_tax", "off"]
    said = cli("settings", "set", "prices_include_tax", "on", user="ada").stdout
    assert "prices_include_tax is now on for the chain" in said
    assert _row(cli)[:2] == ["prices_include_tax", "on"]
    db = cli.database()
    assert get_chain_settings(db).prices_include_tax is True
    db.dispose()
    refused = cli(
        "settings", "set", "prices_include_tax", "on", "--store", "S1", user="ada", code=1
    )
    assert "prices_include_tax is a chain setting: set it without --store" in refused.stderr
    refused = cli("settings", "set", "prices_include_tax", "sometimes", user="ada", code=1)
    assert "'sometimes' is not a yes/no value" in refused.stderr
