"""Writing a sale's lines: one line inserted (numbered after the order's last), a package
opened into its components, and on PostgreSQL a scan's product read and its line inserted in
one statement. Kept apart from lines.py, which decides what a scan or an item adds."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import cast

import sqlalchemy as sa

from serialpos.db import order_repo as orepo
from serialpos.db import repo, sale_products, sale_sql, scan_sql
from serialpos.db.prepared import PreparedRow
from serialpos.domain.errors import BadRequest
from serialpos.domain.orders import LineStatus
from serialpos.services import lookup
from serialpos.services.orders.views import MAX_LINES, ZERO
from serialpos.services.orders.work import _Ctx


@dataclass(frozen=True)
class _Inserted:
    """A line already inserted with its product's read (:func:`_scanned_line`), and the
    serial asked for with the unit that has it (None: no serial asked)."""

    row: sa.Row[object]
    seen: tuple[str, repo.UnitRow | None] | None


def _scanned_line(
    ctx: _Ctx, sku: str, serial: str | None
) -> tuple[orepo.SaleProduct | None, _Inserted | None] | None:
    """PostgreSQL, an order opened in this transaction: the product with SKU ``sku`` read
    and, when it is sold one line per unit (serial-tracked, not a package opened at the
    sale), its line inserted at its price holding ``serial`` and the unit with it read, in one
    statement (sale_sql.insert_scanned_line): what :func:`_add_line` would insert next, as
    it would, since such an order holds no line it could merge into. Checks that refuse the
    add afterwards roll the whole transaction back, line and all. None where it does not
    apply (SQLite, an order from before); (None, None): no product has that SKU."""
    written = ctx.new_lines
    if ctx.conn.dialect.name != "postgresql" or written is None or len(written) >= MAX_LINES:
        return None
    found = sale_sql.insert_scanned_line(
        ctx.conn,
        {
            "sku": sku,
            "order_id": ctx.id,
            "number": len(written) + 1,
            "chain_tax_included": ctx.chain_settings().prices_include_tax,
            "serial": serial,
        },
    )
    if found is None:
        return None, None
    product, row, unit = found
    if row is None:
        return product, None
    written.append(row)
    return product, _Inserted(row, None if serial is None else (serial, unit))


def _sku_or_serial(
    ctx: _Ctx, text: str
) -> tuple[
    orepo.SaleProduct | None,
    list[tuple[orepo.SaleProduct, repo.UnitRow]],
    sa.Row[object] | None,
]:
    """What a scanned ``text`` (no barcode) names: the product with that exact SKU, else None
    and the units with that serial (scan_sql.sku_or_serial), and the line inserted with the
    read (None: none). On PostgreSQL, on an order opened in this transaction, the line the
    scan adds is inserted by the same statement (scan_sql.sku_or_serial_with_line): the
    SKU's product's line, or the line of the one unit in stock here with that serial,
    holding it; only for a product sold one line per unit, as :func:`_scanned_line`. What
    lines.add_scan decides next is unchanged; a refusal rolls the line back with the rest."""
    conn, written = ctx.conn, ctx.new_lines
    if conn.dialect.name != "postgresql" or written is None or len(written) >= MAX_LINES:
        product, units = scan_sql.sku_or_serial(conn, text, lookup.MAX_MATCHES)
        return product, units, None
    product, units, line = scan_sql.sku_or_serial_with_line(
        conn,
        {
            "text": text,
            "store_id": ctx.store_id,
            "order_id": ctx.id,
            "number": len(written) + 1,
            "chain_tax_included": ctx.chain_settings().prices_include_tax,
        },
        lookup.MAX_MATCHES,
    )
    if line is None:
        return product, units, None
    line_product = product or next(p for p, _unit in units if p.id == line[_PRODUCT_ID])
    made = cast(
        "sa.Row[object]",
        PreparedRow(
            sale_sql.INSERT_LINE_KEYS,
            (*line, line_product.serial_mode.value, line_product.package_type),
        ),
    )
    written.append(made)
    return product, units, made


#: The position of ``product_id`` among orepo.line_t's columns.
_PRODUCT_ID = [c.key for c in orepo.line_t.c].index("product_id")


def _insert_line(
    ctx: _Ctx,
    product: orepo.SaleProduct,
    quantity: int,
    price: Decimal,
    package_line: int | None = None,
    *,
    serial: str | None = None,
) -> sa.Row[object]:
    """Insert a line (holding ``serial``, when given); the row as orepo.order_lines would
    read it."""
    conn = ctx.conn
    written = ctx.new_lines
    if written is None:  # an order from before this transaction: ask how many lines it has
        count, last = sale_sql.line_count(conn, ctx.id)
    else:  # opened in this transaction: its lines are the ones written here
        count = last = len(written)
    if count >= MAX_LINES:
        raise BadRequest(f"an order holds at most {MAX_LINES} lines; open another order")
    row = sale_sql.insert_line(
        conn,
        {
            "order_id": ctx.id,
            "number": int(last) + 1,
            "product_id": product.id,
            "sku": product.sku,
            "name": product.name,
            "quantity": quantity,
            "unit_price": price,
            "tax_rate": product.tax_rate,
            "tax_included": _tax_included(ctx, product),
            "serial": serial,
            "status": LineStatus.OPEN.value,
            "package_line": package_line,
            "serial_mode": product.serial_mode.value,
            "package_type": product.package_type,
        },
    )
    if written is not None:
        written.append(row)
    return row


def _tax_included(ctx: _Ctx, product: orepo.SaleProduct) -> bool:
    """Whether this product's price includes tax: its own feed value, else the chain's."""
    if product.prices_include_tax is not None:
        return product.prices_include_tax
    return ctx.chain_settings().prices_include_tax


def _add_package(ctx: _Ctx, package: orepo.SaleProduct) -> tuple[int, bool, str]:
    """An exploded package: its own line (the price) and one line per component unit
    (serial-tracked components) or per component (others), priced in the package."""
    header = int(_insert_line(ctx, package, 1, package.price)._mapping["id"])
    parts = sale_products.components(ctx.conn, package.id)
    for component_id, quantity in parts:
        part = sale_products.sale_product_by_id(ctx.conn, component_id)
        if part.serial_mode.tracked:
            for _ in range(quantity):
                _insert_line(ctx, part, 1, ZERO, header)
        else:
            _insert_line(ctx, part, quantity, ZERO, header)
    return (
        header,
        False,
        (f"added package {package.sku} {package.name} with {len(parts)} components"),
    )
