"""A till's own counter sale comes back from central in the feed (issue 16): the pull knows
its reserve and sell as the till's own and applies neither again, so the unit's history holds
the sale once; central's later events of the unit still apply."""

from __future__ import annotations

import json
from typing import Any

from terminal_chain import Chain, Terminal
from test_central_restore import backup

HISTORY = "SELECT action, from_state, to_state FROM ledger_event WHERE serial = :s ORDER BY id"
SALE = [("reserve", "in_stock", "reserved"), ("sell", "reserved", "sold")]


def _sale(serial: str) -> dict[str, Any]:
    lines = [{"sku": "PH1", "serial": serial}]
    return {"op": "order_create", "store": "S1", "lines": lines, "fulfil": True}


def _history(till: Terminal, serial: str) -> list[tuple[Any, ...]]:
    return till.query(HISTORY, s=serial)[1:]  # after the snapshot's event


def test_a_counter_sale_pulled_back_is_not_applied_again(chain: Chain) -> None:
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "OE-1"})[0]["ok"]
    till = chain.terminal("oe-a")
    [sold] = till.apply(_sale("OE-1"))
    assert sold["ok"], sold

    report = till.sync()
    assert report["accepted"] == 1
    assert (report["mirror"]["own"], report["mirror"]["applied"]) == (2, 0)
    assert _history(till, "OE-1") == SALE
    [card] = json.loads(till.cli("serial", "show", "OE-1", "--events", "--json").stdout)
    assert card["state"] == "sold"
    till.check_clean()

    # Central's own later event of the unit (a return of the line) still reaches the till.
    [back] = chain.post(
        {"op": "order_return", "order": sold["order"], "line_numbers": [1]}, user="mia"
    )
    assert back["ok"], back
    report = till.sync()
    assert report["mirror"]["applied"] == 1
    assert till.unit_state("OE-1") == "in_stock"
    assert _history(till, "OE-1")[:2] == SALE
    for db in (till, chain):
        db.check_clean()


def test_a_counter_sale_sent_again_after_a_restore_is_not_applied_again(chain: Chain) -> None:
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "OE-2"})[0]["ok"]
    till = chain.terminal("oe-b")
    with backup(chain) as restore:
        assert till.apply(_sale("OE-2"))[0]["ok"]
        assert till.sync()["mirror"]["own"] == 2
        restore()  # central loses the sale
        done = till.cli("terminal", "resend")
        sync = json.loads(done.stdout)["sync"]
        assert sync["accepted"] == 1
        assert sync["mirror"]["applied"] == 0 and sync["mirror"]["own"] == 2
    assert _history(till, "OE-2") == SALE
    assert till.unit_state("OE-2") == "sold"
    for db in (till, chain):
        db.check_clean()


def test_a_sale_here_after_a_sale_and_return_at_central_still_ends_sold(chain: Chain) -> None:
    """Central sold the unit and took it back while the till, offline, sold it too: central
    takes the till's sale after its own return. The pull brings central's sale and return
    first (the unit reads sold, then in stock here), then the till's own sale, which must put
    the unit back to sold: its newest local event is central's, not the till's."""
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "OE-3"})[0]["ok"]
    till = chain.terminal("oe-c")
    [there] = chain.post(_sale("OE-3"))
    assert there["ok"], there
    [back] = chain.post({"op": "order_return", "order": there["order"], "line_numbers": [1]})
    assert back["ok"], back
    assert till.apply(_sale("OE-3"))[0]["ok"]
    report = till.sync()
    assert report["accepted"] == 1 and report["conflicts"] == 0, report
    assert till.unit_state("OE-3") == "sold"
    assert _history(till, "OE-3")[-2:] == SALE
    for db in (till, chain):
        db.check_clean()
