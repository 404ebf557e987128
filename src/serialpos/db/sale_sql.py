"""The writes and small reads of a counter sale's steps (open the order, add a line, record
its serial, pay, fulfil), as Prepared driver SQL: each step runs a handful of these, and
SQLAlchemy's per-call set-up of a Core statement costs more than running it. The services
decide and own the transaction; this module only says how each statement reads and writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import document_sql, repo
from serialpos.db import order_repo as orepo
from serialpos.db.lease_tables import lease_t
from serialpos.db.prepared import Prepared, PreparedRow
from serialpos.db.shift_tables import shift_t
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
    """:data:`_INSERT_ORDER` bringing back its store's settings too (orepo.with_settings)."""
    made = _INSERT_ORDER.statement
    assert isinstance(made, sa.Insert)
    store = sa.bindparam("settings_store", type_=sa.Integer())
    return Prepared(made.returning(*orepo.with_settings(store, dialect)), _INSERT_ORDER.column_keys)


_INSERT_ORDER_WITH_SETTINGS = {d: _order_with_settings(d) for d in ("sqlite", "postgresql")}


def insert_order(conn: Connection, values: Mapping[str, object]) -> sa.Row[Any]:
    """Insert an order (``values``: its columns and ``store_code``); the row as
    orepo.order_row would read it back. The store's settings come back with it and are kept
    for the transaction (the step's shift check, tax and serial prompt read them next)."""
    params = {**NO_CUSTOMER, **values, "settings_store": values["store_id"]}
    found = _INSERT_ORDER_WITH_SETTINGS[conn.dialect.name].rows(conn, params)[0]
    return orepo.keep_settings_of(conn, found)


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
    settings = orepo.with_settings(sa.bindparam("store_id", type_=sa.Integer()))
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
    return orepo.keep_settings_of(conn, _INSERT_NUMBERED_ORDER.rows(conn, params)[0])


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
    by_sku = orepo.SALE_PRODUCT_SELECT.where(orepo.product_c.sku == sa.bindparam("sku"))
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
    product = orepo.sale_product_of(tuple(row[:_PRODUCT_WIDTH]))
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


_PAYMENT_KEYS = [
    "order_id",
    "kind",
    "method",
    "amount",
    "at",
    "user_name",
    "invoice_id",
    "shift_id",
]
_shift_c = shift_t.c
#: A payment in the terminal's open shift at the store (if any), found by the insert itself
#: (one open shift per terminal: a partial unique index); answers the shift's id.
_INSERT_PAYMENT_IN_SHIFT = Prepared(
    sa.insert(orepo.payment_t)
    .values(
        shift_id=sa.select(_shift_c.id)
        .where(
            _shift_c.store_id == sa.bindparam("shift_store"),
            _shift_c.terminal == sa.bindparam("shift_terminal"),
            _shift_c.closed_at.is_(None),
        )
        .scalar_subquery()
    )
    .returning(payment_c.shift_id),
    [k for k in _PAYMENT_KEYS if k != "shift_id"],
)


def insert_payment_in_shift(
    conn: Connection, values: Mapping[str, object], store_id: int, terminal: str
) -> int | None:
    """Insert a payment (``values``: its columns but ``shift_id``) in ``terminal``'s open
    shift at the store; that shift's id, or None when it has none (the payment is then in
    no shift: the caller refuses it where the store requires one)."""
    params = {**values, "shift_store": store_id, "shift_terminal": terminal}
    found = _INSERT_PAYMENT_IN_SHIFT.scalar(conn, params)
    return None if found is None else int(found)


#: An invoice's columns as the sale writes them (db/tender_sql.py writes the same).
INVOICE_COLUMNS = [
    "number",
    "store_id",
    "order_id",
    "kind",
    "refers_to",
    "issued_at",
    "net",
    "tax",
    "total",
    "change_due",
    "created_by",
]
_INSERT_INVOICE = Prepared(
    sa.insert(orepo.invoice_t).returning(orepo.invoice_t.c.id), INVOICE_COLUMNS
)
#: An invoice line's columns as the sale writes them.
INVOICE_LINE_COLUMNS = [
    "invoice_id",
    "position",
    "order_line_id",
    "sku",
    "description",
    "quantity",
    "unit_price",
    "tax_rate",
    "net",
    "tax",
    "total",
    "serial",
]
_INSERT_INVOICE_LINE = sa.insert(orepo.invoice_line_t)
_INSERT_INVOICE_LINE_RUN = Prepared(_INSERT_INVOICE_LINE, INVOICE_LINE_COLUMNS)


def _invoice_with_one_line() -> Prepared:
    """PostgreSQL: an invoice and its one line in one round trip (the line takes the id the
    invoice's insert returns); answers the invoice's id."""
    made = _INSERT_INVOICE.statement
    assert isinstance(made, sa.Insert)
    invoice = made.values({k: sa.bindparam(k) for k in INVOICE_COLUMNS}).cte("invoice_made")
    line = invoice_line_of(invoice).returning(orepo.invoice_line_t.c.invoice_id).add_cte(invoice)
    return Prepared(line)


