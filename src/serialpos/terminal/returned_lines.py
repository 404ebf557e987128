"""A return made at central of a sale this till holds: the till's copy of the order learns it.

An order has one number at both ends (services/document_numbers.py), and a return's ledger
event names the order's number and the line's number as its document (``order`` / number /
line, services/orders/work.py). When a pulled event of this store is such a return and this
till holds that order, its line is marked returned here too, so the till's serial card, order
view and lookups say "returned" as central does (a manager's ``conflicts resolve --by
return`` of a sale this till made, or any return at central's counter).

Only the line's state is copied: the unit or quantity moves by the event itself
(terminal/mirror.py), so nothing moves twice, and nothing is journaled (it is central's
change, not this till's). Central's refund note and refund payment are not copied: the
feed does not carry them, and a refund note numbered here would be a second document (see
docs/offline.md). A line already returned here (this till's own return, come back through
the feed) is left as it is.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_repo as orepo
from serialpos.domain.orders import LineStatus
from serialpos.services.orders.views import DOCUMENT_TYPE

#: Ledger actions of a unit or quantity taken back on its order line.
RETURNS = frozenset({"return", "return_damaged"})


def mark_returned(conn: Connection, event: dict[str, Any]) -> bool:
    """Mark the line of this till's order that central's return ``event`` names as
    returned; whether a line changed (False: not a return on an order, an order or line
    this till does not hold, or a line not fulfilled here)."""
    document = event.get("document") or {}
    if event.get("action") not in RETURNS or document.get("type") != DOCUMENT_TYPE:
        return False
    number, line = document.get("id"), str(document.get("line") or "")
    if not isinstance(number, str) or not line.isdigit():
        return False
    o, ln = orepo.order_t.c, orepo.line_t.c
    held = sa.select(o.id).where(o.number == number).scalar_subquery()
    done = conn.execute(
        sa.update(orepo.line_t)
        .where(
            ln.order_id == held,
            ln.number == int(line),
            ln.status == LineStatus.FULFILLED.value,
        )
        .values(status=LineStatus.RETURNED.value)
    )
    return bool(done.rowcount)
