"""``settings show`` on a store terminal was refused ("set the terminal up again") though
the terminal refreshes central's settings every 5 minutes. It shows the terminal's copy,
saying when it was last refreshed; ``set`` and ``clear`` stay refused, saying the change
belongs at central and reaches the terminal at its next refresh (issue 16)."""

from __future__ import annotations

import json

from terminal_chain import Chain


def test_settings_show_reads_the_tills_copy(chain: Chain) -> None:
    chain.central("settings", "set", "offline_price_limit", "750", user="ada")
    till = chain.terminal("till-settings")

    shown = till.cli("settings", "show", "--json")
    assert shown.returncode == 0, shown.stderr
    assert "not refreshed since" in shown.stderr  # its snapshot's copy, said so
    assert json.loads(shown.stdout)["auto_prompt_serial"] in (True, False)
    table = till.cli("settings", "show").stdout
    assert "offline_price_limit" in table and "750" in table

    chain.central("settings", "set", "offline_price_limit", "800", user="ada")
    report = till.sync()
    assert report["refreshed"], report
    after = till.cli("settings", "show")
    assert "800" in after.stdout and "last refreshed from central at" in after.stderr
    assert till.cli("settings", "show", "--store", "S1").returncode == 0

    for args in (
        ("set", "offline_price_limit", "900"),
        ("clear", "auto_prompt_serial", "--store", "S1"),
    ):
        refused = till.cli("--user", "mia", "settings", *args, check=False)
        assert refused.returncode == 1, refused.stderr
        assert "change them there" in refused.stderr and "next refresh" in refused.stderr
    assert "800" in till.cli("settings", "show").stdout  # nothing changed here
