"""A return made at central of a sale a till made (issue 16): after the till syncs, its own
copy of the order says the line was returned, as central's does; the unit or quantity comes
back once (by the mirrored event), and the till journals nothing for it."""

from __future__ import annotations

import json
from typing import Any

from terminal_chain import Chain, Terminal

STOCK = (
    "SELECT l.quantity FROM stock_level l JOIN product p ON p.id = l.product_id "
    "JOIN store s ON s.id = l.store_id WHERE p.sku = :sku AND s.code = :store"
)
LINE = (
    "SELECT l.status FROM order_line l JOIN sale_order o ON o.id = l.order_id "
    "WHERE o.number = :order AND l.number = :line"
)


def _sale(till: Terminal, serial: str) -> dict[str, Any]:
    [card] = json.loads(till.cli("serial", "show", serial, "--json").stdout)
    return dict(card["sale"])


def test_a_conflict_resolved_by_return_reaches_the_winning_tills_order(chain: Chain) -> None:
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "RM-1"})[0]["ok"]
    winner, loser = chain.terminal("rm-a"), chain.terminal("rm-b")
    [sold] = winner.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": "RM-1"})
    assert loser.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": "RM-1"})[0]["ok"]
    assert winner.sync()["accepted"] == 1 and loser.sync()["conflicts"] == 1
    [conflict] = [
        c
        for c in json.loads(chain.central("conflicts", "list", "--json").stdout)
        if c["serial"] == "RM-1"
    ]
    chain.central("conflicts", "resolve", str(conflict["id"]), "--by", "return", user="mia")
    order = sold["order"]
    assert chain.scalar(LINE.replace(":order", f"'{order}'").replace(":line", "1")) == "returned"
    journaled = winner.query("SELECT count(*) FROM journal_entry")

    report = winner.sync()
    loser.sync()
    assert winner.unit_state("RM-1") == "in_stock"
    assert winner.query(LINE, order=order, line=1) == [("returned",)]
    sale = _sale(winner, "RM-1")
    assert (sale["order"], sale["status"]) == (order, "returned")
    assert report["mirror"]["returned_lines"] == 1
    # The unit came back once (the mirrored event), and nothing was journaled for it.
    returns = winner.query("SELECT count(*) FROM ledger_event WHERE action = 'return'")
    assert returns == [(1,)]
    assert winner.query("SELECT count(*) FROM journal_entry") == journaled
    assert winner.status()["pending"] == 0
    assert winner.sync()["mirror"]["returned_lines"] == 0  # a later sync changes nothing
    for db in (winner, loser, chain):
        db.check_clean()


def test_a_quantity_returned_at_central_comes_back_once(chain: Chain) -> None:
    assert chain.post({"op": "receive", "store": "S1", "sku": "CAB", "quantity": 5})[0]["ok"]
    till = chain.terminal("rm-q")
    before = till.query(STOCK, sku="CAB", store="S1")[0][0]
    [sold] = till.apply({"op": "sell", "store": "S1", "sku": "CAB", "quantity": 2})
    assert sold["ok"] and till.sync()["accepted"] == 1
    [back] = chain.post(
        {"op": "order_return", "order": sold["order"], "line_numbers": [1]}, user="mia"
    )
    assert back["ok"], back

    report = till.sync()
    assert till.query(LINE, order=sold["order"], line=1) == [("returned",)]
    assert report["mirror"]["returned_lines"] == 1
    assert till.query(STOCK, sku="CAB", store="S1")[0][0] == before
    assert chain.scalar(STOCK.replace(":sku", "'CAB'").replace(":store", "'S1'")) == before
    for db in (till, chain):
        db.check_clean()


def test_the_tills_own_return_is_left_as_it_is(chain: Chain) -> None:
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "RM-2"})[0]["ok"]
    till = chain.terminal("rm-own")
    [sold] = till.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": "RM-2"})
    [back] = till.apply({"op": "order_return", "order": sold["order"], "line_numbers": [1]})
    assert back["ok"]
    report = till.sync()
    assert report["accepted"] == 2 and report["mirror"]["returned_lines"] == 0
    assert _sale(till, "RM-2")["status"] == "returned"
    for db in (till, chain):
        db.check_clean()
