"""Packages: a product may be a package of other products.

``product.package_type`` is NULL for an ordinary product, ``consolidated`` for a package sold
as one serialized box, or ``exploded`` for a package whose components each follow their own
serial mode. ``product_component`` lists a package's components with their quantities.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

CHECK = "package_type IS NULL OR package_type IN ('consolidated', 'exploded')"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # A plain ADD COLUMN with its CHECK: a batch rebuild of ``product`` would drop a table
        # that others reference while foreign keys are enforced.
        op.execute(
            "ALTER TABLE product ADD COLUMN package_type VARCHAR(16) "
            f"CONSTRAINT ck_product_package_type CHECK ({CHECK})"
        )
    else:
        op.add_column("product", sa.Column("package_type", sa.String(length=16), nullable=True))
        op.create_check_constraint("ck_product_package_type", "product", CHECK)
    op.create_table(
        "product_component",
        sa.Column("package_id", sa.Integer(), nullable=False),
        sa.Column("component_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.CheckConstraint("quantity > 0", name="ck_product_component_quantity"),
        sa.CheckConstraint("package_id <> component_id", name="ck_product_component_not_self"),
        sa.ForeignKeyConstraint(["package_id"], ["product.id"]),
        sa.ForeignKeyConstraint(["component_id"], ["product.id"]),
        sa.PrimaryKeyConstraint("package_id", "component_id"),
    )
    op.create_index("ix_product_component_component_id", "product_component", ["component_id"])


def downgrade() -> None:
    op.drop_index("ix_product_component_component_id", table_name="product_component")
    op.drop_table("product_component")
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE product DROP COLUMN package_type")
    else:
        op.drop_constraint("ck_product_package_type", "product", type_="check")
        op.drop_column("product", "package_type")
