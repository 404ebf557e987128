"""A till's layby fulfilled at central is fulfilled on the till too (issue 16).

The customer collects the layby at the head office (or a host system's ``order_fulfil``)
after paying 200 at the till: central takes the 700 owed and fulfils the order. The pull
brought the unit's sale (sold here), but the till's order stayed open, its line open and
owing 700: a cashier could take the 700 again, or void it and pay the 200 deposit back out
of the drawer, and the order's money differed between the ends with no conflict nor check
saying so. Found by the money machine (tests/terminal/test_money_stateful.py). Now an
order of the till's own open or parked here that central's rows show fulfilled takes
central's rows (status, lines, invoices) and each payment central has that the till lacks,
without a shift (central's drawer); its own rows keep theirs (db/order_follow_sql.py).
"""

from __future__ import annotations

import json
from decimal import Decimal

from terminal_chain import Chain
from test_closed_order_settled import LINES
from test_money_on_closed_order import _layby
from test_refund_not_taken import PAYMENTS, STATUS, _central, _money

#: The payments of an order that moved in a shift of the till's.
IN_SHIFT = (
    "SELECT p.kind, p.method, p.amount FROM order_payment p "
    "JOIN sale_order o ON o.id = p.order_id WHERE o.number = :n AND p.shift_id IS NOT NULL"
)
INVOICES = (
    "SELECT i.number FROM invoice i JOIN sale_order o ON o.id = i.order_id WHERE o.number = :n"
)


def test_a_layby_central_fulfilled_is_fulfilled_at_the_till(chain: Chain) -> None:
    till, order, total = _layby(chain, "CF1")
    till.cli("--user", "mia", "shift", "open", "--float", "100")
    due = f"{Decimal(total) - Decimal('200'):.2f}"
    [done] = chain.post(
        {"op": "order_fulfil", "order": order, "payments": [{"method": "card", "amount": due}]}
    )
    assert done["ok"], done
    till.sync()
    assert till.query(STATUS, n=order) == [("fulfilled",)]
    assert till.query(LINES, n=order) == _central(chain, LINES, n=order)
    assert till.query(INVOICES, n=order) == _central(chain, INVOICES, n=order)
    assert sorted(_money(till.query(PAYMENTS, n=order))) == sorted(
        _money(_central(chain, PAYMENTS, n=order))
    )
    # Central's 700 moved in no drawer of the till's: its shift holds none of it.
    assert till.query(IN_SHIFT, n=order) == []
    x = json.loads(till.cli("--user", "mia", "shift", "x", "--json").stdout)
    assert Decimal(x["expected_cash"]) == Decimal(100), x
    # Nothing left to give back at the till: its void is refused as for any fulfilled order.
    [again] = till.apply({"op": "order_void", "order": order}, check=False)
    assert again["ok"] is False and again["error"] == "order_closed", again
    till.check_clean()
    chain.check_clean()
