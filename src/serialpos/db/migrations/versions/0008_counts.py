"""Cycle counts: the count, its batches and their scans.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stock_count",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("number", sa.String(64), nullable=False, unique=True),
        sa.Column("store_id", sa.Integer(), sa.ForeignKey("store.id"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("products", sa.Text(), nullable=True),
        sa.Column("opened_by", sa.String(32), nullable=False),
        sa.Column("terminal", sa.String(64), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("approved_by", sa.String(32), nullable=True),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column("reconciliation", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'approved')", name="ck_stock_count_status"),
    )
    op.create_index("ix_stock_count_store_status", "stock_count", ["store_id", "status"])
    op.create_table(
        "count_batch",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("count_id", sa.Integer(), sa.ForeignKey("stock_count.id"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("counter", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("opened_by", sa.String(32), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("count_id", "number", name="uq_count_batch_number"),
        sa.CheckConstraint("status IN ('open', 'closed')", name="ck_count_batch_status"),
    )
    op.create_table(
        "count_scan",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("count_id", sa.Integer(), sa.ForeignKey("stock_count.id"), nullable=False),
        sa.Column("batch_id", sa.Integer(), sa.ForeignKey("count_batch.id"), nullable=False),
        sa.Column("product_id", sa.Integer(), sa.ForeignKey("product.id"), nullable=False),
        sa.Column("serial", sa.String(64), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("user_name", sa.String(32), nullable=False),
        sa.Column("scanned_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("batch_id", "product_id", "serial", name="uq_count_scan_serial"),
        sa.CheckConstraint("quantity <> 0", name="ck_count_scan_quantity"),
    )
    op.create_index(
        "ix_count_scan_count", "count_scan", ["count_id", "product_id", "serial", "batch_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_count_scan_count", table_name="count_scan")
    op.drop_table("count_scan")
    op.drop_table("count_batch")
    op.drop_index("ix_stock_count_store_status", table_name="stock_count")
    op.drop_table("stock_count")
