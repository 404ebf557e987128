"""Customer records: ``customer`` (name, phone, email, address and a folded search key) and
``sale_order.customer_id``, the record an order was sold to.

The order keeps its own copy of the name, phone and address (the delivery gate and the picking
list read them, and an order sold before this revision names a customer without a record);
readers that answer "who bought serial X" prefer the record's name when the order has one.
Additive: a new table, a nullable column and its index. On SQLite the column carries no
foreign-key constraint (adding one would rebuild ``sale_order``); the service checks the id.

Revision ID: 0021
Revises: 0018 (discounts and exchanges)
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customer",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("phone", sa.String(40), nullable=True),
        sa.Column("email", sa.String(120), nullable=True),
        sa.Column("address", sa.String(200), nullable=True),
        sa.Column("search_key", sa.String(600), nullable=False),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_customer_name", "customer", ["name"])
    op.add_column("sale_order", sa.Column("customer_id", sa.Integer(), nullable=True))
    op.create_index("ix_sale_order_customer_id", "sale_order", ["customer_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.create_foreign_key(
            "fk_sale_order_customer_id", "sale_order", "customer", ["customer_id"], ["id"]
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint("fk_sale_order_customer_id", "sale_order", type_="foreignkey")
    op.drop_index("ix_sale_order_customer_id", table_name="sale_order")
    with op.batch_alter_table("sale_order") as batch:
        batch.drop_column("customer_id")
    op.drop_index("ix_customer_name", table_name="customer")
    op.drop_table("customer")
