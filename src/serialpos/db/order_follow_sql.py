"""A till's own order voided at central, followed on the till (issue 16).

A till's order central knows (its entries pushed) may be voided at central or by another
till's entry while it is open or parked here: central puts its units back and refunds what
was paid. The pull applied the unit's release, but the order itself stayed open and paid on
the till for good (central refuses every later act on it, ``order_closed``); only copies of
other tills' orders were brought forward (db/order_refresh_sql.py).

Now an order of the till's own that is open or parked here and voided in central's rows
(services/snapshot.py ``part=orders``, asked for when the pull names it) is voided here too:
its status set, and each payment central has that the till lacks (the void's refunds, per
method) added without a shift, as for a copy: the money moved in central's drawer, not this
till's. Payments are matched by kind, method and amount, so a deposit the till took and
pushed is not counted twice. Lines stay as they are: a void leaves them open at central
too, and the units they held were released by the pulled events (db/journal.py
``put_unit`` lets go of the line). Sync pulls only when nothing is waiting to be pushed, so
no act of the till on the order is overtaken.

A payment central takes on such an order (a part payment of a layby made at the head
office, a host's ``order_pay``) moves no unit, so no event of the feed names the order: the
till showed the layby owing what it owed before, and when the customer came to collect, the
cashier took the whole balance again; central booked the difference as change the till
never gave (the customer paid 300 twice, and no book said so). So a round that pulls
asks central for the till's own orders open or parked here that hold a payment (few:
laybys and special orders with a deposit; every one-off sync, at most once a minute in
background rounds: terminal/own_orders.py) and takes each payment central has that it
lacks, in the same way (:func:`follow_payments`).

An order of the till's own that central **fulfilled** (the customer collected the layby at
the head office, a host's ``order_fulfil``) stayed open here too: the pull sold its unit,
but the order read open and owing the balance central took, so a cashier could take it
again, or void it and pay the deposit back out of the drawer, and the two ends' money
differed with nothing saying so. Now it takes central's rows (:func:`follow_fulfilled`):
its status, lines and invoices (db/order_align_sql.py), and each payment central has that
the till lacks, without a shift (central's drawer); the till's own rows stay, shift and
all, each matched to central's by kind, method and amount taking its invoice. A row of the
till's central has no match for stays too: money its drawer took that central recorded
nothing of (a deposit central's conflict names, for a manager to settle).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_align_sql
from serialpos.db import order_repo as orepo
from serialpos.db.snapshot_sql import _from_json
from serialpos.domain.orders import OrderStatus, SaleType

#: States of an order of the till's own that a void at central may still close here.
_OPEN = (OrderStatus.OPEN.value, OrderStatus.PARKED.value)


def own_open(conn: Connection, numbers: list[str], mark: str) -> set[str]:
    """Which of ``numbers`` are orders of this till's own (not copies: their ``terminal``
    does not start with ``mark``) still open or parked here."""
    if not numbers:
        return set()
    o = orepo.order_t.c
    query = sa.select(o.number).where(
        o.number.in_(numbers), o.status.in_(_OPEN), sa.not_(o.terminal.startswith(mark))
    )
    return {str(n) for n in conn.execute(query).scalars()}


#: Kinds of order a customer pays in parts, wherever: a till asks for its own open ones
#: even with nothing paid here (a layby laid by without a deposit, paid at the head office).
_PAID_IN_PARTS = (SaleType.LAYBY.value, SaleType.SPECIAL_ORDER.value)


def own_open_paid(conn: Connection, mark: str) -> list[str]:
    """This till's own orders (not copies) open or parked here that hold a payment (a
    layby's or a special order's deposits), and its own open laybys and special orders
    holding none: central may have taken (more of) their balance (module doc). Asked for
    those holding a payment only, a layby laid by here with nothing paid never heard of a
    part payment at the head office, and the till asked the whole price at collection."""
    o, pay = orepo.order_t.c, orepo.payment_t.c
    query = (
        sa.select(o.number)
        .where(
            o.status.in_(_OPEN),
            sa.not_(o.terminal.startswith(mark)),
            sa.or_(sa.exists().where(pay.order_id == o.id), o.type.in_(_PAID_IN_PARTS)),
        )
        .order_by(o.number)
    )
    return [str(n) for n in conn.execute(query).scalars()]


def follow_voids(conn: Connection, copy: dict[str, Any], mark: str) -> int:
    """Void here each order of the till's own, open or parked here, that central's rows
    ``copy`` show voided, taking central's refunds; the number of orders voided."""
    o = orepo.order_t.c
    voided = {
        str(order["number"]): int(order["id"])
        for order in copy.get("orders", [])
        if order.get("status") == OrderStatus.VOIDED.value
    }
    here = own_open(conn, sorted(voided), mark)
    for number in sorted(here):
        order_id = conn.execute(sa.select(o.id).where(o.number == number)).scalar_one()
        _take_payments(conn, copy, voided[number], order_id)
        conn.execute(
            sa.update(orepo.order_t).where(o.id == order_id).values(status=OrderStatus.VOIDED.value)
        )
    return len(here)


