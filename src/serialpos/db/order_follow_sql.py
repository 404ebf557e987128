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
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_repo as orepo
from serialpos.db.snapshot_sql import _from_json
from serialpos.domain.orders import OrderStatus

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


def follow_voids(conn: Connection, copy: dict[str, Any], mark: str) -> int:
    """Void here each order of the till's own, open or parked here, that central's rows
    ``copy`` show voided, taking central's refunds; the number of orders voided."""
    o, pay = orepo.order_t.c, orepo.payment_t
    voided = {
        str(order["number"]): int(order["id"])
        for order in copy.get("orders", [])
        if order.get("status") == OrderStatus.VOIDED.value
    }
    here = own_open(conn, sorted(voided), mark)
    for number in sorted(here):
        order_id = conn.execute(sa.select(o.id).where(o.number == number)).scalar_one()
        have = Counter(
            orepo.payment_key(*row)
            for row in conn.execute(
                sa.select(pay.c.kind, pay.c.method, pay.c.amount).where(pay.c.order_id == order_id)
            )
        )
        for payment in copy.get("order_payments", []):
            if int(payment["order_id"]) != voided[number]:
                continue
            key = orepo.payment_key(payment["kind"], payment["method"], payment["amount"])
            if have[key] > 0:
                have[key] -= 1
                continue
            cols = pay.c
            values = {
                k: _from_json(cols[k], v) for k, v in payment.items() if k in cols and k != "id"
            }
            conn.execute(
                pay.insert().values(
                    values | {"order_id": order_id, "shift_id": None, "invoice_id": None}
                )
            )
        conn.execute(
            sa.update(orepo.order_t).where(o.id == order_id).values(status=OrderStatus.VOIDED.value)
        )
    return len(here)