def invoice_line_of(invoice: sa.CTE) -> sa.Insert:
    """An invoice line on the invoice ``invoice`` (a CTE that inserted it, returning ``id``)
    makes: its other columns bound as ``line_<column>`` (db/tender_sql.py uses it too)."""
    keys = [k for k in INVOICE_LINE_COLUMNS if k != "invoice_id"]
    columns = orepo.invoice_line_t.c
    return sa.insert(orepo.invoice_line_t).from_select(
        ["invoice_id", *keys],
        sa.select(invoice.c.id, *(sa.bindparam(f"line_{k}", type_=columns[k].type) for k in keys)),
    )


_INVOICE_WITH_ONE_LINE = _invoice_with_one_line()


def insert_invoice(
    conn: Connection, values: Mapping[str, object], lines: list[dict[str, object]]
) -> int:
    """Insert an invoice and its lines; its id (one statement on PostgreSQL for one line)."""
    if conn.dialect.name == "postgresql" and len(lines) == 1:
        params = {**values, **{f"line_{k}": v for k, v in lines[0].items()}}
        return int(_INVOICE_WITH_ONE_LINE.scalar(conn, params))
    invoice_id = int(_INSERT_INVOICE.scalar(conn, values))
    for line in lines:
        line["invoice_id"] = invoice_id
    if len(lines) == 1:  # a counter sale's one line
        _INSERT_INVOICE_LINE_RUN.run(conn, lines[0])
    elif lines:
        conn.execute(_INSERT_INVOICE_LINE, lines)
    return invoice_id


_FULFIL_LINES = (
    sa.update(orepo.line_t)
    .where(
        line_c.id.in_(sa.bindparam("line_ids", expanding=True)), line_c.status == LineStatus.OPEN
    )
    .values(status=LineStatus.FULFILLED.value, invoice_id=sa.bindparam("invoice"))
)
_FULFIL_LINE = Prepared(
    sa.update(orepo.line_t)
    .where(line_c.id == sa.bindparam("line_id"), line_c.status == LineStatus.OPEN)
    .values(status=LineStatus.FULFILLED.value, invoice_id=sa.bindparam("invoice"))
)


def fulfil_lines(conn: Connection, line_ids: list[int], invoice_id: int) -> int:
    """Mark the open lines among ``line_ids`` fulfilled on the invoice; how many were."""
    if len(line_ids) == 1:
        return _FULFIL_LINE.run(conn, {"line_id": line_ids[0], "invoice": invoice_id}).rowcount
    done = conn.execute(_FULFIL_LINES, {"line_ids": sorted(line_ids), "invoice": invoice_id})
    return int(done.rowcount)


_PAYMENTS_ON_INVOICE = Prepared(
    sa.update(orepo.payment_t)
    .where(payment_c.order_id == sa.bindparam("paid_on"), payment_c.invoice_id.is_(None))
    .values(invoice_id=sa.bindparam("invoice"))
)


def payments_on_invoice(conn: Connection, order_id: int, invoice_id: int) -> None:
    """Every payment of the order not yet on an invoice goes on this one."""
    _PAYMENTS_ON_INVOICE.run(conn, {"paid_on": order_id, "invoice": invoice_id})


def _close_one_line() -> Prepared:
    """PostgreSQL: a one-line fulfilment's closing writes in one round trip: the line
    fulfilled on the invoice (counted, as :func:`fulfil_lines` counts), the order's payments
    on the invoice, the order's status and ``updated_at``."""
    line, paid = _FULFIL_LINE.statement, _PAYMENTS_ON_INVOICE.statement
    assert isinstance(line, sa.Update) and isinstance(paid, sa.Update)
    fulfilled = line.returning(line_c.id).cte("fulfilled")
    on_invoice = paid.returning(payment_c.id).cte("on_invoice")
    touched = (
        sa.update(orepo.order_t)
        .where(order_c.id == sa.bindparam("touched"))
        .values(updated_at=sa.bindparam("now"), status=sa.bindparam("new_status"))
        .returning(order_c.id)
        .cte("touched")
    )
    count = sa.select(sa.func.count()).select_from(fulfilled).scalar_subquery()
    return Prepared(sa.select(count).add_cte(on_invoice, touched))


_CLOSE_ONE_LINE = _close_one_line()


def close_fulfilment(
    conn: Connection,
    line_ids: list[int],
    invoice_id: int,
    order_id: int,
    now: object,
    status: str,
    *,
    attach_payments: bool = True,
) -> int:
    """The closing writes of a fulfilment: the lines fulfilled on the invoice, the order's
    payments not yet on an invoice on it (``attach_payments`` False: the caller knows there
    are none), the order's ``status`` and ``updated_at``; how many of the lines were still
    open (one statement on PostgreSQL for one line)."""
    if conn.dialect.name == "postgresql" and len(line_ids) == 1:
        found = _CLOSE_ONE_LINE.scalar(
            conn,
            {
                "line_id": line_ids[0],
                "invoice": invoice_id,
                "paid_on": order_id,
                "touched": order_id,
                "now": now,
                "new_status": status,
            },
        )
        return int(found)
    done = fulfil_lines(conn, line_ids, invoice_id)
    if attach_payments:
        payments_on_invoice(conn, order_id, invoice_id)
    touch(conn, order_id, now, status)
    return done
