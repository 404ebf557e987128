"""Tax-inclusive prices: ``product.prices_include_tax`` and ``order_line.tax_included``.

A product's own value (the feed's ``PricesIncludeTax``; NULL follows the chain setting
``prices_include_tax``) and, on each order line, whether its unit price included the tax when
the line was added, so changing the setting never reprices an order already taken. Additive:
a nullable column and a column defaulting to false (every existing line excluded tax).

Revision ID: 0017
Revises: 0016 (the head on main when written; the lead may re-chain)
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("product", sa.Column("prices_include_tax", sa.Boolean(), nullable=True))
    op.add_column(
        "order_line",
        sa.Column("tax_included", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    with op.batch_alter_table("order_line") as batch:
        batch.drop_column("tax_included")
    with op.batch_alter_table("product") as batch:
        batch.drop_column("prices_include_tax")
