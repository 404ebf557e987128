"""The ``refund`` resolution of money a till moved on its order that central closed
meanwhile (issue 16).

A till's deposit (``order_pay``) on a layby central voided meanwhile, or its void
(``order_void``, the deposit paid back out of its drawer) of a layby central fulfilled
meanwhile, is a conflict (``order_closed``: services/conflict_codes.py). The money moved in
the till's drawer whatever central says. ``accept`` booked it nowhere at central: the till's
voided copy held the deposit for good (``db check``: ``voided_order_holds_money``), or read
voided and refunded while central's order was fulfilled and paid in full.

Why ``refund`` (no new name): in both cases the customer is paid back the money the till
moved, and that refund is what central books, as for a till's sale nothing of which could be
recorded (services/conflict_refund.py):

* a deposit on an order central voided: the till's tenders are booked on central's voided
  order as taken (the till's cashier, dated as the till took them) and refunded by method
  (the resolving manager, now). The order stays voided, holding nothing; the refund is paid
  out of the till's drawer, where the deposit is (the till takes it into its open shift,
  as a sale's ``refund``; it waits for one where the store requires a shift);
* a void of an order central fulfilled: the refunds the till paid (its entry names them,
  ``refunds``) are booked on central's order as paid (the till's cashier, dated as the till
  voided). The order stays fulfilled (the customer took the unit at central) and now holds
  that much less than its total: what the customer owes the store, said on the order. A
  till's entry from before ``refunds`` was journaled names no amount: only ``accept``.

Either way the rows name no shift at central (the money moved in the till's drawer) and no
invoice. The till then takes central's rows of its order (terminal/recorded_sales.py,
db/closed_order_sql.py): the same status, lines and payments at both ends.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.engine import Connection

from serialpos.db import closed_money_sql
from serialpos.db.tables import utcnow
from serialpos.domain.closed_money import CLOSED_MONEY_OPS as CLOSED_MONEY_OPS
from serialpos.domain.closed_money import entry_line as _line
from serialpos.domain.closed_money import is_closed_money as is_closed_money
from serialpos.domain.errors import BadRequest
from serialpos.domain.orders import OrderStatus
from serialpos.services.context import Actor

Result = dict[str, Any]


@dataclass(frozen=True)
class ClosedOrder:
    """Central's order a closed-money conflict names, as ``refund`` needs it: its status,
    and (a deposit's) the conflict of the same till's later void of that order, if central
    holds one: that void paid the deposit back out of the till's drawer already (its one
    cash row of everything the order held), so ``refund`` would have the manager pay it
    back a second time and the till's take of central's rows drop its void's row
    (db/closed_order_sql.py)."""

    status: str
    voided_by: int | None = None
    #: A till's fulfilment's (services/conflict_closed_fulfil.py): the order's open lines,
    #: (number, sku, serial, where its unit is when not in stock at the order's store).
    units: tuple[tuple[int, str, str | None, str], ...] = ()
    #: A deposit's (services/conflict_closed_deposit.py): what the order owes now, and the
    #: conflict of the same till's later fulfilment of it, if central holds one.
    owes: Decimal | None = None
    fulfilled_by: int | None = None


def voided_by(conn: Connection, current: Mapping[str, Any]) -> int | None:
    """For a deposit's conflict, the conflict of its till's later void of the order."""
    return _later(conn, current, "order_void")


def later_fulfil(conn: Connection, current: Mapping[str, Any]) -> int | None:
    """For a deposit's conflict, the conflict of its till's later fulfilment of the order
    (services/conflict_closed_deposit.py)."""
    return _later(conn, current, "order_fulfil")


def _later(conn: Connection, current: Mapping[str, Any], op: str) -> int | None:
    line, seq = _line(current), (current.get("entry") or {}).get("seq")
    if line.get("op") != "order_pay" or not isinstance(seq, int):
        return None
    terminal = str(current.get("terminal"))
    return closed_money_sql.later_entry(conn, terminal, seq, str(line.get("order")), op)


def _amounts(given: Any) -> list[tuple[str, Decimal]]:
    """The positive (method, amount) pairs of a line's ``payments`` or ``refunds``."""
    out: list[tuple[str, Decimal]] = []
    for item in given if isinstance(given, list) else []:
        if not isinstance(item, Mapping) or not isinstance(item.get("method"), str):
            continue
        try:
            amount = abs(Decimal(str(item.get("amount"))))
        except InvalidOperation:
            continue
        if amount > 0:
            out.append((str(item["method"]), amount.quantize(Decimal("0.01"))))
    return out


