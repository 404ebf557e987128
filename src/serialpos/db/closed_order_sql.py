"""The SQL that brings a till's order to central's once a manager booked there the money the
till moved on it after central closed it (issue 16).

A deposit the till took on a layby central voided meanwhile, or its void of a layby central
fulfilled meanwhile, is settled at central by ``refund`` (services/conflict_closed_money.py):
payment rows on central's order. The till then takes central's rows of the order
(db/order_align_sql.py: the order's status, its lines, invoices and invoice lines), but its
payments are matched **by kind, method and amount**, not one for one in the order made: the
till's rows are in the order its drawer moved them (the deposit, then central's void refund
taken by the pull), central's in the order central booked them, and a row taken by position
would carry another row's shift. So each central row takes a local row of the same kind,
method and amount (that row keeps its shift: the money moved in this till's drawer); a
central row with none is added without a shift (central's drawer), except the refund of the
deposit the till took (``refund_here``), which is paid out of this till's drawer: in its open
shift, as a sale's ``refund`` (db/refund_sql.py); a local row central has no match for goes
when it moved in no shift of the till's (a copy of central's), but a refund the till paid on
a refund note of its own stays (as order_align_sql keeps it), and so does any row that moved
in a shift of its own: money its drawer moved that central recorded nothing of, such as a
second deposit taken offline on the same voided layby whose conflict is still open (it was
deleted when the first was refunded, and the X report's expected cash fell by it).

Unless the till paid that refund already: its void of the order, made offline after its
deposit's push and before it heard of central's void, paid back everything its copy held
in one row (500: the deposit of 300 and the 200 central refunded too), and central's
refund of the deposit (300) then reached it. Taking central's 300 into the shift again and
dropping the 500 (no central row matches it) left the drawer's expected cash 200 above what
it held, and the 200 the customer was paid twice in no book. So central's refund of the
deposit is taken out of such a payout of the same method (its part, in its shift) and the
rest stays the till's own row: the drawer reads what it paid, and the till's order holds
the 200 paid twice (``db check``: ``voided_order_holds_money``) beside the void's conflict
at central, which asks a manager to settle it with the customer.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_align_sql
from serialpos.db import order_repo as orepo
from serialpos.db.snapshot_sql import _from_json

#: (kind, method, amount): how a payment row is matched.
Key = tuple[str, str, Decimal]


def refund_key(item: object) -> Key | None:
    """The key of the refund of one tender of a till's ``order_pay`` line (``{method,
    amount}``); None for an item that names none."""
    if not isinstance(item, dict) or not isinstance(item.get("method"), str):
        return None
    try:
        return orepo.payment_key("refund", item["method"], -abs(Decimal(str(item.get("amount")))))
    except ArithmeticError:
        return None


def take_closed(
    conn: Connection,
    copy: dict[str, Any],
    number: str,
    *,
    refund_here: list[Key],
    shift_id: int | None,
) -> bool:
    """Bring order ``number`` to central's rows in ``copy`` (module doc): the central rows
    of ``refund_here`` not matched locally go in shift ``shift_id``; False when either side
    holds no such order."""
    match = partial(_match_payments, refund_here=refund_here, shift_id=shift_id)
    return order_align_sql.align_order(conn, copy, number, payments=match)


def _match_payments(
    conn: Connection,
    copy: dict[str, Any],
    central_id: int,
    local_id: int,
    invoices: dict[int, int],
    *,
    refund_here: list[Key],
    shift_id: int | None,
) -> None:
    pc, i = orepo.payment_t.c, orepo.invoice_t.c
    # A refund on a refund note of the till's own central does not hold stays, shift and all.
    own_refunds = (
        sa.select(i.id)
        .where(i.order_id == local_id, i.kind == "Refund", i.id.not_in(list(invoices.values())))
        .scalar_subquery()
    )
    here: dict[Key, list[int]] = {}
    amounts: dict[int, tuple[Decimal, int | None]] = {}  # a local row's amount and shift
    for row_id, kind, method, amount, shift in conn.execute(
        sa.select(pc.id, pc.kind, pc.method, pc.amount, pc.shift_id)
        .where(
            pc.order_id == local_id,
            sa.not_(sa.and_(pc.kind == "refund", pc.invoice_id.in_(own_refunds))),
        )
        .order_by(pc.id)
    ):
        key = orepo.payment_key(kind, method, amount)
        here.setdefault(key, []).append(int(row_id))
        amounts[int(row_id)] = (key[2], shift)
    ours = Counter(refund_here)
    cols = orepo.payment_t.c
    unmatched: list[tuple[Key, dict[str, Any]]] = []
    for payment in copy.get("order_payments", []):
        if int(payment["order_id"]) != central_id:
            continue
        values = {
            k: _from_json(cols[k], v)
            for k, v in payment.items()
            if k in cols and k not in ("id", "order_id", "shift_id")
        } | {"invoice_id": order_align_sql._mapped(invoices, payment.get("invoice_id"))}
        key = orepo.payment_key(payment["kind"], payment["method"], payment["amount"])
        if here.get(key):
            row = here[key].pop(0)
            conn.execute(orepo.payment_t.update().where(pc.id == row).values(values))
            continue
        unmatched.append((key, values))
    for key, values in unmatched:
        shift = None
        if ours[key] > 0:
            ours[key] -= 1
            paid = _paid_already(here, amounts, key)
            if paid is not None:
                # The till's own refund paid this already (its void of the order, made
                # before it took central's refund of its deposit): the refund is that
                # payout's part, in its shift; the rest stays the till's (module doc).
                row, rest = paid
                conn.execute(orepo.payment_t.update().where(pc.id == row).values(amount=rest))
                shift = amounts[row][1]
            else:
                shift = shift_id
        conn.execute(
            orepo.payment_t.insert().values({**values, "order_id": local_id, "shift_id": shift})
        )
    # A row of the till's own central has no match for, moved in one of its shifts, is money
    # its drawer moved that central recorded nothing of (another deposit's conflict, open
    # or accepted): it stays (module doc). A row in no shift was central's, and goes.
    left = [row for rows in here.values() for row in rows if amounts[row][1] is None]
    if left:
        conn.execute(orepo.payment_t.delete().where(pc.id.in_(left)))


def _paid_already(
    here: dict[Key, list[int]], amounts: dict[int, tuple[Decimal, int | None]], key: Key
) -> tuple[int, Decimal] | None:
    """A local refund row central matched nothing to, of ``key``'s method, paying out more
    than ``key``'s refund: (its id, what it paid beyond it); None when there is none."""
    kind, method, amount = key
    for (k, m, _a), rows in here.items():
        if (k, m) != (kind, method):
            continue
        for row in rows:
            local = amounts[row][0]
            if local < amount:  # refunds are negative: it paid out more
                rows.remove(row)
                return row, local - amount
    return None
