"""Order lines in a store terminal's journal entries: named by their number on the order, never
by this terminal's line id (issue 16).

A host names an order's lines by id (``order_set_serial``'s ``line``, ``order_fulfil``'s
``lines``: the ``line`` of an earlier verdict). Those ids are rows of the terminal's own
database; central's rows of the same order have other ids, so the line sent as given names
another line there, or none (``unknown_line``), and what follows it is refused too. A line's
number on the order is the same at both ends: the order carries the terminal's number to
central, whose ``order_create`` makes its lines in the entry's order with the same numbering
(a package opened at the sale its components in SKU order at both ends, from the same
catalogue). So the line is journaled naming the lines by number (``line_number``,
``line_numbers``), read in the transaction that applied it, before it is sealed
(terminal/journaled.py ``write_entry``): the entry holds only what central resolves as the
terminal did.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_repo
from serialpos.db.engine import DatabaseError


def by_number(conn: Connection, data: Mapping[str, Any]) -> Mapping[str, Any]:
    """``data`` as journaled: an ``order_set_serial`` naming its line by id gives its number
    (``line_number``) instead; an ``order_fulfil`` naming lines by id gives their numbers
    (``line_numbers``), in the same order. Any other line is returned as it is. The line was
    applied here in ``conn``'s transaction, so every id it names is a line of the order."""
    op = data.get("op")
    if op == "order_set_serial" and data.get("line") is not None:
        [number] = _numbers(conn, data["order"], [data["line"]])
        body = {k: v for k, v in data.items() if k != "line"}
        return {**body, "line_number": number}
    if op == "order_fulfil" and data.get("lines") is not None:
        numbers = _numbers(conn, data["order"], data["lines"])
        body = {k: v for k, v in data.items() if k != "lines"}
        return {**body, "line_numbers": numbers}
    return data


def _numbers(conn: Connection, order: str, ids: Sequence[int]) -> list[int]:
    """The numbers on ``order`` of the lines with these ids, in their order."""
    line_c, order_c = order_repo.line_t.c, order_repo.order_t.c
    found: dict[int, int] = {
        int(line_id): int(number)
        for line_id, number in conn.execute(
            sa.select(line_c.id, line_c.number)
            .join(order_repo.order_t, order_c.id == line_c.order_id)
            .where(order_c.number == order, line_c.id.in_(sorted(set(ids))))
        )
    }
    missing = [str(i) for i in ids if i not in found]
    if missing:
        # The line was just applied to this order here: a damaged database, never a host's.
        raise DatabaseError(
            f"order {order} has no line {', '.join(missing)} after applying a line naming "
            "it: run `serialpos db check`"
        )
    return [found[i] for i in ids]
