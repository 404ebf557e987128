"""What money a till's return moved, for a conflict of it (issue 16, walk of session
fourteen).

A till's return (``order_return``) of a sale central did not record is a conflict that
follows that sale's. The till paid its refund out of its drawer (or kept it as exchange
credit) on a refund note of its own; ``accept`` records neither at central, and the till
then keeps that refund in its shift, listed apart as not taken on its X and Z reports
(db/order_align_sql.py). ``conflicts show`` said nothing of that money, so the manager
choosing between ``record_sale`` and ``accept`` could not see what either did to the books.
Central works it out from the entry and its own rows of the order (once the sale it follows
is recorded): the lines the return names, their gross, the method, the refund note.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import line_money
from serialpos.db import order_repo as orepo
from serialpos.domain.serials import normalize_serial

#: The method a return's money takes when it is the return half of an exchange.
EXCHANGE = "exchange credit"


def of_return(conn: Connection, line: Mapping[str, Any]) -> dict[str, Any] | None:
    """``{"refund_note", "method", "amount"}`` of an ``order_return`` entry ``line`` (the
    amount a text of two decimals, None while central holds no such order or cannot tell
    which lines it names); None for any other entry."""
    if line.get("op") != "order_return":
        return None
    given = line.get("numbers")
    numbers: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
    method = EXCHANGE if line.get("exchange") is True else str(line.get("refund_method") or "cash")
    out: dict[str, Any] = {"refund_note": numbers.get("refund"), "method": method, "amount": None}
    wanted = {
        int(n)
        for key in ("line_numbers", "damaged_line_numbers")
        for n in (line.get(key) or [])
        if isinstance(n, int) and not isinstance(n, bool)
    }
    serials = {str(normalize_serial(s)) for s in (line.get("serials") or []) if isinstance(s, str)}
    o = orepo.order_t.c
    order_id = conn.execute(sa.select(o.id).where(o.number == line.get("order"))).scalar()
    if order_id is None or not (wanted or serials):
        return out
    rows = orepo.order_lines(conn, int(order_id))
    chosen = [
        r
        for r in rows
        if r._mapping["number"] in wanted
        or (r._mapping["serial"] and r._mapping["serial"] in serials)
    ]
    if len(chosen) != len(wanted) + len(serials):
        return out  # a unit named by a serial central cleared: the till's note says it
    total = sum((line_money.row_amounts(r).gross for r in chosen), Decimal(0))
    out["amount"] = f"{total:.2f}"
    return out
