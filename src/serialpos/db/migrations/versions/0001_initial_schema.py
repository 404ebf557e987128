"""Initial schema: stores, settings, users, products, serial units, stock, ledger events.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 19:25:40.657150
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("pin_hash", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "role IN ('cashier', 'stockroom', 'manager', 'admin')", name="ck_user_role"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "chain_setting",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "product",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("serial_mode", sa.String(length=16), nullable=False),
        sa.Column("serial_format", sa.String(length=200), nullable=True),
        sa.Column("tax_rate", sa.Numeric(precision=6, scale=3), nullable=True),
        sa.Column("warranty_months", sa.Integer(), nullable=True),
        sa.Column("bin", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "serial_mode IN ('required', 'optional', 'disabled')", name="ck_product_serial_mode"
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sku"),
    )
    op.create_table(
        "store",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code"),
    )
    op.create_table(
        "product_barcode",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("gtin", sa.String(length=14), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("gtin"),
    )
    with op.batch_alter_table("product_barcode", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_product_barcode_product_id"), ["product_id"], unique=False
        )

    op.create_table(
        "serial_unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "state IN ('expected', 'in_stock', 'reserved', 'sold', 'in_transit', 'returned_to_vendor', 'written_off')",
            name="ck_serial_unit_state",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["store.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("product_id", "serial", name="uq_serial_unit_product_serial"),
    )
    with op.batch_alter_table("serial_unit", schema=None) as batch_op:
        batch_op.create_index("ix_serial_unit_serial", ["serial"], unique=False)
        batch_op.create_index(
            "ix_serial_unit_store_product_state", ["store_id", "product_id", "state"], unique=False
        )

    op.create_table(
        "stock_level",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["store.id"],
        ),
        sa.PrimaryKeyConstraint("product_id", "store_id"),
    )
    op.create_table(
        "store_setting",
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["store.id"],
        ),
        sa.PrimaryKeyConstraint("store_id", "key"),
    )
    op.create_table(
        "ledger_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("user_name", sa.String(length=32), nullable=False),
        sa.Column("terminal", sa.String(length=64), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("serial", sa.String(length=64), nullable=True),
        sa.Column("from_state", sa.String(length=24), nullable=True),
        sa.Column("to_state", sa.String(length=24), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("document_type", sa.String(length=24), nullable=True),
        sa.Column("document_id", sa.String(length=64), nullable=True),
        sa.Column("document_line", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["store.id"],
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"],
            ["serial_unit.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("ledger_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ledger_event_document", ["document_type", "document_id"], unique=False
        )
        batch_op.create_index(
            "ix_ledger_event_product_store", ["product_id", "store_id"], unique=False
        )
        batch_op.create_index("ix_ledger_event_unit", ["unit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ledger_event", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_event_unit")
        batch_op.drop_index("ix_ledger_event_product_store")
        batch_op.drop_index("ix_ledger_event_document")

    op.drop_table("ledger_event")
    op.drop_table("store_setting")
    op.drop_table("stock_level")
    with op.batch_alter_table("serial_unit", schema=None) as batch_op:
        batch_op.drop_index("ix_serial_unit_store_product_state")
        batch_op.drop_index("ix_serial_unit_serial")

    op.drop_table("serial_unit")
    with op.batch_alter_table("product_barcode", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_product_barcode_product_id"))

    op.drop_table("product_barcode")
    op.drop_table("store")
    op.drop_table("product")
    op.drop_table("chain_setting")
    op.drop_table("app_user")
