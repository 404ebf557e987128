"""A count at one till does not write off a unit a return at another till put back in stock
that the counting till had not heard of (issue 16, services/counts/till_decisions.py).

Found by a walk: A sold a unit; the customer brought it back at till B (offline); till C,
still knowing it sold, counted the shelf without it. B's return reached central first, then
C's count: central wrote the unit off as missing, with no conflict, and every till followed,
while the unit was in the shop. Now central posts C's decisions only (JG5-3 missing): C never
judged JG5-1, so it stays in stock everywhere, and nothing is there for a manager to settle.
"""

from __future__ import annotations

import json

from terminal_chain import Chain
from test_journal_gaps import _product

IN_STOCK = (
    "SELECT u.serial FROM serial_unit u JOIN product p ON p.id = u.product_id "
    "WHERE p.sku = 'JGCT' AND u.state = 'in_stock' ORDER BY u.serial"
)
STATE = "SELECT state FROM serial_unit WHERE serial = :s"


def test_a_unit_returned_elsewhere_is_not_written_off_by_a_count_that_did_not_know(
    chain: Chain,
) -> None:
    _product(chain, "JGCT", "80.00", "required")
    serials = ["JG5-1", "JG5-2", "JG5-3"]
    got = chain.post({"op": "receive", "store": "S1", "sku": "JGCT", "serials": serials})
    assert got[0]["ok"], got
    a, b, c = chain.terminal("JG5a"), chain.terminal("JG5b"), chain.terminal("JG5c")
    [sold] = a.apply({"op": "sell", "store": "S1", "sku": "JGCT", "serial": "JG5-1"})
    assert sold["ok"] and a.sync()["accepted"] == 1
    b.sync()
    c.sync()
    # B takes the customer's return; C counts the shelf: JG5-2 there, JG5-3 truly missing.
    [back] = b.apply({"op": "order_return", "order": sold["order"], "serials": ["JG5-1"]})
    assert back["ok"], back
    assert [s for (s,) in c.query(IN_STOCK)] == ["JG5-2", "JG5-3"]
    [counted] = c.apply(
        {
            "op": "count",
            "store": "S1",
            "approve": True,
            "products": ["JGCT"],
            "batches": [{"counter": "mia", "scans": [{"sku": "JGCT", "serial": "JG5-2"}]}],
        }
    )
    assert counted["ok"] and counted["missing"] == [{"sku": "JGCT", "serial": "JG5-3"}]
    assert b.sync()["accepted"] == 1
    report = c.sync()
    assert (report["accepted"], report["conflicts"], report["refused"]) == (1, 0, 0), report
    for till in (a, b, c):
        till.sync()
    # JG5-1 is in stock everywhere (the return stands); JG5-3 written off everywhere.
    for serial, state in (("JG5-1", "in_stock"), ("JG5-2", "in_stock"), ("JG5-3", "written_off")):
        assert chain.scalar(STATE, s=serial) == state, serial
        assert [t.unit_state(serial) for t in (a, b, c)] == [state] * 3, serial
    listed = json.loads(chain.central("conflicts", "list", "--json", user="ada").stdout)
    assert [x for x in listed if x["serial"] in serials] == [], listed
    for each in (a, b, c, chain):
        each.check_clean()
