"""Orders: sale orders, their lines and payments, invoices with snapshot lines, and the
per-store document number counters.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _money(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.Numeric(12, 2), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "sale_order",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("number", sa.String(40), nullable=False, unique=True),
        sa.Column("store_id", sa.Integer(), sa.ForeignKey("store.id"), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("delivery", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("customer_name", sa.String(100), nullable=True),
        sa.Column("customer_phone", sa.String(40), nullable=True),
        sa.Column("customer_address", sa.String(200), nullable=True),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("terminal", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            _in("type", ("sale", "special_order", "layby")), name="ck_sale_order_type"
        ),
        sa.CheckConstraint(
            _in("delivery", ("cash_and_carry", "pickup", "delivery")), name="ck_sale_order_delivery"
        ),
        sa.CheckConstraint(
            _in("status", ("open", "parked", "fulfilled", "voided")), name="ck_sale_order_status"
        ),
    )
    op.create_index("ix_sale_order_store_status", "sale_order", ["store_id", "status"])
    op.create_table(
        "invoice",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("number", sa.String(48), nullable=False, unique=True),
        sa.Column("store_id", sa.Integer(), sa.ForeignKey("store.id"), nullable=False),
        sa.Column("order_id", sa.Integer(), sa.ForeignKey("sale_order.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("refers_to", sa.String(200), nullable=True),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        _money("net"),
        _money("tax"),
        _money("total"),
        _money("change_due"),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.CheckConstraint(_in("kind", ("Invoice", "Refund")), name="ck_invoice_kind"),
    )
    op.create_index("ix_invoice_order_id", "invoice", ["order_id"])
    op.create_table(
        "order_line",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("order_id", sa.Integer(), sa.ForeignKey("sale_order.id"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), sa.ForeignKey("product.id"), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        _money("unit_price"),
        sa.Column("tax_rate", sa.Numeric(6, 3), nullable=False),
        sa.Column("serial", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("package_line", sa.Integer(), nullable=True),
        sa.Column("invoice_id", sa.Integer(), sa.ForeignKey("invoice.id"), nullable=True),
        sa.Column("refund_invoice_id", sa.Integer(), sa.ForeignKey("invoice.id"), nullable=True),
        sa.UniqueConstraint("order_id", "number", name="uq_order_line_number"),
        sa.CheckConstraint(
            _in("status", ("open", "fulfilled", "returned", "removed")), name="ck_order_line_status"
        ),
    )
    op.create_index("ix_order_line_order_id", "order_line", ["order_id"])
    op.create_index("ix_order_line_product_serial", "order_line", ["product_id", "serial"])
    op.create_index("ix_order_line_serial", "order_line", ["serial"])
    op.create_table(
        "order_payment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("order_id", sa.Integer(), sa.ForeignKey("sale_order.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        _money("amount"),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_name", sa.String(32), nullable=False),
        sa.Column("invoice_id", sa.Integer(), sa.ForeignKey("invoice.id"), nullable=True),
        sa.CheckConstraint(
            _in("kind", ("payment", "change", "refund")), name="ck_order_payment_kind"
        ),
    )
    op.create_index("ix_order_payment_order_id", "order_payment", ["order_id"])
    op.create_table(
        "invoice_line",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("invoice_id", sa.Integer(), sa.ForeignKey("invoice.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), sa.ForeignKey("order_line.id"), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        _money("unit_price"),
        sa.Column("tax_rate", sa.Numeric(6, 3), nullable=False),
        _money("net"),
        _money("tax"),
        _money("total"),
        sa.Column("serial", sa.String(64), nullable=True),
    )
    op.create_index("ix_invoice_line_invoice_id", "invoice_line", ["invoice_id"])
    op.create_table(
        "document_counter",
        sa.Column("store_id", sa.Integer(), sa.ForeignKey("store.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("store_id", "kind"),
    )


def downgrade() -> None:
    for table in (
        "document_counter",
        "invoice_line",
        "order_payment",
        "order_line",
        "invoice",
        "sale_order",
    ):
        op.drop_table(table)
