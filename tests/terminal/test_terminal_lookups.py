"""Lookups work on a store terminal as at central (issue 16: "Every flow works the same
online and offline: ... lookups"): ``products show`` was refused there as if it changed the
catalogue ("its changes would never reach central"). The commands that read the till's
copy run; those that would change what is central's stay refused, saying where to change
it. Real ``serialpos serve`` on PostgreSQL, the till's CLI."""

from __future__ import annotations

import json

from terminal_chain import Chain


def test_product_store_and_user_lookups_run_on_a_till(chain: Chain) -> None:
    till = chain.terminal("till-lookups")

    shown = till.cli("products", "show", "PH1", "--json")
    assert [p["sku"] for p in json.loads(shown.stdout)] == ["PH1"]
    assert "Cable" in till.cli("products", "show", "CAB").stdout
    exported = till.cli("products", "export", "-").stdout
    assert "PH1" in exported and "CAB" in exported
    stores = json.loads(till.cli("store", "list", "--json").stdout)
    assert {s["code"] for s in stores} >= {"S1", "S2"}
    users = json.loads(till.cli("user", "list", "--json").stdout)
    assert "mia" in {u["name"] for u in users}
    assert json.loads(till.cli("user", "show", "mia", "--json").stdout)["name"] == "mia"
    for reads in (("stock", "--store", "S1"), ("report", "sales", "--json")):
        assert till.cli("--user", "mia", *reads).returncode == 0

    for args, said in (
        (("products", "set", "CAB", "--serial-mode", "optional"), "the catalogue is central's"),
        (("products", "import", "-"), "the catalogue is central's"),
        (("store", "add", "S9", "Nowhere"), "stores are central's"),
        (("user", "set-role", "mia", "admin"), "users are central's"),
        (("user", "disable", "mia"), "users are central's"),
    ):
        refused = till.cli("--user", "ada", *args, stdin="", check=False)
        assert refused.returncode == 1, refused.stderr
        assert "would change the terminal's copy only" in refused.stderr and said in refused.stderr
    shown = json.loads(till.cli("products", "show", "CAB", "--json").stdout)
    assert shown[0]["serial_mode"] == "disabled"  # nothing changed here
    assert "S9" not in till.cli("store", "list").stdout
    assert json.loads(till.cli("user", "show", "mia", "--json").stdout)["role"] == "manager"
