"""The SQL that books at central the money a till moved on an order central closed meanwhile
(issue 16): payment rows on a voided or fulfilled order, which no counter act may add
(``order_pay`` and a void refuse a closed order, ``order_closed``).

Written only by the ``refund`` resolution of such a conflict (services/conflict_closed_money.py),
and by the resolutions of a till's fulfilment of such an order (services/conflict_closed_fulfil.py),
in their transaction. The rows name no shift: the money moved in the till's drawer, never
in one of central's, and the till keeps them in its own shift when it takes central's rows
(db/closed_order_sql.py).
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_repo as orepo
from serialpos.db.tables import utcnow


def locked_order(conn: Connection, number: str) -> tuple[int, str] | None:
    """(id, status) of order ``number``, locked for the transaction (PostgreSQL: FOR
    UPDATE; SQLite's writers are serialised already); None when there is no such order."""
    o = orepo.order_t.c
    found = conn.execute(
        sa.select(o.id, o.status).where(o.number == number).with_for_update()
    ).first()
    return None if found is None else (int(found[0]), str(found[1]))


def order_status(conn: Connection, number: str) -> str | None:
    """Order ``number``'s status; None when there is no such order."""
    o = orepo.order_t.c
    found = conn.execute(sa.select(o.status).where(o.number == number)).scalar()
    return None if found is None else str(found)


def book(
    conn: Connection,
    order_id: int,
    kind: str,
    method: str,
    amount: Decimal,
    *,
    at: datetime,
    user: str,
    invoice: int | None = None,
) -> None:
    """One payment row (``amount`` negative for a refund) on order ``order_id``, in no shift
    and on ``invoice`` (none by default), and the order's ``updated_at`` moved on (a till's
    copy follows it)."""
    conn.execute(
        orepo.payment_t.insert().values(
            order_id=order_id,
            kind=kind,
            method=method,
            amount=amount,
            at=at,
            user_name=user[:32],
            invoice_id=invoice,
            shift_id=None,
        )
    )
    conn.execute(
        sa.update(orepo.order_t).where(orepo.order_t.c.id == order_id).values(updated_at=utcnow())
    )


def later_entry(conn: Connection, terminal: str, seq: int, number: str, op: str) -> int | None:
    """The conflict of a later entry (seq > ``seq``) of till ``terminal`` of ``op`` on order
    ``number``, if central holds one. Its void paid its deposit back out of its drawer
    already, so a ``refund`` of the deposit's conflict would pay it twice; its fulfilment
    took the balance after that deposit (services/conflict_closed_deposit.py)."""
    from serialpos.db.conflict_sql import conflict_t

    c = conflict_t.c
    pattern = '%"' + number.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + '"%'
    q = (
        sa.select(c.id, c.entry_line)
        .where(
            c.terminal == terminal,
            c.entry_seq > seq,
            c.entry_line.like(pattern, escape="\\"),
        )
        .order_by(c.entry_seq)
    )
    for found, text in conn.execute(q):
        try:
            line = json.loads(text)
        except ValueError:
            continue
        if isinstance(line, dict) and line.get("op") == op and str(line.get("order")) == number:
            return int(found)
    return None
