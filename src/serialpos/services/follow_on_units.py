"""The unit a follow-on act's conflict names, when central never held its document (issue 16).

A till's return of a sale central did not record (the sale was itself a conflict) names the
order central never held and its lines by number (``line_numbers``): central found no unit
on them, so the return's conflict named none (``sku`` and ``serial`` listed ``-``), though
the conflict it follows holds the sale as the till sent it. A line's number on the order is
its place in the sale's ``lines`` (the till numbers them so: terminal/line_numbers.py),
unless a package put its parts among them (then nothing is guessed). A serial named with no
product is its unit's at central, when one product holds that serial.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import Connection

from serialpos.db import conflict_sql, sale_products


def units_on_followed_lines(
    conn: Connection, data: Mapping[str, Any], follows: int | None
) -> list[tuple[str, str]]:
    """(sku, serial) of the lines ``data`` names by number on the sale of conflict
    ``follows`` (its entry's ``lines``), each line with a serial; none when a line of that
    sale is a package (its parts are numbered among the lines) or the sale is not there."""
    numbers = [
        n
        for key in ("line_numbers", "damaged_line_numbers")
        if isinstance(data.get(key), list)
        for n in data[key]
        if isinstance(n, int) and not isinstance(n, bool)
    ]
    if follows is None or not numbers:
        return []
    rows = conflict_sql.conflicts(conn, conflict_id=follows)
    try:
        made = json.loads(rows[0]["entry_line"]) if rows else {}
    except ValueError:
        return []
    lines = made.get("lines") if isinstance(made, dict) else None
    if not isinstance(lines, list) or not all(isinstance(x, dict) for x in lines):
        return []
    for line in lines:
        sku = line.get("sku")
        product = sale_products.sale_product_by_sku(conn, sku) if isinstance(sku, str) else None
        if product is None or product.package_type is not None:
            return []
    return [
        (str(lines[n - 1]["sku"]), str(lines[n - 1]["serial"]))
        for n in numbers
        if 0 < n <= len(lines) and isinstance(lines[n - 1].get("serial"), str)
    ]


def sku_of_serial(conn: Connection, serial: str) -> str | None:
    """The product of the units with ``serial`` at central, when exactly one holds it."""
    skus = {sku for _s, sku, _at, _state, _ev in conflict_sql.unit_states(conn, [serial])}
    return skus.pop() if len(skus) == 1 else None
