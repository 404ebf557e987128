"""The change of a till's sale a manager recorded at central is given once (issue 16).

Till B sells two units offline, paid 900.00 in cash for 837.60: it gives 62.40 change at
its counter. Till A sold one of them first, so B's sale is a conflict; the manager records
it by ``record_sale``, its conflicting line left open and paid. Central recorded the cash
tendered and no change, and the open line's later fulfilment (another unit handed over)
then gave the 62.40 a second time, a cash payment of -62.40: the money was paid out twice.
Central must hold what the till kept (the tender and its change row, as an online cash sale
records them), the till the same after its sync, and the open line's fulfilment must ask no
change back. Real ``serialpos serve`` on PostgreSQL, the tills as separate processes."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from terminal_chain import Chain, till_db
from test_conflicting_sale import _receive, priced
from test_record_sale_till_copy import _central_rows

from serialpos.db.engine import Database
from serialpos.services.orders import NewOrder, add_item, fulfil

__all__ = ["priced"]

PAYMENTS = (
    "SELECT p.kind, p.method, p.amount FROM order_payment p "
    "JOIN sale_order o ON o.id = p.order_id WHERE o.number = :n ORDER BY p.id"
)
CHANGE_DUE = (
    "SELECT i.number, i.change_due FROM invoice i JOIN sale_order o ON o.id = i.order_id "
    "WHERE o.number = :n ORDER BY i.id"
)
KEPT = Decimal("837.60")
CHANGE = Decimal("62.40")


def _money(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [(*r[:-1], Decimal(str(r[-1])).quantize(Decimal("0.01"))) for r in rows]


def test_the_change_a_till_gave_is_recorded_once(
    chain: Chain, priced: str, opened: list[Database]
) -> None:
    lost, other = "CG-034", "CG-042"
    _receive(chain, priced, lost, other)
    a, b = chain.terminal("cg-a"), chain.terminal("cg-b")
    assert a.apply({"op": "sell", "store": "S1", "sku": priced, "serial": lost})[0]["ok"]
    db, mia = till_db(b, opened)
    first = add_item(db, mia, None, sku=priced, serial=lost, start=NewOrder("S1"))
    order = first.order.order
    add_item(db, mia, order, sku=priced, serial=other)
    done = fulfil(db, mia, order, payments=[("cash", Decimal("900.00"))])
    assert done.change_due == CHANGE
    assert a.sync()["accepted"] == 1
    assert b.sync()["conflicts"] == 1
    number = int(chain.scalar("SELECT max(id) FROM sync_conflict"))
    chain.central("conflicts", "resolve", str(number), "--by", "record_sale", user="ada")
    # Central holds the tender and the change the till gave, as an online sale records them.
    given = [("payment", "cash", Decimal("900.00")), ("change", "cash", -CHANGE)]
    assert _money(_central_rows(chain, PAYMENTS, n=order)) == given
    assert _money(_central_rows(chain, CHANGE_DUE, n=order)) == [(done.invoice, CHANGE)]
    assert b.sync()["recorded_sales"] == 1
    assert _money(b.query(PAYMENTS, n=order)) == given  # the till agrees
    assert _money(b.query(CHANGE_DUE, n=order)) == [(done.invoice, CHANGE)]
    # The open line is handed over with another unit: paid already, no change asked back.
    _receive(chain, priced, "CG-055")
    b.sync()
    for act in (
        {"op": "order_set_serial", "order": order, "line_number": 1, "serial": "CG-055"},
        {"op": "order_fulfil", "order": order, "line_numbers": [1]},
    ):
        [answer] = b.apply(act)
        assert answer["ok"], answer
    assert b.sync()["accepted"] == 2
    for rows in (_central_rows(chain, PAYMENTS, n=order), b.query(PAYMENTS, n=order)):
        assert _money(rows) == given
        assert sum(Decimal(str(r[-1])) for r in rows) == KEPT
    for rows in (_central_rows(chain, CHANGE_DUE, n=order), b.query(CHANGE_DUE, n=order)):
        assert [r[1] for r in _money(rows)] == [CHANGE, Decimal("0.00")]
    status = "SELECT status FROM sale_order WHERE number = :n"
    assert b.query(status, n=order) == _central_rows(chain, status, n=order) == [("fulfilled",)]
    b.check_clean()
    chain.check_clean()
