"""Repositories for orders, their lines, payments, invoices and document numbers (Core).

A line's money is worked out in db/line_money.py, a sale line's product read in
db/sale_products.py, and the settings read with a locked order in db/order_settings.py;
``money``, ``rate``, ``SaleProduct`` and ``SALE_PRODUCT_SELECT``, used nearly everywhere an
order is read, are importable from here too.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from serialpos.db import order_tables as ot
from serialpos.db import repo
from serialpos.db.lease_tables import lease_t
from serialpos.db.line_money import money as money
from serialpos.db.line_money import rate as rate
from serialpos.db.order_settings import SETTING_COLUMNS, keep_settings_of, settings_pairs
from serialpos.db.prepared import Prepared
from serialpos.db.sale_products import PACKAGE_TYPE, product_c
from serialpos.db.sale_products import SALE_PRODUCT_SELECT as SALE_PRODUCT_SELECT
from serialpos.db.sale_products import SaleProduct as SaleProduct
from serialpos.domain.orders import LineStatus

order_t = ot.SaleOrder.__table__  # type: ignore[attr-defined]
line_t = ot.OrderLine.__table__  # type: ignore[attr-defined]
payment_t = ot.OrderPayment.__table__  # type: ignore[attr-defined]
invoice_t = ot.Invoice.__table__  # type: ignore[attr-defined]
invoice_line_t = ot.InvoiceLine.__table__  # type: ignore[attr-defined]
counter_t = ot.DocumentCounter.__table__  # type: ignore[attr-defined]


def _next_number_upsert(insert: Any) -> sa.Executable:
    stmt = insert(counter_t).values(
        store_id=sa.bindparam("store_id"), kind=sa.bindparam("kind"), value=1
    )
    upsert: sa.Executable = stmt.on_conflict_do_update(
        index_elements=[counter_t.c.store_id, counter_t.c.kind],
        set_={"value": counter_t.c.value + 1},
    ).returning(counter_t.c.value)
    return upsert


_NEXT_NUMBER = {
    "sqlite": Prepared(_next_number_upsert(sqlite.insert)),
    "postgresql": Prepared(_next_number_upsert(postgresql.insert)),
}


def next_number(conn: Connection, store_id: int, kind: str) -> int:
    """The next number of ``kind`` at a store, in one upsert: safe under concurrency (SQLite
    writers are serialised; PostgreSQL locks the counter row until commit)."""
    found = _NEXT_NUMBER[conn.dialect.name].scalar(conn, {"store_id": store_id, "kind": kind})
    return int(found)


order_c, store_c, line_c = order_t.c, repo.store_t.c, line_t.c
_ORDER_ROW = (
    sa.select(order_t, store_c.code.label("store_code"))
    .join(repo.store_t, store_c.id == order_c.store_id)
    .where(order_c.number == sa.bindparam("number"))
)
#: The order a step changes, locked, and whether it has any payment (``has_payments``): a
#: counter sale's steps before its tender have none, and then need not read them.
_ORDER_ROW_LOCKED = _ORDER_ROW.add_columns(
    sa.exists().where(payment_t.c.order_id == order_c.id).correlate(order_t).label("has_payments")
).with_for_update(of=order_t)
#: Every order step reads its order and lines: run as Prepared driver SQL.
_ORDER_ROW_RUN = Prepared(_ORDER_ROW)

#: The locked order with the settings in force at its store (the chain's and the store's
#: own), which every step reads next: one statement (and on PostgreSQL one round trip), not
#: two. One per dialect (the JSON functions differ).
_ORDER_ROW_LOCKED_WITH_SETTINGS = {
    dialect: Prepared(
        _ORDER_ROW_LOCKED.add_columns(
            settings_pairs(None, dialect).label(SETTING_COLUMNS[0]),
            settings_pairs(order_c.store_id, dialect).label(SETTING_COLUMNS[1]),
        )
    )
    for dialect in ("sqlite", "postgresql")
}
_LINES = (
    sa.select(
        line_t, product_c.serial_mode.label("serial_mode"), PACKAGE_TYPE.label("package_type")
    )
    .join(repo.product_t, product_c.id == line_c.product_id)
    .where(line_c.order_id == sa.bindparam("order_id"))
)
_ORDER_LINES_ALL = Prepared(_LINES.order_by(line_c.number))
_ORDER_LINES = Prepared(_LINES.where(line_c.status != LineStatus.REMOVED).order_by(line_c.number))
#: One line with what a sale line needs of its product (for SaleProduct), in one query.
_LINES_WITH_PRODUCT = _LINES.add_columns(
    product_c.sku.label("product_sku"),
    product_c.name.label("product_name"),
    product_c.price.label("product_price"),
    product_c.tax_rate.label("product_tax_rate"),
    product_c.serial_format.label("product_serial_format"),
    product_c.prices_include_tax.label("product_prices_include_tax"),
)
_LINE_ROW = Prepared(_LINES_WITH_PRODUCT.where(line_c.id == sa.bindparam("line_id")))
#: The order's lines (not removed, in number order) as _LINE_ROW reads one: what a serial
#: step needs of its line and what the order's view needs of all, in one read.
_ORDER_LINES_WITH_PRODUCTS = Prepared(
    _LINES_WITH_PRODUCT.where(line_c.status != LineStatus.REMOVED).order_by(line_c.number)
)
#: The order's lines with their products (as _LINE_ROW) and the unit each line's serial
#: names, with its lease (repo's unit columns; all None for a line with no serial or no
#: such unit): what a fulfilment needs to sell them, in one read.
_ORDER_LINES_WITH_UNITS = Prepared(
    _LINES_WITH_PRODUCT.add_columns(*repo.UNIT_COLUMNS)
    .outerjoin(
        repo.unit_t,
        sa.and_(
            repo.unit_t.c.product_id == line_c.product_id, repo.unit_t.c.serial == line_c.serial
        ),
    )
    .outerjoin(lease_t, lease_t.c.unit_id == repo.unit_t.c.id)
    .where(line_c.status != LineStatus.REMOVED)
    .order_by(line_c.number)
)
#: The order's lines as _ORDER_LINES_WITH_PRODUCTS reads them, the line ``line_id`` with the
#: unit of its product whose serial is ``serial`` and that unit's lease (repo's unit columns;
#: None on every other line, and where there is no such unit): a serial step's line, its
#: view's lines and the unit it reserves, in one round trip instead of two.
_ORDER_LINES_AND_UNIT = Prepared(
    _LINES_WITH_PRODUCT.add_columns(*repo.UNIT_COLUMNS)
    .outerjoin(
        repo.unit_t,
        sa.and_(
            line_c.id == sa.bindparam("line_id"),
            repo.unit_t.c.product_id == line_c.product_id,
            repo.unit_t.c.serial == sa.bindparam("serial"),
        ),
    )
    .outerjoin(lease_t, lease_t.c.unit_id == repo.unit_t.c.id)
    .where(line_c.status != LineStatus.REMOVED)
    .order_by(line_c.number)
)
_PAYMENTS = Prepared(
    sa.select(payment_t)
    .where(payment_t.c.order_id == sa.bindparam("order_id"))
    .order_by(payment_t.c.id)
)
_INVOICES = Prepared(
    sa.select(invoice_t.c.id, invoice_t.c.number)
    .where(invoice_t.c.order_id == sa.bindparam("order_id"))
    .order_by(invoice_t.c.id)
)


def order_row(conn: Connection, number: str, *, lock: bool = False) -> sa.Row[object] | None:
    """The order with its store's code; ``lock``: FOR UPDATE on PostgreSQL (SQLite's writers
    are serialised already, and its compiler leaves the clause out), ``has_payments``, and
    its store's settings kept for the transaction (repo.keep_settings) instead of read by a
    statement of their own (every step that locks an order reads them next)."""
    if lock:
        return _locked_with_settings(conn, number)
    found: sa.Row[object] | None = _ORDER_ROW_RUN.first(conn, {"number": number})
    return found


def _locked_with_settings(conn: Connection, number: str) -> sa.Row[object] | None:
    """The locked order row, with its store's settings kept for the transaction."""
    query = _ORDER_ROW_LOCKED_WITH_SETTINGS[conn.dialect.name]
    found = query.first(conn, {"number": number})
    return None if found is None else keep_settings_of(conn, found)


