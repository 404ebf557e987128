"""``db check`` notes on a store terminal that say what is true: a unit in stock on a
fulfilled line of a sale central did not take (``not_taken_sale_in_stock``: a sale whose
journal entry was changed after it was made, refused unsent, its unit put back), and a unit
reserved at central by another till's lay-by (``reserved_at_central``, which called every
such order central's). Real ``serialpos serve`` on PostgreSQL, the tills' CLI."""

from __future__ import annotations

import json
from typing import Any

from terminal_chain import Chain, Terminal


def _findings(till: Terminal) -> tuple[int, list[dict[str, Any]]]:
    done = till.cli("db", "check", "--json", check=False)
    return done.returncode, json.loads(done.stdout)["findings"]


def test_a_tampered_sale_names_its_unit_back_in_stock(chain: Chain) -> None:
    """The case found: an offline sale whose entry someone changed in the till's SQLite is
    refused unsent and its unit put back in stock at both ends; the till keeps its order
    fulfilled (the receipt was printed, the money is in its drawer). ``db check`` named only
    the changed entry; now it names the unit on the order's line too, as a note."""
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "NT-F6"})[0]["ok"]
    till = chain.terminal("till-nt-sale")
    [sold] = till.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": "NT-F6"})
    assert sold["ok"], sold
    till.change_line(sold["entry"], '"NT-F6"', '"NT-F6 "')
    till.cli("sync", check=False)
    assert till.unit_state("NT-F6") == "in_stock"
    code, findings = _findings(till)
    assert code == 1, findings  # the changed entry is a violation for good
    rules = sorted(f["rule"] for f in findings)
    assert rules == ["journal_entry_sealed", "not_taken_sale_in_stock"], findings
    [note] = [f for f in findings if f["rule"] == "not_taken_sale_in_stock"]
    assert note["violation"] is False, note
    assert "serial NT-F6 is in stock here" in note["detail"], note
    assert f"order {sold['order']} line 1 (fulfilled)" in note["detail"], note
    assert "refused" in note["detail"], note


def test_another_tills_layby_is_not_called_centrals(chain: Chain) -> None:
    """Till A takes a lay-by of NT-F7 (reserved, its order A's); till B of the same store
    pulls the reservation without the order. B's note named the order "central's"; it now
    names the till that reserved it and says it is another till's or central's order."""
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "NT-F7"})[0]["ok"]
    first, second = chain.terminal("till-nt-a"), chain.terminal("till-nt-b")
    [held] = first.apply(
        {"op": "order_create", "store": "S1", "lines": [{"sku": "PH1", "serial": "NT-F7"}]}
    )
    assert held["ok"], held
    assert first.sync()["accepted"] == 1
    second.sync()
    assert second.unit_state("NT-F7") == "reserved"
    code, findings = _findings(second)
    assert code == 0, findings
    [note] = [f for f in findings if f["rule"] == "reserved_at_central"]
    assert f"order {held['order']}" in note["detail"], note
    assert "which is central's" not in note["detail"], note
    assert "reserved by till-nt-a" in note["detail"], note
