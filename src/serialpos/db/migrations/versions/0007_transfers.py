"""Store-to-store transfers: the transfer, its quantity lines and its serialized units.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "transfer",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("number", sa.String(64), nullable=False, unique=True),
        sa.Column("from_store_id", sa.Integer(), sa.ForeignKey("store.id"), nullable=False),
        sa.Column("to_store_id", sa.Integer(), sa.ForeignKey("store.id"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("terminal", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("shipped_by", sa.String(32), nullable=True),
        sa.Column("shipped_at", sa.DateTime(), nullable=True),
        sa.Column("received_by", sa.String(32), nullable=True),
        sa.Column("received_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'shipped', 'received')", name="ck_transfer_status"),
        sa.CheckConstraint("from_store_id <> to_store_id", name="ck_transfer_two_stores"),
    )
    op.create_index("ix_transfer_to_status", "transfer", ["to_store_id", "status"])
    op.create_index("ix_transfer_from_status", "transfer", ["from_store_id", "status"])
    op.create_table(
        "transfer_line",
        sa.Column("transfer_id", sa.Integer(), sa.ForeignKey("transfer.id"), primary_key=True),
        sa.Column("product_id", sa.Integer(), sa.ForeignKey("product.id"), primary_key=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity >= 0 AND received >= 0", name="ck_transfer_line_counts"),
    )
    op.create_table(
        "transfer_unit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("transfer_id", sa.Integer(), sa.ForeignKey("transfer.id"), nullable=False),
        sa.Column("product_id", sa.Integer(), sa.ForeignKey("product.id"), nullable=False),
        sa.Column("serial", sa.String(64), nullable=False),
        sa.Column("received", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("transfer_id", "product_id", "serial", name="uq_transfer_unit"),
    )
    op.create_index("ix_transfer_unit_product_serial", "transfer_unit", ["product_id", "serial"])


def downgrade() -> None:
    op.drop_index("ix_transfer_unit_product_serial", table_name="transfer_unit")
    op.drop_table("transfer_unit")
    op.drop_table("transfer_line")
    op.drop_index("ix_transfer_from_status", table_name="transfer")
    op.drop_index("ix_transfer_to_status", table_name="transfer")
    op.drop_table("transfer")
