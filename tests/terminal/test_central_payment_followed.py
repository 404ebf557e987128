"""A part payment central takes on a till's layby reaches the till (issue 16).

A payment moves no unit, so no event of the feed named the order and the till never asked
for it: the layby read owing what it owed before the head office took 300 on it. At
collection the cashier took the whole balance again, and central booked the 300 as change
the till never gave: the customer paid 300 twice, both ``db check`` runs clean, nothing
said. Now each round that pulls asks central for the till's own open orders holding money
and takes the payments it lacks (terminal/own_orders.py): the till asks for what is really
owed. Real ``serialpos serve`` on PostgreSQL, the till its own process.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from terminal_chain import Chain
from test_closed_order_owes import _central_pay
from test_money_on_closed_order import _layby
from test_refund_not_taken import PAYMENTS, STATUS, _central, _money


def test_a_payment_taken_at_central_on_a_tills_layby_is_owed_no_more_at_the_till(
    chain: Chain, tmp_path: Path
) -> None:
    till, order, total = _layby(chain, "CP1")
    taken = _central_pay(chain, tmp_path, order, "300.00")
    assert taken["ok"], taken
    report = till.sync()
    assert report["order_payments"] == 1, report
    assert sorted(_money(till.query(PAYMENTS, n=order))) == sorted(
        _money(_central(chain, PAYMENTS, n=order))
    )
    # Central's 300 is in no shift of the till's: it moved in central's drawer.
    assert till.query(
        "SELECT p.shift_id FROM order_payment p JOIN sale_order o ON o.id = p.order_id "
        "WHERE o.number = :n AND p.amount = 300",
        n=order,
    ) == [(None,)]
    # The till asks for what is owed, and both ends then read the same sale, no change.
    owed = Decimal(total) - Decimal("500")
    [done] = till.apply(
        {
            "op": "order_fulfil",
            "order": order,
            "payments": [{"method": "card", "amount": f"{owed:.2f}"}],
        }
    )
    assert done["ok"] and done["change_due"] == "0.00", done
    assert till.sync()["accepted"] == 1
    assert _central(chain, STATUS, n=order) == [("fulfilled",)]
    theirs = _money(_central(chain, PAYMENTS, n=order))
    assert not [row for row in theirs if row[0] == "change"], theirs
    assert sorted(_money(till.query(PAYMENTS, n=order))) == sorted(theirs)
    assert sum(amount for _k, _m, amount in theirs) == Decimal(total)
    # Followed once: a later round takes nothing again.
    assert till.sync()["order_payments"] == 0
    till.check_clean()
    chain.check_clean()
