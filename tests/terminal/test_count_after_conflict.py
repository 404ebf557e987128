"""A count made on a till after a sale of its that central did not take (issue 16 invariant
5, a new user's walk): till B, offline, sells two phones in one sale, one of which till A
sold first, so central records the whole sale as a conflict and the other phone stays in
stock there. B then counts its phones and does not scan the one it sold; central applies
the count and writes that phone off. B returns it too, which central refuses (it never had
the sale). B's pull once skipped the count's write-off as B's own event, because the unit's
newest event here was B's return, an entry central did not take: B kept the phone in stock
for good while central and till A had it written off. Every till must end as central. (A
till's count is now applied by its own decisions, and B's count never judged the phone it
had sold: central keeps it in stock; a manager who then writes it off at central is
followed by every till.)"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from terminal_chain import Chain, Terminal

STOCK = (
    "SELECT coalesce(sum(k.quantity), 0) FROM stock_level k JOIN store s ON s.id = k.store_id "
    "JOIN product p ON p.id = k.product_id WHERE s.code = 'S1' AND p.sku = 'PH1'"
)
UNIT = (
    "SELECT u.state, s.code FROM serial_unit u JOIN store s ON s.id = u.store_id "
    "WHERE u.serial = :serial"
)
IN_STOCK_HERE = (
    "SELECT u.serial FROM serial_unit u JOIN store s ON s.id = u.store_id "
    "JOIN product p ON p.id = u.product_id "
    "WHERE s.code = 'S1' AND p.sku = 'PH1' AND u.state = 'in_stock' ORDER BY u.serial"
)


def _sale(*serials: str) -> dict[str, Any]:
    lines = [{"sku": "PH1", "serial": s} for s in serials]
    return {"op": "order_create", "store": "S1", "lines": lines, "fulfil": True}


def _central(chain: Chain, serial: str) -> tuple[Any, ...]:
    with chain.server.db.engine.connect() as conn:
        return tuple(conn.execute(sa.text(UNIT), {"serial": serial}).one())


def _same(chain: Chain, *tills: Terminal, serials: tuple[str, ...]) -> None:
    for serial in serials:
        there = _central(chain, serial)
        for till in tills:
            assert till.query(UNIT, serial=serial) == [there], (till.name, serial, there)
    stock = int(chain.scalar(STOCK))
    for till in tills:
        assert int(till.query(STOCK)[0][0]) == stock, (till.name, stock)


def test_a_count_after_a_conflicted_sale_and_its_return_ends_as_central(chain: Chain) -> None:
    serials = ("CC-042", "CC-043", "CC-044")
    got = chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": list(serials)})
    assert got[0]["ok"], got
    a, b = chain.terminal("cc-a"), chain.terminal("cc-b")
    assert a.apply(_sale("CC-043"))[0]["ok"]
    assert a.sync()["accepted"] == 1

    # B, offline: a sale whose second line A sold first, a count of what B holds in
    # stock (not CC-042, sold here), a return of CC-042.
    [sold] = b.apply(_sale("CC-042", "CC-043"))
    assert sold["ok"], sold
    scans = [{"sku": "PH1", "serial": s} for (s,) in b.query(IN_STOCK_HERE)]
    assert {"serial": "CC-042", "sku": "PH1"} not in scans and scans
    [counted, back] = b.apply(
        {
            "op": "count",
            "store": "S1",
            "approve": True,
            "products": ["PH1"],
            "batches": [{"counter": "mia", "scans": scans}],
        },
        {"op": "order_return", "order": sold["order"], "line_numbers": [1]},
    )
    assert counted["ok"] and back["ok"], (counted, back)
    assert b.unit_state("CC-042") == "in_stock"

    report = b.sync()
    # The sale is a conflict, the count accepted, and the return of the sale central never
    # recorded a conflict too, following the sale's (services/entries.py follows_conflict).
    assert (report["conflicts"], report["accepted"], report["refused"]) == (2, 1, 0), report
    # Central applied the count by B's decisions: B had sold CC-042 here, so its count did
    # not judge it, and central, which never had that sale, keeps it in stock (it is: the
    # customer brought it back) rather than write it off on B's behalf.
    assert _central(chain, "CC-042") == ("in_stock", "S1")
    assert a.sync()["pending"] == 0  # nothing to pull for CC-042: central never moved it
    _same(chain, a, b, serials=serials)
    # A manager writes it off at central: both tills follow (B's pull once skipped such a
    # write-off as its own event, its newest event here being its refused return).
    [off] = chain.post(
        {
            "op": "adjust",
            "store": "S1",
            "reason": "lost",
            "items": [{"sku": "PH1", "remove": ["CC-042"]}],
        }
    )
    assert off["ok"], off
    assert _central(chain, "CC-042") == ("written_off", "S1")
    assert a.sync()["pulled"] > 0 and b.sync()["pulled"] > 0
    _same(chain, a, b, serials=serials)
    again = b.sync()  # for good: nothing moves it back
    assert (again["accepted"], again["pending"]) == (0, 0), again
    _same(chain, a, b, serials=serials)
    for db in (a, b, chain):
        db.check_clean()
