"""A serial is never live under two products, guarded by the database itself.

The ledger checks the rule in its transaction (``scan_resolver.refuse_live_elsewhere``), but
two PostgreSQL terminals creating one serial under two products at the same instant both pass
that check: neither sees the other's uncommitted unit. A partial unique index on
``serial_unit.serial`` over the live states (in stock, reserved, in transit, expected) makes
the second insert (or the second unit coming back to life) wait for the first and then fail;
the ledger re-reads and refuses it ``duplicate_serial``, naming the first.

A unit a manager accepted as sharing its serial with another product's (two makers really
using the same string; never an IMEI) records that manager in the new column
``serial_unit.shared_by`` and is left out of the index.

Data step: a serial already live under several products (possible before issue 10's fix)
keeps its oldest live unit (lowest id) in the index; each later live unit is marked
``shared_by = 'before 0016'`` so the index can be built. Nothing is hidden: ``serialpos db
check`` still names every serial live under two products.

Revision ID: 0016
Revises: 0012 (main's head at the rebase)
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0012"
branch_labels = None
depends_on = None

INDEX = "uq_serial_unit_live_serial"
#: The index's predicate: live and not accepted as shared (the same text for both databases).
WHERE = "state IN ('in_stock', 'reserved', 'in_transit', 'expected') AND shared_by IS NULL"

_MARK_LATER_LIVE_UNITS_SHARED = """
UPDATE serial_unit SET shared_by = 'before 0016'
WHERE state IN ('in_stock', 'reserved', 'in_transit', 'expected')
  AND EXISTS (SELECT 1 FROM serial_unit older
              WHERE older.serial = serial_unit.serial AND older.id < serial_unit.id
                AND older.state IN ('in_stock', 'reserved', 'in_transit', 'expected'))
"""


def upgrade() -> None:
    op.add_column("serial_unit", sa.Column("shared_by", sa.String(64), nullable=True))
    op.execute(_MARK_LATER_LIVE_UNITS_SHARED)
    op.create_index(
        INDEX,
        "serial_unit",
        ["serial"],
        unique=True,
        sqlite_where=sa.text(WHERE),
        postgresql_where=sa.text(WHERE),
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="serial_unit")
    with op.batch_alter_table("serial_unit") as batch:
        batch.drop_column("shared_by")
