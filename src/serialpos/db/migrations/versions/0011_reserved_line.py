"""A reservation belongs to one order line: ``serial_unit.reserved_line_id``.

A reserved unit records the order line it is reserved to, and the ledger's conditional update
that sells or releases it checks that line, so one order can never sell or release a unit
another order's line holds (issue 10, case 11). Additive: a nullable column and its index.

Data step: each unit reserved now is given to the open line (of an open or parked order at the
unit's store) that lists its serial; where several do (the defect this fixes let a second order
reserve a unit an older line still listed), the newest line, whose reservation is the one that
happened last. A reserved unit no open line lists stays without a line; ``serialpos db check``
names it.

Revision ID: 0011
Revises: 0014 (chained after the api room's 0014, already on main; the lead may re-chain)
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0014"
branch_labels = None
depends_on = None

INDEX = "ix_serial_unit_reserved_line"

_GIVE_RESERVED_UNITS_THEIR_LINE = """
UPDATE serial_unit SET reserved_line_id = (
    SELECT ol.id FROM order_line ol JOIN sale_order o ON o.id = ol.order_id
    WHERE ol.product_id = serial_unit.product_id AND ol.serial = serial_unit.serial
      AND ol.status = 'open' AND o.status IN ('open', 'parked')
      AND o.store_id = serial_unit.store_id
    ORDER BY ol.id DESC LIMIT 1)
WHERE state = 'reserved'
"""


def upgrade() -> None:
    op.add_column("serial_unit", sa.Column("reserved_line_id", sa.Integer(), nullable=True))
    op.create_index(INDEX, "serial_unit", ["reserved_line_id"])
    op.execute(_GIVE_RESERVED_UNITS_THEIR_LINE)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="serial_unit")
    with op.batch_alter_table("serial_unit") as batch:
        batch.drop_column("reserved_line_id")