def follow_payments(conn: Connection, copy: dict[str, Any], mark: str) -> int:
    """Take each payment central's rows ``copy`` hold on an order of the till's own that is
    open or parked at both ends and that the till lacks (a part payment taken at central on
    its layby); the number of payments taken."""
    o = orepo.order_t.c
    still_open = {
        str(order["number"]): int(order["id"])
        for order in copy.get("orders", [])
        if order.get("status") in _OPEN
    }
    taken = 0
    for number in sorted(own_open(conn, sorted(still_open), mark)):
        order_id = conn.execute(sa.select(o.id).where(o.number == number)).scalar_one()
        taken += _take_payments(conn, copy, still_open[number], order_id)
    return taken


def follow_fulfilled(conn: Connection, copy: dict[str, Any], mark: str) -> int:
    """Bring to central's rows ``copy`` each order of the till's own, open or parked here,
    that central fulfilled (module doc); the number of orders taken."""
    fulfilled = sorted(
        str(order["number"])
        for order in copy.get("orders", [])
        if order.get("status") == OrderStatus.FULFILLED.value
    )
    here = own_open(conn, fulfilled, mark)
    for number in sorted(here):
        order_align_sql.align_order(conn, copy, number, payments=_keep_and_take)
    return len(here)


def _keep_and_take(
    conn: Connection,
    copy: dict[str, Any],
    central_id: int,
    local_id: int,
    invoices: dict[int, int],
) -> None:
    """Each local payment of the order matched to one of central's by kind, method and
    amount takes its invoice (its shift stays); central's rows left over are added without a
    shift; local rows central has no match for stay as they are (module doc)."""
    pay = orepo.payment_t
    here: dict[tuple[Any, ...], list[int]] = {}
    for row_id, kind, method, amount in conn.execute(
        sa.select(pay.c.id, pay.c.kind, pay.c.method, pay.c.amount)
        .where(pay.c.order_id == local_id)
        .order_by(pay.c.id)
    ):
        here.setdefault(orepo.payment_key(kind, method, amount), []).append(int(row_id))
    for payment in copy.get("order_payments", []):
        if int(payment["order_id"]) != central_id:
            continue
        invoice = order_align_sql._mapped(invoices, payment.get("invoice_id"))
        key = orepo.payment_key(payment["kind"], payment["method"], payment["amount"])
        if here.get(key):
            row = here[key].pop(0)
            conn.execute(pay.update().where(pay.c.id == row).values(invoice_id=invoice))
            continue
        cols = pay.c
        values = {k: _from_json(cols[k], v) for k, v in payment.items() if k in cols and k != "id"}
        conn.execute(
            pay.insert().values(
                values | {"order_id": local_id, "shift_id": None, "invoice_id": invoice}
            )
        )


def _take_payments(conn: Connection, copy: dict[str, Any], central_id: int, order_id: int) -> int:
    """Add to local order ``order_id`` each payment of central's order ``central_id`` the
    till lacks, matched by kind, method and amount, without a shift (central's drawer) or an
    invoice; how many were added."""
    pay = orepo.payment_t
    have = Counter(
        orepo.payment_key(*row)
        for row in conn.execute(
            sa.select(pay.c.kind, pay.c.method, pay.c.amount).where(pay.c.order_id == order_id)
        )
    )
    added = 0
    for payment in copy.get("order_payments", []):
        if int(payment["order_id"]) != central_id:
            continue
        key = orepo.payment_key(payment["kind"], payment["method"], payment["amount"])
        if have[key] > 0:
            have[key] -= 1
            continue
        cols = pay.c
        values = {k: _from_json(cols[k], v) for k, v in payment.items() if k in cols and k != "id"}
        conn.execute(
            pay.insert().values(
                values | {"order_id": order_id, "shift_id": None, "invoice_id": None}
            )
        )
        added += 1
    return added
