"""The writes and small reads of a counter sale's steps (open the order, add a line, record
its serial), as Prepared driver SQL: each step runs a handful of these, and SQLAlchemy's
per-call set-up of a Core statement costs more than running it. The services decide and own
the transaction; this module only says how each statement reads and writes. Paying,
invoicing and fulfilling are in db/sale_invoice_sql.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import document_sql, order_settings, repo, sale_products
from serialpos.db import order_repo as orepo
from serialpos.db.lease_tables import lease_t
from serialpos.db.prepared import Prepared, PreparedRow
from serialpos.domain.orders import LineStatus

order_c, line_c, payment_c = orepo.order_t.c, orepo.line_t.c, orepo.payment_t.c

#: The customer columns of a new order (None where the order has no customer).
NO_CUSTOMER: dict[str, object] = dict.fromkeys(
    ("customer_name", "customer_phone", "customer_address", "customer_id")
)
#: A new order, returned as orepo.order_row reads it: its columns and its store's code.
_INSERT_ORDER = Prepared(
    sa.insert(orepo.order_t).returning(
        *orepo.order_t.c, sa.bindparam("store_code", type_=sa.String()).label("store_code")
    ),
    [
        "number",
        "store_id",
        "type",
        "delivery",
        "status",
        "created_by",
        "terminal",
        "created_at",
        "updated_at",
        *NO_CUSTOMER,
    ],
)


def _order_with_settings(dialect: str) -> Prepared:
    """:data:`_INSERT_ORDER` bringing back its store's settings too
    (order_settings.with_settings)."""
    made = _INSERT_ORDER.statement
    assert isinstance(made, sa.Insert)
    store = sa.bindparam("settings_store", type_=sa.Integer())
    return Prepared(
        made.returning(*order_settings.with_settings(store, dialect)), _INSERT_ORDER.column_keys
    )


_INSERT_ORDER_WITH_SETTINGS = {d: _order_with_settings(d) for d in ("sqlite", "postgresql")}


def insert_order(conn: Connection, values: Mapping[str, object]) -> sa.Row[Any]:
    """Insert an order (``values``: its columns and ``store_code``); the row as
    orepo.order_row would read it back. The store's settings come back with it and are kept
    for the transaction (the step's shift check, tax and serial prompt read them next)."""
    params = {**NO_CUSTOMER, **values, "settings_store": values["store_id"]}
    found = _INSERT_ORDER_WITH_SETTINGS[conn.dialect.name].rows(conn, params)[0]
    return order_settings.keep_settings_of(conn, found)


def _numbered_order() -> Prepared:
    """PostgreSQL: :data:`_INSERT_ORDER` with its number taken from the store's order
    counter in the same statement (document_sql.numbered): one round trip, not two."""
    made = _INSERT_ORDER.statement
    assert isinstance(made, sa.Insert)
    numbered = document_sql.numbered("numbered")
    keys = [k for k in _INSERT_ORDER.column_keys or () if k != "number"]
    number = document_sql.number_text(
        sa.bindparam("number_prefix", type_=sa.String()), numbered.c.value
    )
    picked = sa.select(number, *(sa.bindparam(k, type_=order_c[k].type) for k in keys))
    settings = order_settings.with_settings(sa.bindparam("store_id", type_=sa.Integer()))
    return Prepared(made.from_select(["number", *keys], picked).returning(*settings))


_INSERT_NUMBERED_ORDER = _numbered_order()


def insert_numbered_order(
    conn: Connection, values: Mapping[str, object], number_prefix: str
) -> sa.Row[Any]:
    """PostgreSQL: :func:`insert_order` numbered by the store's order counter: the number is
    ``number_prefix`` then the counter's next value, zero-padded to six digits at least.
    The store's settings come back with the row and are kept for the transaction (the
    step's shift check, tax and serial prompt read them next)."""
    params = {
        **NO_CUSTOMER,
        **values,
        "number_prefix": number_prefix,
        "counter_store": values["store_id"],
        "counter_kind": "order",
    }
    return order_settings.keep_settings_of(conn, _INSERT_NUMBERED_ORDER.rows(conn, params)[0])


#: How many lines the order has and its highest line number.
_LINE_COUNT = Prepared(
    sa.select(sa.func.count(), sa.func.coalesce(sa.func.max(line_c.number), 0)).where(
        line_c.order_id == sa.bindparam("order_id")
    )
)


def line_count(conn: Connection, order_id: int) -> tuple[int, int]:
    """(lines on the order, its highest line number)."""
    count, last = _LINE_COUNT.rows(conn, {"order_id": order_id})[0]
    return int(count), int(last)


_LINE_KEYS = [
    "order_id",
    "number",
    "product_id",
    "sku",
    "name",
    "quantity",
    "unit_price",
    "tax_rate",
    "tax_included",
    "serial",
    "status",
    "package_line",
]
#: A new line, returned as orepo.order_lines reads it (with its product's serial mode and
#: package type), so a step on an order it opened answers without reading its lines back.
_INSERT_LINE = Prepared(
    sa.insert(orepo.line_t).returning(
        *orepo.line_t.c,
        sa.bindparam("serial_mode", type_=sa.String()).label("serial_mode"),
        sa.bindparam("package_type", type_=sa.String()).label("package_type"),
    ),
    _LINE_KEYS,
)


#: The keys of the row :data:`_INSERT_LINE` returns.
INSERT_LINE_KEYS = [*(c.key for c in orepo.line_t.c), "serial_mode", "package_type"]


def insert_line(conn: Connection, values: Mapping[str, object]) -> sa.Row[Any]:
    """Insert an order line (``values``: its columns, ``serial_mode`` and ``package_type``)."""
    row: sa.Row[Any] = _INSERT_LINE.rows(conn, values)[0]
    return row


def _scanned_line() -> Prepared:
    """PostgreSQL: the product with SKU ``sku`` (orepo.SALE_PRODUCT_SELECT's columns,
    first), the line it makes inserted holding ``serial`` when it is sold one line per unit
    (serial-tracked, not a package opened at the sale) at its own price, and the unit of
    that product with ``serial`` with its lease (repo's unit columns), in one statement: a
    scan's product read, line insert and (with a serial) unit read are one round trip, not
    three. The line's columns follow as :func:`insert_line` returns them (None where no
    line was inserted)."""
    by_sku = orepo.SALE_PRODUCT_SELECT.where(sale_products.product_c.sku == sa.bindparam("sku"))
    product = by_sku.cte("scanned")
    p = product.c
    values = {
        "order_id": sa.bindparam("order_id", type_=sa.Integer()),
        "number": sa.bindparam("number", type_=sa.Integer()),
        "product_id": p.id,
        "sku": p.sku,
        "name": p.name,
        "quantity": sa.literal(1, sa.Integer()),
        "unit_price": sa.func.coalesce(p.price, 0),
        "tax_rate": sa.func.coalesce(p.tax_rate, 0),
        "tax_included": sa.func.coalesce(
            p.prices_include_tax, sa.bindparam("chain_tax_included", type_=sa.Boolean())
        ),
        "serial": sa.bindparam("serial", type_=sa.String()),
        "status": sa.literal(LineStatus.OPEN.value, sa.String()),
        "package_line": sa.null(),
    }
    made = (
        sa.insert(orepo.line_t)
        .from_select(
            _LINE_KEYS,
            sa.select(*(values[k] for k in _LINE_KEYS)).where(
                p.serial_mode != "disabled", p.package_type.is_distinct_from("exploded")
            ),
        )
        .returning(*orepo.line_t.c)
        .cte("line_made")
    )
    unit, lease = repo.unit_t, lease_t
    return Prepared(
        sa.select(
            *p,
            *made.c,
            p.serial_mode.label("serial_mode"),
            p.package_type.label("package_type"),
            *repo.UNIT_COLUMNS,
        ).select_from(
            product.outerjoin(made, sa.true())
            .outerjoin(
                unit,
                sa.and_(unit.c.product_id == p.id, unit.c.serial == sa.bindparam("serial")),
            )
            .outerjoin(lease, lease.c.unit_id == unit.c.id)
        )
    )


_SCANNED_LINE = _scanned_line()
_PRODUCT_WIDTH = len(orepo.SALE_PRODUCT_SELECT.selected_columns)
_LINE_WIDTH = len(orepo.line_t.c) + 2


def insert_scanned_line(
    conn: Connection, values: Mapping[str, object]
) -> tuple[orepo.SaleProduct, sa.Row[Any] | None, repo.UnitRow | None] | None:
    """PostgreSQL: see :func:`_scanned_line` (``values``: ``sku``, ``order_id``, ``number``,
    ``chain_tax_included``, ``serial`` or None). None: no product has that SKU; else the
    product, the line inserted (None: the product is not sold one line per unit, nothing was
    written) and the unit with that serial (None: none)."""
    found = _SCANNED_LINE.first(conn, values)
    if found is None:
        return None
    row = tuple(found)
    product = sale_products.sale_product_of(tuple(row[:_PRODUCT_WIDTH]))
    line = row[_PRODUCT_WIDTH : _PRODUCT_WIDTH + _LINE_WIDTH]
    made: sa.Row[Any] | None = None
    if line[0] is not None:
        keys = INSERT_LINE_KEYS
        made = cast(Any, PreparedRow(keys, line))
    unit = row[_PRODUCT_WIDTH + _LINE_WIDTH :]
    return product, made, None if unit[0] is None else repo.unit_row(*unit)


#: The line of this order that already has this serial.
_SERIAL_TWICE = Prepared(
    sa.select(line_c.number).where(
        line_c.order_id == sa.bindparam("order_id"),
        line_c.product_id == sa.bindparam("product_id"),
        line_c.serial == sa.bindparam("serial"),
        line_c.status != LineStatus.REMOVED,
        line_c.id != sa.bindparam("line_id"),
    )
)


def line_with_serial(
    conn: Connection, order_id: int, product_id: int, serial: str, other_than: int
) -> int | None:
    """The number of another line of the order with this product and serial, if any."""
    found = _SERIAL_TWICE.scalar(
        conn,
        {"order_id": order_id, "product_id": product_id, "serial": serial, "line_id": other_than},
    )
    return None if found is None else int(found)


_SET_LINE_SERIAL = Prepared(
    sa.update(orepo.line_t)
    .where(line_c.id == sa.bindparam("line_id"))
    .values(serial=sa.bindparam("new_serial"))
)
_TOUCH = sa.update(orepo.order_t).where(order_c.id == sa.bindparam("touched"))
_TOUCH_RUN = Prepared(_TOUCH.values(updated_at=sa.bindparam("now")))
_TOUCH_STATUS = Prepared(
    _TOUCH.values(updated_at=sa.bindparam("now"), status=sa.bindparam("new_status"))
)


def _serial_and_touch() -> Prepared:
    """PostgreSQL: the line's serial and the order's ``updated_at`` in one round trip."""
    line = _SET_LINE_SERIAL.statement
    assert isinstance(line, sa.Update)
    done = line.returning(line_c.id).cte("serial_set")
    touched = (
        sa.update(orepo.order_t)
        .where(order_c.id == sa.bindparam("touched"))
        .values(updated_at=sa.bindparam("now"))
        .add_cte(done)
    )
    return Prepared(touched)


_SERIAL_AND_TOUCH = _serial_and_touch()


def set_line_serial(
    conn: Connection, line_id: int, serial: str | None, *, touch_order: int, now: object
) -> None:
    """The line's serial, and the order changed ``now`` (one statement on PostgreSQL)."""
    params = {"line_id": line_id, "new_serial": serial, "touched": touch_order, "now": now}
    if conn.dialect.name == "postgresql":
        _SERIAL_AND_TOUCH.run(conn, params)
        return
    _SET_LINE_SERIAL.run(conn, params)
    _TOUCH_RUN.run(conn, params)


def touch(conn: Connection, order_id: int, now: object, status: str | None = None) -> None:
    """The order changed now (``updated_at``), and its status with it when given."""
    if status is None:
        _TOUCH_RUN.run(conn, {"touched": order_id, "now": now})
    else:
        _TOUCH_STATUS.run(conn, {"touched": order_id, "now": now, "new_status": status})
