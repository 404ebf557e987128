"""An index on the ledger's moves by quantity: ``ix_ledger_event_quantity_moves``.

A bare ``transfer_in`` of a quantity is held to what bare shipments have in transit to its
store, and a quantity ``return`` to what was sold and not yet returned
(services/transfers/bare_receipts.py, services/quantity_returns.py): each sums a product's
events by quantity (no unit) of one or two actions. No index led there since migration 0033
dropped the product index, so each such line read the whole ledger (0.27 s and 0.12 s a line
on a SQLite copy with 1M events). The index holds events with no unit only, so a serial
unit's move (a counter sale of a serialized product) writes no page of it.

Revision ID: 0039_quantity_moves
Revises: 0038_till_seal
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0039_quantity_moves"
down_revision = "0038_till_seal"
branch_labels = None
depends_on = None

INDEX = "ix_ledger_event_quantity_moves"


def upgrade() -> None:
    op.create_index(
        INDEX,
        "ledger_event",
        ["product_id", "action"],
        sqlite_where=sa.text("unit_id IS NULL"),
        postgresql_where=sa.text("unit_id IS NULL"),
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="ledger_event")
