"""``record_sale`` of a till's deposit on a layby central voided, once central's order is
fulfilled and owes it (issue 16).

The till took a deposit offline (``order_pay``) on a layby central had voided meanwhile
(its own deposit refunded there): a conflict ``order_closed`` whose ``refund``
(services/conflict_closed_money.py) books the deposit taken and refunded, the customer paid
back from the till's drawer. But the same till may then have fulfilled the layby offline
too, taking only the balance after that deposit; ``record_sale`` of that fulfilment
(services/conflict_closed_fulfil.py) fulfils central's order, which then owes what central
refunded on its void **and** the till's deposit. ``refund`` of the deposit then paid the
customer back money the sale needed (the customer owing more, the drawer paying out what
the sale took), and ``accept`` left the deposit in no book at central while central's order
said the customer owed it.

So a deposit's conflict offers ``record_sale`` ("the till's money recorded at central", as
for a till's sale and its fulfilment) while central's order is **fulfilled and owes at
least the deposit**: the deposit's tenders are booked on the order as payments taken (the
till's cashier, dated as the till took them, in no shift at central: the money is in the
till's drawer), reducing what the order owes, answered as ``owes``. It is refused, naming
the amounts and changing nothing, when it would book more than the order owes, and while
central holds the order other than fulfilled (``refund`` is the deposit's resolution on a
voided order). ``refund`` is refused while the order is fulfilled and owes anything, or
while the same till's later fulfilment of it is a conflict (that sale needed the deposit):
it names ``record_sale``. The till then takes central's rows of its order
(terminal/recorded_sales.py, db/closed_order_sql.py): its deposit row matches central's by
kind, method and amount and keeps its shift.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection

from serialpos.db import closed_money_sql
from serialpos.db.tables import utcnow
from serialpos.domain.closed_money import entry_line
from serialpos.domain.errors import BadRequest
from serialpos.domain.orders import OrderStatus
from serialpos.services.context import Actor

if TYPE_CHECKING:
    from serialpos.services.conflict_closed_money import ClosedOrder

Result = dict[str, Any]
ZERO = Decimal("0.00")
NOTHING = "nothing was resolved"


def owes(conn: Connection, number: str) -> Decimal:
    """What order ``number`` owes now: its total less what it holds (payments less change
    and refunds), never below nothing."""
    from serialpos.services.orders.reading import _find, _view

    sums = _view(conn, _find(conn, number)).totals
    return max(sums.total - sums.paid, ZERO)


def is_deposit(current: Mapping[str, Any]) -> bool:
    """Whether closed-money conflict ``current`` is a till's deposit (``order_pay``)."""
    return entry_line(current).get("op") == "order_pay"


def _total(money: list[tuple[str, Decimal]]) -> Decimal:
    return sum((a for _m, a in money), ZERO)


def check_record(current: Mapping[str, Any], order: ClosedOrder | None) -> None:
    """Refuse ``record_sale`` of closed-money conflict ``current`` before anything is
    written (module doc): no deposit, no such order, the order not fulfilled, or owing
    less than the deposit."""
    from serialpos.services.conflict_closed_money import moved

    number, line = current.get("id"), entry_line(current)
    name = line.get("order")
    if not is_deposit(current):
        raise BadRequest(
            f"conflict {number} is the till's void of {name}: record_sale books a till's "
            "deposit on an order central fulfilled, not a void's refunds (refund books "
            f"those, where central can); resolve it by accept otherwise; {NOTHING}"
        )
    deposit = _total(moved(current))
    if order is None:
        raise BadRequest(
            f"conflict {number} names {name}, which central holds no order of: resolve it "
            f"by accept (settle with the customer); {NOTHING}"
        )
    # A later void of the same till's (conflict ``voided_by``) paid this deposit back out
    # of its drawer; booked at central by ``refund`` it is what the order owes beyond its
    # sale, and the deposit taken there is owed no more: the owing rule below holds.
    if order.status != OrderStatus.FULFILLED.value:
        first = "resolve it by refund (the deposit paid back from the till's drawer) or accept"
        if order.fulfilled_by is not None:
            first = _after_fulfilment(order.fulfilled_by)
        elif order.voided_by is not None or order.status != OrderStatus.VOIDED.value:
            first = "resolve it by accept (settle with the customer)"
        raise BadRequest(
            f"conflict {number}: central holds {name} {order.status}, not fulfilled: "
            f"record_sale books the till's {deposit:.2f} deposit on an order fulfilled and "
            f"owing it; {first}; {NOTHING}"
        )
    owing = order.owes if order.owes is not None else ZERO
    if deposit > owing:
        raise BadRequest(
            f"conflict {number}: the till's deposit of {deposit:.2f} on {name} is more than "
            f"the {owing:.2f} it owes at central: record_sale books a deposit only up to "
            f"what the order owes; {_otherwise(owing, order)}; {NOTHING}"
        )