def order_lines(
    conn: Connection, order_id: int, *, include_removed: bool = False
) -> list[sa.Row[object]]:
    query = _ORDER_LINES_ALL if include_removed else _ORDER_LINES
    return query.rows(conn, {"order_id": order_id})


def line_row(conn: Connection, order_id: int, line_id: int) -> sa.Row[object] | None:
    found: sa.Row[object] | None = _LINE_ROW.first(conn, {"order_id": order_id, "line_id": line_id})
    return found


def order_lines_with_products(conn: Connection, order_id: int) -> list[sa.Row[object]]:
    """The order's lines (not removed, in number order), each as :func:`line_row` reads it."""
    return _ORDER_LINES_WITH_PRODUCTS.rows(conn, {"order_id": order_id})


def order_lines_with_units(
    conn: Connection, order_id: int
) -> list[tuple[sa.Row[object], repo.UnitRow | None]]:
    """The order's lines (not removed, in number order) as :func:`line_row` reads them, each
    with the unit its serial names (None: no serial, or no such unit)."""
    out: list[tuple[sa.Row[object], repo.UnitRow | None]] = []
    width = len(repo.UNIT_COLUMNS)
    for row in _ORDER_LINES_WITH_UNITS.rows(conn, {"order_id": order_id}):
        unit_values = tuple(row)[-width:]
        out.append((row, None if unit_values[0] is None else repo.unit_row(*unit_values)))
    return out


