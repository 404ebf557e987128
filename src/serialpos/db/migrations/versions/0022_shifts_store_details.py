"""Till shifts and the store's printed details (issue 14).

``shift`` (one per terminal's shift, a partial unique index allows one open shift per
terminal), ``order_payment.shift_id`` (the shift the money moved in), and setting values wide
enough for text: a store's address and tax number are store settings beside the switches.
Additive: a new table, a nullable column, wider VARCHARs (SQLite does not enforce VARCHAR
lengths, so only PostgreSQL alters them).

Revision ID: 0022
Revises: 0021 (customers)
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "shift",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), sa.ForeignKey("store.id"), nullable=False),
        sa.Column("terminal", sa.String(64), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("opened_by", sa.String(32), nullable=False),
        sa.Column("opening_float", sa.Numeric(12, 2), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by", sa.String(32), nullable=True),
        sa.Column("counted_cash", sa.Numeric(12, 2), nullable=True),
        sa.Column("expected_cash", sa.Numeric(12, 2), nullable=True),
        sa.UniqueConstraint("store_id", "number", name="uq_shift_store_number"),
    )
    op.create_index(
        "uq_shift_open_terminal",
        "shift",
        ["store_id", "terminal"],
        unique=True,
        sqlite_where=sa.text("closed_at IS NULL"),
        postgresql_where=sa.text("closed_at IS NULL"),
    )
    # A plain ADD COLUMN (SQLite takes its REFERENCES clause): no table copy, so the payment
    # table keeps its CHECK constraints untouched. Alembic will not write that for SQLite.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE order_payment ADD COLUMN shift_id INTEGER REFERENCES shift (id)")
    else:
        op.add_column(
            "order_payment",
            sa.Column(
                "shift_id",
                sa.Integer(),
                sa.ForeignKey("shift.id", name="fk_order_payment_shift"),
                nullable=True,
            ),
        )
    op.create_index("ix_order_payment_shift_id", "order_payment", ["shift_id"])
    if op.get_bind().dialect.name == "postgresql":
        for table in ("store_setting", "chain_setting"):
            op.alter_column(table, "value", type_=sa.String(200), existing_nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DELETE FROM store_setting WHERE length(value) > 16")
        for table in ("store_setting", "chain_setting"):
            op.alter_column(table, "value", type_=sa.String(16), existing_nullable=False)
    op.drop_index("ix_order_payment_shift_id", table_name="order_payment")
    with op.batch_alter_table("order_payment") as batch:
        batch.drop_column("shift_id")
    op.drop_index("uq_shift_open_terminal", table_name="shift")
    op.drop_table("shift")
