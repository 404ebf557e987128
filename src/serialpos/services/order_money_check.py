"""``db check`` rule ``order_overpaid``: an order that holds money beyond its total with
nothing left open to spend it on.

A deposit over the lines handed over is legitimate while lines are still open (a lay-by is
collected in parts), and on an order handed nothing yet (being rung up). Once none is open,
nothing will take that money: a final fulfilment hands the surplus back as change and a void
refunds it (services/order_void.py), so money left on such an order is in no book. The walk
found one: a lay-by whose open line was removed (``order_amend``) and whose fulfilled line
was returned, open with total 0.00 and paid 921.20.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import journal
from serialpos.db import order_repo as orepo
from serialpos.domain.orders import LineStatus, OrderStatus
from serialpos.services.orders.work import _row_total


def overpaid_orders(
    conn: Connection, stores: dict[int, str], finding: Callable[..., Any]
) -> list[Any]:
    """Orders not voided, with something handed over, no open line and paid more than their
    total (findings made by ``finding(rule, store, sku, detail)``, violations). Not judged
    on a store terminal: its copy of another till's sale learns a return made elsewhere
    (the line ``returned``) but not the refund paid there, which is that till's and
    central's (services/returns.py), so every such copy would read overpaid."""
    if journal.get_state(conn, "central_terminal") is not None:
        return []
    o, pay, ln = orepo.order_t.c, orepo.payment_t.c, orepo.line_t.c
    open_lines = sa.select(ln.id).where(ln.order_id == o.id, ln.status == LineStatus.OPEN)
    # Something handed over: an order still being rung up (no line yet, an exchange sale
    # carrying its credit before its lines) may hold money it will be spent on.
    handed = sa.select(ln.id).where(
        ln.order_id == o.id, ln.status.in_([LineStatus.FULFILLED, LineStatus.RETURNED])
    )
    q = (
        sa.select(o.id, o.number, o.store_id, o.status, sa.func.sum(pay.amount))
        .join(orepo.payment_t, pay.order_id == o.id)
        .where(o.status != OrderStatus.VOIDED, ~sa.exists(open_lines), sa.exists(handed))
        .group_by(o.id, o.number, o.store_id, o.status)
        .having(sa.func.sum(pay.amount) > 0)
        .order_by(o.number)
    )
    out: list[Any] = []
    for order_id, number, sid, status, paid in conn.execute(q).all():
        kept = [
            r
            for r in orepo.order_lines(conn, order_id)
            if r._mapping["status"] == LineStatus.FULFILLED
        ]
        total = sum((_row_total(r) for r in kept), orepo.money(0))
        over = orepo.money(paid) - total
        if over > 0:
            fix = (
                "void it to refund that (the fulfilled lines are kept)"
                if status != OrderStatus.FULFILLED
                else "refund it to the customer (at central: apply order_refund)"
            )
            out.append(
                finding(
                    "order_overpaid",
                    stores.get(sid, "?"),
                    "",
                    f"order {number} holds {over:.2f} paid beyond its total {total:.2f} "
                    f"with no open line: {fix}",
                )
            )
    return out