def moved(current: Mapping[str, Any]) -> list[tuple[str, Decimal]]:
    """What the till's drawer moved (method, amount > 0): the deposit it took, or the
    refunds its void paid; a :class:`BadRequest` saying what to do when it names none."""
    line, number = _line(current), current.get("id")
    if line.get("op") == "order_pay":
        found = _amounts(line.get("payments"))
    else:
        found = _amounts(line.get("refunds"))
    if not found:
        raise BadRequest(
            f"conflict {number}'s {line.get('op')} names no money the till moved (a till "
            "older than refunds journaled with its void): resolve it by accept; nothing "
            "was resolved"
        )
    return found


def check(current: Mapping[str, Any], order: ClosedOrder | None) -> None:
    """Refuse ``refund`` of closed-order money before anything is written: no money named,
    no such order at central (``order`` None: nothing to book it on), a deposit its till
    voided later (paid back once already), or a void of an
    order central holds voided too (its refund at the till and central's both paid the
    customer: a voided order holds nothing, so no book takes the till's)."""
    moved(current)
    if order is None:
        # Central holds no such order (restored from a backup older than it, the till's
        # conflicts recorded again): no order to book the till's money on.
        raise BadRequest(
            f"conflict {current.get('id')} names {_line(current).get('order')}, which "
            "central holds no order of: refund books the till's money on central's order; "
            "resolve it by accept (settle with the customer); nothing was resolved"
        )
    voided_by, status = order.voided_by, order.status
    if voided_by is not None:
        raise BadRequest(
            f"conflict {current.get('id')} is the till's deposit on "
            f"{_line(current).get('order')}, which the same till voided later (conflict "
            f"{voided_by}), paying the deposit back out of its drawer: refund would pay "
            "it back a second time; resolve it by accept; nothing was resolved"
        )
    if _line(current).get("op") == "order_void" and status != OrderStatus.FULFILLED.value:
        raise BadRequest(
            f"conflict {current.get('id')} is the till's void of {_line(current).get('order')}, "
            f"which central holds {status}, not fulfilled: refund books a till's "
            "refund on an order the customer took; resolve it by accept (settle with the "
            "customer); nothing was resolved"
        )
    from serialpos.services.conflict_closed_deposit import check_refund

    check_refund(current, order)


def settle(conn: Connection, current: Mapping[str, Any], actor: Actor) -> Result:
    """Book conflict ``current``'s money on central's order in the resolution's
    transaction (module doc); the verdict, with what was ``refunded``."""
    from serialpos.services import sale_dates
    from serialpos.services.conflict_sale import cashier

    line = _line(current)
    number = str(line.get("order"))
    found = closed_money_sql.locked_order(conn, number)
    # Checked again under the order's lock: what it owes may have moved since the precheck.
    check(current, None if found is None else order_now(conn, current, number, found[1]))
    if found is None:  # check refused it already; said again for the type checker
        raise BadRequest(f"central holds no order {number}: resolve it by accept")
    order_id = found[0]
    seller = cashier(conn, line, actor)
    when = sale_dates.of_entry(line)[0] or utcnow()
    money = moved(current)
    if line.get("op") == "order_pay":
        for method, amount in money:
            closed_money_sql.book(
                conn, order_id, "payment", method, amount, at=when, user=seller.user
            )
        now = utcnow()
        for method, amount in money:
            closed_money_sql.book(
                conn, order_id, "refund", method, -amount, at=now, user=actor.user
            )
    else:
        for method, amount in money:
            closed_money_sql.book(
                conn, order_id, "refund", method, -amount, at=when, user=seller.user
            )
    return {
        "ok": True,
        "order": number,
        "refunded": [{"method": m, "amount": str(a)} for m, a in money],
    }


def closed_order_status(conn: Connection, current: Mapping[str, Any]) -> ClosedOrder | None:
    """Central's order an open closed-money conflict ``current`` names now (its status and
    its till's later void of it; a till's fulfilment's: its status and open lines' units,
    services/conflict_closed_fulfil.py); None for any other conflict (or no such order)."""
    from serialpos.services.conflict_closed_fulfil import fulfil_status, is_closed_fulfil

    if is_closed_fulfil(current):
        found: ClosedOrder | None = fulfil_status(conn, current)
        return found
    if current.get("status") != "open" or not is_closed_money(current):
        return None
    number = str(_line(current).get("order"))
    status = closed_money_sql.order_status(conn, number)
    if status is None:
        return None
    return order_now(conn, current, number, status)


def order_now(
    conn: Connection, current: Mapping[str, Any], number: str, status: str
) -> ClosedOrder:
    """Central's order ``number`` (in ``status``) as closed-money conflict ``current``'s
    checks take it: its till's later void and fulfilment of it, and what it owes when
    fulfilled (services/conflict_closed_deposit.py)."""
    owes = None
    if status == OrderStatus.FULFILLED.value:
        from serialpos.services.conflict_closed_deposit import owes as owed

        owes = owed(conn, number)
    return ClosedOrder(
        status, voided_by(conn, current), owes=owes, fulfilled_by=later_fulfil(conn, current)
    )
