"""Units leased to store terminals (issue 16, item 5): ``unit_lease``, one row per unit a
terminal holds (db/lease_tables.py). Additive: a new table and an index.

Revision ID: 0024
Revises: 0023 (the feed numbered by batch)
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unit_lease",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "unit_id", sa.Integer(), sa.ForeignKey("serial_unit.id"), nullable=False, unique=True
        ),
        sa.Column("store_id", sa.Integer(), sa.ForeignKey("store.id"), nullable=False),
        sa.Column("terminal_id", sa.String(64), nullable=False),
        sa.Column("taken_by", sa.String(32), nullable=False),
        sa.Column("taken_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_unit_lease_terminal", "unit_lease", ["terminal_id"])


def downgrade() -> None:
    op.drop_index("ix_unit_lease_terminal", "unit_lease")
    op.drop_table("unit_lease")
