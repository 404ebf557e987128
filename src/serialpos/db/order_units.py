"""The units an order's lines hold, and the orders holding a unit: an ``apply`` line that
names an order by number (``order_fulfil``, ``order_return``, ``order_void``,
``order_set_serial``) touches the order's units though it names no serial (issue 16:
services/entry_units.py at central, terminal/central_state.py on a store terminal; the same
tables at both ends)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.order_repo import line_t, order_t

_line_c, _order_c, _product_c = line_t.c, order_t.c, repo.product_t.c

_UNITS_OF = (
    sa.select(_order_c.number, _product_c.sku, _line_c.serial)
    .join(line_t, _line_c.order_id == _order_c.id)
    .join(repo.product_t, _product_c.id == _line_c.product_id)
    .where(
        _line_c.serial.is_not(None), _order_c.number.in_(sa.bindparam("numbers", expanding=True))
    )
    .order_by(_order_c.number, _line_c.number)
)

_ORDERS_OF = (
    sa.select(_order_c.number)
    .join(line_t, _line_c.order_id == _order_c.id)
    .where(_line_c.serial == sa.bindparam("serial"))
    .distinct()
)


def units_of(conn: Connection, numbers: list[str]) -> dict[str, list[tuple[str, str]]]:
    """Order number -> (sku, serial) of each unit its lines hold or held (removed lines
    too: a line's unit may have been released by the entry in question), in line order."""
    found: dict[str, list[tuple[str, str]]] = {}
    if not numbers:
        return found
    for number, sku, serial in conn.execute(_UNITS_OF, {"numbers": sorted(set(numbers))}):
        found.setdefault(str(number), []).append((str(sku), str(serial)))
    return found


def orders_of(conn: Connection, serial: str) -> list[str]:
    """The numbers of the orders whose lines hold or held ``serial``."""
    return [str(n) for n in conn.execute(_ORDERS_OF, {"serial": serial}).scalars()]


def units_on_lines(conn: Connection, number: str, lines: list[int]) -> list[tuple[str, str]]:
    """(sku, serial) of the units order ``number``'s lines numbered ``lines`` hold or held:
    a return by line numbers names no serial, and its conflict names the unit by them."""
    if not lines:
        return []
    query = _UNITS_OF.where(_line_c.number.in_(lines))
    return [
        (str(sku), str(serial)) for _n, sku, serial in conn.execute(query, {"numbers": [number]})
    ]
