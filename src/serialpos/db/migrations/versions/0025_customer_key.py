"""A customer record's chain-wide key: ``customer.key`` (issue 16).

A record made at a store terminal gets its key there, offline, and keeps it at central and on
every other terminal of the chain: the terminal's journaled ``customer_upsert`` finds the
record by it (a resend never makes a second one), and terminals take central's records by it
(their local ids differ). ``updated_at`` is indexed: a terminal asks for the records changed
since its last look. Additive: a nullable column with a unique index, an index; every existing
record is given a key.

Revision ID: 0025_terminal_counter2
Revises: 0024 (unit leases)
Create Date: 2026-12-03
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("customer", sa.Column("key", sa.String(40), nullable=True))
    bind = op.get_bind()
    customer = sa.table("customer", sa.column("id", sa.Integer()), sa.column("key", sa.String()))
    ids = [row[0] for row in bind.execute(sa.select(customer.c.id))]
    for cid in ids:
        bind.execute(sa.update(customer).where(customer.c.id == cid).values(key=uuid.uuid4().hex))
    op.create_index("ix_customer_key", "customer", ["key"], unique=True)
    op.create_index("ix_customer_updated_at", "customer", ["updated_at"])


def downgrade() -> None:
    op.drop_index("ix_customer_updated_at", table_name="customer")
    op.drop_index("ix_customer_key", table_name="customer")
    with op.batch_alter_table("customer") as batch:
        batch.drop_column("key")
