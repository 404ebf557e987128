"""What a sale line needs of a product (:class:`SaleProduct`), read by SKU, by id, or from
the line's own row with its product's columns.

Every scan at the counter reads its product: the statements are built once and run as
Prepared driver SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.lease_tables import lease_t
from serialpos.db.line_money import money, rate
from serialpos.db.prepared import Prepared
from serialpos.domain.products import SERIAL_MODES, SerialMode


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
    package_type: str | None = None
    #: The product's own PricesIncludeTax (None: the chain setting decides).
    prices_include_tax: bool | None = None

    @property
    def exploded(self) -> bool:
        """A package opened at the sale: its components are the lines that take serials."""
        return self.package_type == "exploded"


product_c = repo.product_t.c
#: product.package_type (migration 0003), read by name so this module needs no more of it.
PACKAGE_TYPE: sa.ColumnClause[str] = sa.literal_column("product.package_type", sa.String())
_component = sa.table(
    "product_component", sa.column("package_id"), sa.column("component_id"), sa.column("quantity")
)


#: What a sale line needs of a product (:class:`SaleProduct`, by :func:`sale_product_of`).
SALE_PRODUCT_SELECT = sa.select(
    product_c.id,
    product_c.sku,
    product_c.name,
    product_c.price,
    product_c.tax_rate,
    product_c.serial_mode,
    product_c.serial_format,
    PACKAGE_TYPE.label("package_type"),
    product_c.prices_include_tax,
)
# Built once with bind parameters (as repo.py's hot statements are): building a statement
# per call costs more than running it on a counter sale's path.
# Run as Prepared driver SQL: every scan reads its product.
_SALE_PRODUCT_BY_SKU = Prepared(SALE_PRODUCT_SELECT.where(product_c.sku == sa.bindparam("sku")))
_SALE_PRODUCT_BY_ID = Prepared(
    SALE_PRODUCT_SELECT.where(product_c.id == sa.bindparam("product_id"))
)


def _sale_product(
    conn: Connection, query: Prepared, params: dict[str, object]
) -> SaleProduct | None:
    r = query.first(conn, params)
    return None if r is None else sale_product_of(tuple(r))


def sale_product_of(values: tuple[Any, ...]) -> SaleProduct:
    """A product from the values of :data:`SALE_PRODUCT_SELECT`'s columns, in order."""
    pid, sku, name, price, tax_rate, serial_mode, serial_format, package_type, included = values
    return SaleProduct(
        pid,
        sku,
        name,
        money(price or 0),
        rate(tax_rate or 0),
        SERIAL_MODES[serial_mode],
        serial_format,
        package_type,
        included,
    )


def components(conn: Connection, package_id: int) -> list[tuple[int, int]]:
    """A package's components as (product id, quantity), in SKU order."""
    c = _component.c
    rows = conn.execute(
        sa.select(c.component_id, c.quantity)
        .join(repo.product_t, product_c.id == c.component_id)
        .where(c.package_id == package_id)
        .order_by(product_c.sku)
    ).all()
    return [(int(pid), int(qty)) for pid, qty in rows]


def sale_product_by_sku(conn: Connection, sku: str) -> SaleProduct | None:
    return _sale_product(conn, _SALE_PRODUCT_BY_SKU, {"sku": sku})


#: The product by SKU with its unit of one serial (and that unit's lease) in the same read:
#: a host's line with its serial (services/orders/host.py) needs both, and on SQLite a
#: statement saved is its Python and its execute saved.
_SALE_PRODUCT_WITH_UNIT = Prepared(
    sa.select(*SALE_PRODUCT_SELECT.selected_columns, *repo.UNIT_COLUMNS)
    .select_from(
        repo.product_t.outerjoin(
            repo.unit_t,
            sa.and_(
                repo.unit_t.c.product_id == product_c.id,
                repo.unit_t.c.serial == sa.bindparam("serial"),
            ),
        ).outerjoin(lease_t, lease_t.c.unit_id == repo.unit_t.c.id)
    )
    .where(product_c.sku == sa.bindparam("sku"))
)
_PRODUCT_WIDTH = len(SALE_PRODUCT_SELECT.selected_columns)


def sale_product_with_unit(
    conn: Connection, sku: str, serial: str
) -> tuple[SaleProduct | None, repo.UnitRow | None]:
    """The product with SKU ``sku`` (None: none) and its unit with ``serial`` (None: no such
    unit), with the unit's lease, in one statement: what :func:`sale_product_by_sku` and
    unit_sql.unit_by_serial read, the same rows (a product has at most one unit of a serial,
    ``uq_serial_unit_product_serial``; a unit at most one lease)."""
    row = _SALE_PRODUCT_WITH_UNIT.first(conn, {"sku": sku, "serial": serial})
    if row is None:
        return None, None
    values = tuple(row)
    product = sale_product_of(values[:_PRODUCT_WIDTH])
    unit = values[_PRODUCT_WIDTH:]
    return product, None if unit[0] is None else repo.unit_row(*unit)


def sale_product_by_id(conn: Connection, product_id: int) -> SaleProduct:
    found = _sale_product(conn, _SALE_PRODUCT_BY_ID, {"product_id": product_id})
    assert found is not None
    return found


def line_product(row: sa.Row[object]) -> SaleProduct:
    """The product of a line read by :func:`line_row` (no second query)."""
    m = row._mapping
    return SaleProduct(
        m["product_id"],
        m["product_sku"],
        m["product_name"],
        money(m["product_price"] or 0),
        rate(m["product_tax_rate"] or 0),
        SERIAL_MODES[m["serial_mode"]],
        m["product_serial_format"],
        m["package_type"],
        m["product_prices_include_tax"],
    )
