"""Discounts, price overrides and exchanges (issue 14 items 3 and 5).

On ``order_line``: the shelf price when the unit price was overridden, the line's own discount
(amount or percent), its share of an order discount, the reason, who gave it, who approved it
past the store's limit and when. On ``sale_order``: the order discount as given (with the same
record) and ``exchange_of``, the refund note whose credit an exchange sale carries. Additive:
nullable columns only, so every existing order reads as before.

Revision ID: 0018
Revises: 0015 (the head named when written; the lead re-chains)
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0015"
branch_labels = None
depends_on = None


def _record() -> list[sa.Column[object]]:
    return [
        sa.Column("discount", sa.Numeric(12, 2), nullable=True),
        sa.Column("discount_percent", sa.Numeric(6, 3), nullable=True),
        sa.Column("discount_reason", sa.String(200), nullable=True),
        sa.Column("discount_by", sa.String(32), nullable=True),
        sa.Column("discount_approved_by", sa.String(32), nullable=True),
        sa.Column("discount_at", sa.DateTime(), nullable=True),
    ]


def upgrade() -> None:
    for column in _record():
        op.add_column("order_line", column)
    op.add_column("order_line", sa.Column("list_price", sa.Numeric(12, 2), nullable=True))
    op.add_column("order_line", sa.Column("order_discount", sa.Numeric(12, 2), nullable=True))
    op.add_column(
        "order_line", sa.Column("order_discount_percent", sa.Numeric(6, 3), nullable=True)
    )
    for column in _record():
        op.add_column("sale_order", column)
    op.add_column("sale_order", sa.Column("exchange_of", sa.String(48), nullable=True))


def downgrade() -> None:
    names = [c.name for c in _record()]
    with op.batch_alter_table("sale_order") as batch:
        for name in [*names, "exchange_of"]:
            batch.drop_column(name)
    with op.batch_alter_table("order_line") as batch:
        for name in [*names, "list_price", "order_discount", "order_discount_percent"]:
            batch.drop_column(name)
