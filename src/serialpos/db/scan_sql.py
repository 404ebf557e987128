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
from serialpos.db import repo
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
        product = orepo.sale_product_of(values[:_PRODUCT_WIDTH])
        if values[_UNIT_END]:
            return product, []
        units.append((product, repo.unit_row(*values[_PRODUCT_WIDTH:_UNIT_END])))
    return None, units
