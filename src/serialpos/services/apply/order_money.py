"""``order_pay`` and ``order_park``: a deposit taken on an open order, and an order parked or
resumed, as a store terminal journals them for an order central knows (issue 16); and
``order_refund``, the money a fulfilled order holds over its total given back
(services/orders/surplus.py).

Both were kept on the till only: after the sync central's order was open with nothing paid
while the till's was parked with the customer's deposit, and a void refunded different
money at the two ends. ``order_pay`` takes its ``payments`` on the order in one transaction
(an open or parked order, as the counter takes them; a fulfilment puts them on its invoice
later, services/orders/checkout.py). ``order_park`` is a state, not a toggle: ``parked``
true parks an open order, false resumes a parked one, and an order already so is left as
it is, so the entry applied again, or after one central refused, changes nothing. A host
may send either as well.
"""

from __future__ import annotations

from typing import Any

from serialpos.db.engine import Database
from serialpos.domain.errors import BadRequest
from serialpos.domain.orders import OrderStatus
from serialpos.services.apply.fields import Fields, Result, _json_type
from serialpos.services.context import Actor

#: Keys of each operation (with the envelope's, services/apply/dispatch.py).
PAY_KEYS = frozenset({"order", "payments"})
REFUND_KEYS = frozenset({"order", "refunds"})
PARK_KEYS = frozenset({"order", "parked"})


def _order_pay(db: Database, actor: Actor, f: Fields) -> Result:
    from serialpos.db.joined import JoinedDatabase
    from serialpos.services.apply.order_handlers import _order_head, _payments
    from serialpos.services.orders.checkout import add_payment
    from serialpos.services.orders.reading import get_order

    order = f.code("order")
    payments = _payments(f)
    if not payments:
        raise BadRequest("'payments' names the money taken: [{method, amount}, ...]")

    def work(conn: Any) -> Result:
        joined = JoinedDatabase(db, conn)
        for method, amount in payments:
            add_payment(joined, actor, order, method, amount)
        return _order_head(get_order(joined, order))

    return db.write(work)


def _order_refund(db: Database, actor: Actor, f: Fields) -> Result:
    """``order_refund``: money a fulfilled order holds over its total given back by method
    (services/orders/surplus.py)."""
    from serialpos.services.apply.order_handlers import _order_head, _payments
    from serialpos.services.orders.surplus import refund_surplus

    refunds = _payments(f, "refunds")
    if not refunds:
        raise BadRequest("'refunds' names the money given back: [{method, amount}, ...]")
    return _order_head(refund_surplus(db, actor, f.code("order"), refunds))


def _order_park(db: Database, actor: Actor, f: Fields) -> Result:
    from serialpos.services.apply.order_handlers import _order_head
    from serialpos.services.orders.header import park, resume
    from serialpos.services.orders.reading import get_order

    order = f.code("order")
    wanted = f.value("parked")
    if not isinstance(wanted, bool):
        raise BadRequest(f"'parked' must be true or false, not {_json_type(wanted)}")
    view = get_order(db, order)
    target = OrderStatus.PARKED if wanted else OrderStatus.OPEN
    if view.status is not target:  # (a closed order is refused by park/resume, naming it)
        view = park(db, actor, order) if wanted else resume(db, actor, order)
    return _order_head(view)