def order_lines_and_unit(
    conn: Connection, order_id: int, line_id: int, serial: str | None
) -> tuple[list[sa.Row[object]], repo.UnitRow | None]:
    """The order's lines as :func:`order_lines_with_products` reads them, and the unit of
    line ``line_id``'s product with ``serial`` (None: no such line or unit, or no serial),
    read in the same statement."""
    rows = _ORDER_LINES_AND_UNIT.rows(
        conn, {"order_id": order_id, "line_id": line_id, "serial": serial}
    )
    width = len(repo.UNIT_COLUMNS)
    for row in rows:
        unit_values = tuple(row)[-width:]
        if unit_values[0] is not None:
            return rows, repo.unit_row(*unit_values)
    return rows, None


def payments(conn: Connection, order_id: int) -> list[sa.Row[object]]:
    return _PAYMENTS.rows(conn, {"order_id": order_id})


def payments_of(conn: Connection, order: sa.Row[object]) -> list[sa.Row[object]]:
    """The payments of an order row as it was read: none asked for when its locked read said
    it had none (for a step that adds no payment after that read)."""
    if not order._mapping.get("has_payments", True):
        return []
    return payments(conn, int(order._mapping["id"]))


def invoices(conn: Connection, order_id: int) -> dict[int, str]:
    """The order's invoices (and refund notes): number by id, in the order issued."""
    return {row.id: row.number for row in _INVOICES.rows(conn, {"order_id": order_id})}


def invoice_numbers(conn: Connection, order_id: int) -> list[str]:
    return list(invoices(conn, order_id).values())


def holding_line(conn: Connection, line_id: int | None) -> sa.Row[object] | None:
    """The order and line number of an order line (the one a reserved unit is reserved to),
    with the order's and the line's status."""
    if line_id is None:
        return None
    c, o = line_t.c, order_t.c
    return conn.execute(
        sa.select(o.number, o.status.label("order_status"), c.number.label("line_number"), c.status)
        .join(order_t, o.id == c.order_id)
        .where(c.id == line_id)
    ).first()


def holder_text(conn: Connection, line_id: int | None) -> str:
    """ "reserved on order S1-000003 line 2", for a refusal naming who holds a unit."""
    found = holding_line(conn, line_id)
    if found is None:
        return "reserved, but no order line holds it (see `serialpos db check`)"
    return f"reserved on order {found.number} line {found.line_number}"


def payment_key(kind: object, method: object, amount: object) -> tuple[str, str, Decimal]:
    """How a payment row is matched with another database's copy of it: its kind, method
    and amount to the cent (db/closed_order_sql.py, db/order_follow_sql.py)."""
    return str(kind), str(method), Decimal(str(amount)).quantize(Decimal("0.01"))
