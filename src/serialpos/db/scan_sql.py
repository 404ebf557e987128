"""What a scan at the counter reads when its text is no barcode: the product with that exact
SKU, else the units with that serial, each with its product as a sale line needs it and its
lease, all in one statement.

A counter sale often starts with the unit's serial label (services/orders/lines.add_scan):
that one read names the product of the line, and the unit the line then reserves, so the
step reads neither the product nor the unit again (the ledger's claim on the unit is still
conditional on the version read here). A SKU scanned pays the serial index's probe beside
its product's read, in the same statement.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_repo as orepo
from serialpos.db import repo, sale_products
from serialpos.db.lease_tables import lease_t
from serialpos.db.prepared import Prepared

_unit_c = repo.unit_t.c

# The units' arm first: its columns give the rows their types (the lease's expiry is a
# datetime); the SKU's arm fills the unit's columns with NULL. The units are found by the
# serial index (a serial sits on a handful of units at most), the product by its key and the
# lease by its unit; state and store are filtered by the caller, not in SQL: on a database
# never ANALYZEd SQLite's planner would pick the store index for them.
_UNITS = (
    orepo.SALE_PRODUCT_SELECT.add_columns(
        *repo.UNIT_COLUMNS, sa.literal_column("0", sa.Integer()).label("by_sku")
    )
    .select_from(
        repo.unit_t.join(repo.product_t, repo.product_t.c.id == _unit_c.product_id).outerjoin(
            lease_t, lease_t.c.unit_id == _unit_c.id
        )
    )
    .where(_unit_c.serial == sa.bindparam("text"))
    .limit(sa.bindparam("most", type_=sa.Integer()))
    .subquery()
)
_SKU = orepo.SALE_PRODUCT_SELECT.add_columns(
    *[sa.null() for _ in repo.UNIT_COLUMNS], sa.literal_column("1", sa.Integer())
).where(repo.product_t.c.sku == sa.bindparam("text"))
_SKU_OR_SERIAL = Prepared(sa.union_all(sa.select(_UNITS), _SKU))

_PRODUCT_WIDTH = len(orepo.SALE_PRODUCT_SELECT.selected_columns)
_UNIT_END = _PRODUCT_WIDTH + len(repo.UNIT_COLUMNS)


def sku_or_serial(
    conn: Connection, text: str, most: int
) -> tuple[orepo.SaleProduct | None, list[tuple[orepo.SaleProduct, repo.UnitRow]]]:
    """The product whose SKU is exactly ``text`` (an exact SKU wins: then no units), else
    None and up to ``most`` units whose serial is exactly ``text`` (any product, any state
    or store), each with its product and its lease."""
    units = []
    for row in _SKU_OR_SERIAL.rows(conn, {"text": text, "most": most}):
        values = tuple(row)
        product = sale_products.sale_product_of(values[:_PRODUCT_WIDTH])
        if values[_UNIT_END]:
            return product, []
        units.append((product, repo.unit_row(*values[_PRODUCT_WIDTH:_UNIT_END])))
    return None, units


#: The columns a scanned line's insert sets.
SET_BY_INSERT = (
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
)


def _scanned_with_line() -> Prepared:
    """PostgreSQL: :data:`_SKU_OR_SERIAL`'s read and the line the scan adds to an order opened
    in this transaction, in one statement (one round trip, not three: a serial label scanned
    first tried the SKU's insert, then this read, then the line's insert). The line is the
    one services/orders/lines.add_scan would insert: the SKU's product when one has the text
    as its SKU, else the product of the one unit with that serial in stock at the store
    (``store_id``) holding that serial; only when the product is sold one line per unit
    (serial-tracked, not a package opened at the sale), at its own price. The line's columns
    follow each row as sale_sql.insert_line returns them (NULL: no line inserted)."""
    p = repo.product_t.c
    sku = orepo.SALE_PRODUCT_SELECT.where(p.sku == sa.bindparam("text")).cte("k")
    # The units' read as _UNITS reads them, as a CTE of its own (no subquery around it), and
    # short CTE names: the statement's text stays under psycopg's 4,096 characters, the
    # longest it keeps converted (a longer one is parsed again at every execution, about
    # 0.15 ms of client CPU a scan).
    units = (
        orepo.SALE_PRODUCT_SELECT.add_columns(*repo.UNIT_COLUMNS)
        .select_from(
            repo.unit_t.join(repo.product_t, p.id == _unit_c.product_id).outerjoin(
                lease_t, lease_t.c.unit_id == _unit_c.id
            )
        )
        .where(_unit_c.serial == sa.bindparam("text"))
        .limit(sa.bindparam("most", type_=sa.Integer()))
        .cte("u")
    )
    u = units.c
    product_keys = [str(c.key) for c in orepo.SALE_PRODUCT_SELECT.selected_columns]
    unit_keys = [str(c.key) for c in units.c][len(product_keys) :]
    here = sa.and_(
        u.state == "in_stock", u.store_id == sa.bindparam("store_id", type_=sa.Integer())
    )
    one_here = (
        sa.select(sa.func.count()).select_from(units).where(here).correlate(None).scalar_subquery()
        == 1
    )
    no_sku = ~sa.exists(sa.select(sku.c.id))
    picked = sa.union_all(
        sa.select(*(sku.c[k] for k in product_keys), sa.null().label("serial")),
        sa.select(
            *(u[k] for k in product_keys),
            sa.bindparam("text", type_=sa.String()).label("serial"),
        ).where(here, one_here, no_sku),
    ).cte("pk")
    k = picked.c
    values = {
        "order_id": sa.bindparam("order_id", type_=sa.Integer()),
        "number": sa.bindparam("number", type_=sa.Integer()),
        "product_id": k.id,
        "sku": k.sku,
        "name": k.name,
        "quantity": sa.literal(1, sa.Integer()),
        "unit_price": sa.func.coalesce(k.price, 0),
        "tax_rate": sa.func.coalesce(k.tax_rate, 0),
        "tax_included": sa.func.coalesce(
            k.prices_include_tax, sa.bindparam("chain_tax_included", type_=sa.Boolean())
        ),
        "serial": k.serial,
        "status": sa.literal("open", sa.String()),
        "package_line": sa.null(),
    }
    keys = list(SET_BY_INSERT)
    assert set(keys) == set(values)
    made = (
        sa.insert(orepo.line_t)
        .from_select(
            keys,
            sa.select(*(values[key] for key in keys)).where(
                k.serial_mode != "disabled", k.package_type.is_distinct_from("exploded")
            ),
        )
        .returning(orepo.line_t.c.id, *(orepo.line_t.c[key] for key in keys))
        .cte("m")
    )
    by_sku = sa.select(
        *(sku.c[key] for key in product_keys),
        *[sa.null() for _ in repo.UNIT_COLUMNS],
        sa.literal_column("1", sa.Integer()).label("by_sku"),
        *made.c,
    ).select_from(sku.outerjoin(made, sa.true()))
    by_serial = sa.select(
        *(u[key] for key in product_keys),
        *(u[key] for key in unit_keys),
        sa.literal_column("0", sa.Integer()).label("by_sku"),
        *made.c,
    ).select_from(units.outerjoin(made, sa.true()))
    return Prepared(sa.union_all(by_serial, by_sku))


_SCANNED_WITH_LINE = _scanned_with_line()
#: The line's columns the statement returns (those its insert sets, and its id); the rest
#: (invoice, refund, price override and discounts) are NULL on a line just inserted, and
#: are not returned (the statement's text stays under psycopg's 4,096 characters).
_MADE_KEYS = ["id", *SET_BY_INSERT]
_ALL_KEYS = [str(c.key) for c in orepo.line_t.c]


def sku_or_serial_with_line(
    conn: Connection, values: dict[str, object], most: int
) -> tuple[
    orepo.SaleProduct | None,
    list[tuple[orepo.SaleProduct, repo.UnitRow]],
    tuple[object, ...] | None,
]:
    """PostgreSQL: :func:`sku_or_serial` for ``values["text"]``, with the line inserted as
    :func:`_scanned_with_line` says (``values``: ``text``, ``store_id``, ``order_id``,
    ``number``, ``chain_tax_included``): the SKU's product (or None and the units), and the
    line's columns (orepo.line_t's, in order; None: no line inserted)."""
    found = _SCANNED_WITH_LINE.rows(conn, {**values, "most": most})
    line: tuple[object, ...] | None = None
    units = []
    sku_product = None
    for row in found:
        row_values = tuple(row)
        product = sale_products.sale_product_of(row_values[:_PRODUCT_WIDTH])
        made = row_values[_UNIT_END + 1 :]
        if made[0] is not None:
            returned = dict(zip(_MADE_KEYS, made, strict=True))
            line = tuple(returned.get(key) for key in _ALL_KEYS)
        if row_values[_UNIT_END]:
            sku_product = product
        else:
            units.append((product, repo.unit_row(*row_values[_PRODUCT_WIDTH:_UNIT_END])))
    if sku_product is not None:
        return sku_product, [], line
    return None, units, line
