"""Advance shipping notices: the ASN header, its lines, and the saved scans of a receipt in
progress.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "asn",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("asn", sa.String(64), nullable=False, unique=True),
        sa.Column("vendor", sa.String(100), nullable=False),
        sa.Column("store_id", sa.Integer(), sa.ForeignKey("store.id"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=True),
        sa.Column("received_by", sa.String(32), nullable=True),
        sa.Column("discrepancies", sa.Text(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'received')", name="ck_asn_status"),
    )
    op.create_index("ix_asn_store_status", "asn", ["store_id", "status"])
    op.create_table(
        "asn_line",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("asn_id", sa.Integer(), sa.ForeignKey("asn.id"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), sa.ForeignKey("product.id"), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("listed", sa.Integer(), nullable=False),
        sa.Column("case_pack", sa.String(64), nullable=True),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.UniqueConstraint("asn_id", "number", name="uq_asn_line_number"),
        sa.CheckConstraint("quantity > 0", name="ck_asn_line_quantity"),
    )
    op.create_table(
        "asn_scan",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("asn_id", sa.Integer(), sa.ForeignKey("asn.id"), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("serial", sa.String(64), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("scanned_at", sa.DateTime(), nullable=False),
        sa.Column("user_name", sa.String(32), nullable=False),
        sa.UniqueConstraint("asn_id", "sku", "serial", name="uq_asn_scan_serial"),
    )
    op.create_index("ix_asn_scan_asn", "asn_scan", ["asn_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_asn_scan_asn", table_name="asn_scan")
    op.drop_table("asn_scan")
    op.drop_table("asn_line")
    op.drop_index("ix_asn_store_status", table_name="asn")
    op.drop_table("asn")