def check_refund(current: Mapping[str, Any], order: ClosedOrder) -> None:
    """Refuse ``refund`` of a till's deposit the order's sale needed (module doc): central's
    order fulfilled and owing, or the same till's later fulfilment of it a conflict."""
    if not is_deposit(current):
        return
    number, name = current.get("id"), entry_line(current).get("order")
    owing = order.owes if order.owes is not None else ZERO
    if order.status == OrderStatus.FULFILLED.value:
        if owing > 0:
            raise BadRequest(
                f"conflict {number}: central holds {name} fulfilled, owing {owing:.2f}: "
                "refund would pay the customer back a deposit the sale needs; resolve it by "
                f"record_sale (the deposit booked as taken on the order) or accept; {NOTHING}"
            )
        return  # paid in full at central: the till's deposit was paid twice
    if order.fulfilled_by is not None:
        raise BadRequest(
            f"conflict {number}: the same till fulfilled {name} after taking this deposit "
            f"(conflict {order.fulfilled_by}), its balance taken after it: refund would pay "
            f"back money the sale needs; {_after_fulfilment(order.fulfilled_by)}; {NOTHING}"
        )


def _otherwise(owing: Decimal, order: ClosedOrder) -> str:
    """What works for a deposit more than central's fulfilled order owes: ``refund`` when it
    owes nothing (the customer paid twice) and no later void of the till's paid it back
    already, else ``accept``."""
    if owing == 0 and order.voided_by is None:
        return "resolve it by refund (the customer paid twice: paid back from the till's drawer)"
    return "resolve it by accept (settle with the customer)"


def _after_fulfilment(fulfilled_by: int) -> str:
    """What works for a deposit whose till fulfilled the order later (conflict
    ``fulfilled_by``): that sale booked first, then the deposit on it."""
    return (
        f"book conflict {fulfilled_by}'s sale at central first (its record_sale), then this "
        "deposit on it the same way; resolve it by accept otherwise"
    )


def book(conn: Connection, current: Mapping[str, Any], actor: Actor) -> Result:
    """``record_sale`` of a till's deposit in the resolution's transaction (module doc): its
    tenders booked on central's order as payments taken. The verdict, with what the order
    ``owes`` now."""
    from serialpos.services import sale_dates
    from serialpos.services.conflict_closed_money import moved, order_now
    from serialpos.services.conflict_sale import cashier

    line = entry_line(current)
    number = str(line.get("order"))
    found = closed_money_sql.locked_order(conn, number)
    order = None if found is None else order_now(conn, current, number, found[1])
    check_record(current, order)  # again, under the order's lock
    assert found is not None  # refused above otherwise
    seller = cashier(conn, line, actor)
    when = sale_dates.of_entry(line)[0] or utcnow()
    for method, amount in moved(current):
        closed_money_sql.book(conn, found[0], "payment", method, amount, at=when, user=seller.user)
    return {"ok": True, "order": number, "owes": f"{owes(conn, number):.2f}"}
