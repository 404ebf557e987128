"""What a scan at the counter reads when its text is a unit's serial: the units with that
serial, each with its product as a sale line needs it and its lease, in one statement.

A counter sale often starts with the unit's serial label (services/orders/lines.add_scan):
that one read names the product of the line, and the unit the line then reserves, so the
step reads neither the product nor the unit again (the ledger's claim on the unit is still
conditional on the version read here).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_repo as orepo
from serialpos.db import repo
from serialpos.db.lease_tables import lease_t
from serialpos.db.prepared import Prepared

_unit_c = repo.unit_t.c

# Driven by the serial index (a serial sits on a handful of units at most); the product by
# its key and the lease by its unit. State and store are filtered by the caller, not in SQL:
# on a database never ANALYZEd SQLite's planner would pick the store index for them.
_UNITS_BY_SERIAL = Prepared(
    orepo.SALE_PRODUCT_SELECT.add_columns(*repo.UNIT_COLUMNS)
    .select_from(
        repo.unit_t.join(repo.product_t, repo.product_t.c.id == _unit_c.product_id).outerjoin(
            lease_t, lease_t.c.unit_id == _unit_c.id
        )
    )
    .where(_unit_c.serial == sa.bindparam("serial"))
    .limit(sa.bindparam("most", type_=sa.Integer()))
)

_PRODUCT_WIDTH = len(orepo.SALE_PRODUCT_SELECT.selected_columns)


def units_by_serial(
    conn: Connection, serial: str, most: int
) -> list[tuple[orepo.SaleProduct, repo.UnitRow]]:
    """Up to ``most`` units whose serial is exactly ``serial`` (any product, any state or
    store), each with its product and its lease."""
    found = []
    for row in _UNITS_BY_SERIAL.rows(conn, {"serial": serial, "most": most}):
        values = tuple(row)
        product = orepo.sale_product_of(values[:_PRODUCT_WIDTH])
        found.append((product, repo.unit_row(*values[_PRODUCT_WIDTH:])))
    return found
