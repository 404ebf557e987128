"""Repositories for orders, their lines, payments, invoices and document numbers (Core)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from serialpos.db import order_tables as ot
from serialpos.db import repo
from serialpos.domain.discounts import LineTerms, line_discount
from serialpos.domain.orders import LineAmounts, line_amounts
from serialpos.domain.products import SerialMode

order_t = ot.SaleOrder.__table__  # type: ignore[attr-defined]
line_t = ot.OrderLine.__table__  # type: ignore[attr-defined]
payment_t = ot.OrderPayment.__table__  # type: ignore[attr-defined]
invoice_t = ot.Invoice.__table__  # type: ignore[attr-defined]
invoice_line_t = ot.InvoiceLine.__table__  # type: ignore[attr-defined]
counter_t = ot.DocumentCounter.__table__  # type: ignore[attr-defined]

CENT = Decimal("0.01")


def row_amounts(row: sa.Row[object]) -> LineAmounts:
    """The amounts of an order line row (unit_price, quantity, tax_rate, tax_included, and
    its discounts, taken off before tax)."""
    m = row._mapping
    price = money(m["unit_price"])
    off = line_discount((price * m["quantity"]).quantize(CENT, ROUND_HALF_UP), row_terms(row))
    return line_amounts(price, m["quantity"], rate(m["tax_rate"]), bool(m["tax_included"]), off)


def row_terms(row: sa.Row[object]) -> LineTerms:
    """The discounts stored on an order line row (rows from before migration 0018: none)."""
    m = row._mapping

    def get(key: str, convert: Callable[[object], Decimal]) -> Decimal | None:
        value = m.get(key)
        return None if value is None else convert(value)

    return LineTerms(
        get("discount", money),
        get("discount_percent", rate),
        get("order_discount", money),
        get("order_discount_percent", rate),
    )


def money(value: object) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def rate(value: object) -> Decimal:
    """20.000 -> 20 and 7.500 -> 7.5."""
    return Decimal(f"{Decimal(str(value)).normalize():f}")


@dataclass(frozen=True)
class SaleProduct:
    """What a sale line needs of a product."""

    id: int
    sku: str
    name: str
    price: Decimal
    tax_rate: Decimal
    serial_mode: SerialMode
    serial_format: str | None
    barcodes: tuple[str, ...]
    package_type: str | None = None
    #: The product's own PricesIncludeTax (None: the chain setting decides).
    prices_include_tax: bool | None = None

    @property
    def exploded(self) -> bool:
        """A package opened at the sale: its components are the lines that take serials."""
        return self.package_type == "exploded"


_p = repo.product_t.c
#: product.package_type (migration 0003), read by name so this module needs no more of it.
PACKAGE_TYPE: sa.ColumnClause[str] = sa.literal_column("product.package_type", sa.String())
_component = sa.table(
    "product_component", sa.column("package_id"), sa.column("component_id"), sa.column("quantity")
)


def _sale_products(conn: Connection, where: sa.ColumnElement[bool]) -> list[SaleProduct]:
    rows = conn.execute(
        sa.select(
            _p.id,
            _p.sku,
            _p.name,
            _p.price,
            _p.tax_rate,
            _p.serial_mode,
            _p.serial_format,
            PACKAGE_TYPE.label("package_type"),
            _p.prices_include_tax,
        ).where(where)
    ).all()
    out = []
    for r in rows:
        codes = tuple(
            conn.execute(
                sa.select(repo.barcode_t.c.gtin).where(repo.barcode_t.c.product_id == r.id)
            ).scalars()
        )
        out.append(
            SaleProduct(
                r.id,
                r.sku,
                r.name,
                money(r.price or 0),
                rate(r.tax_rate or 0),
                SerialMode(r.serial_mode),
                r.serial_format,
                codes,
                r.package_type,
                r.prices_include_tax,
            )
        )
    return out


def components(conn: Connection, package_id: int) -> list[tuple[int, int]]:
    """A package's components as (product id, quantity), in SKU order."""
    c = _component.c
    rows = conn.execute(
        sa.select(c.component_id, c.quantity)
        .join(repo.product_t, _p.id == c.component_id)
        .where(c.package_id == package_id)
        .order_by(_p.sku)
    ).all()
    return [(int(pid), int(qty)) for pid, qty in rows]


def sale_product_by_sku(conn: Connection, sku: str) -> SaleProduct | None:
    found = _sale_products(conn, _p.sku == sku)
    return found[0] if found else None


def sale_product_by_id(conn: Connection, product_id: int) -> SaleProduct:
    return _sale_products(conn, _p.id == product_id)[0]


def next_number(conn: Connection, store_id: int, kind: str) -> int:
    """The next number of ``kind`` at a store, in one upsert: safe under concurrency (SQLite
    writers are serialised; PostgreSQL locks the counter row until commit)."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(counter_t).values(store_id=store_id, kind=kind, value=1)
    upsert = stmt.on_conflict_do_update(
        index_elements=[counter_t.c.store_id, counter_t.c.kind],
        set_={"value": counter_t.c.value + 1},
    ).returning(counter_t.c.value)
    return int(conn.execute(upsert).scalar_one())


def order_row(conn: Connection, number: str, *, lock: bool = False) -> sa.Row[object] | None:
    o, s = order_t.c, repo.store_t.c
    query = (
        sa.select(order_t, s.code.label("store_code"))
        .join(repo.store_t, s.id == o.store_id)
        .where(o.number == number)
    )
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update(of=order_t)
    return conn.execute(query).first()


def order_lines(
    conn: Connection, order_id: int, *, include_removed: bool = False
) -> list[sa.Row[object]]:
    c = line_t.c
    query = (
        sa.select(line_t, _p.serial_mode.label("serial_mode"), PACKAGE_TYPE.label("package_type"))
        .join(repo.product_t, _p.id == c.product_id)
        .where(c.order_id == order_id)
        .order_by(c.number)
    )
    if not include_removed:
        query = query.where(c.status != "removed")
    return list(conn.execute(query).all())


def line_row(conn: Connection, order_id: int, line_id: int) -> sa.Row[object] | None:
    c = line_t.c
    return conn.execute(
        sa.select(line_t, _p.serial_mode.label("serial_mode"), PACKAGE_TYPE.label("package_type"))
        .join(repo.product_t, _p.id == c.product_id)
        .where(c.order_id == order_id, c.id == line_id)
    ).first()


def payments(conn: Connection, order_id: int) -> list[sa.Row[object]]:
    c = payment_t.c
    return list(
        conn.execute(sa.select(payment_t).where(c.order_id == order_id).order_by(c.id)).all()
    )


def invoice_numbers(conn: Connection, order_id: int) -> list[str]:
    c = invoice_t.c
    return list(
        conn.execute(sa.select(c.number).where(c.order_id == order_id).order_by(c.id)).scalars()
    )


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
