"""Event-file outbox and the header of one-step stock documents.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("event_type", sa.String(24), nullable=False),
        sa.Column("document_id", sa.String(64), nullable=False),
        sa.Column("store", sa.String(16), nullable=False),
        sa.Column("completed_at", sa.DateTime(), nullable=False),
        sa.Column("user_name", sa.String(32), nullable=False),
        sa.Column("rows", sa.Text(), nullable=False),
        sa.Column("written_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("event_type", "document_id", name="uq_event_outbox_document"),
    )
    op.create_index("ix_event_outbox_owed", "event_outbox", ["written_at"])
    op.create_index("ix_event_outbox_document_id", "event_outbox", ["document_id"])
    op.create_table(
        "stock_document",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("number", sa.String(64), nullable=False, unique=True),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("store_id", sa.Integer(), sa.ForeignKey("store.id"), nullable=False),
        sa.Column("vendor", sa.String(100), nullable=True),
        sa.Column("reference", sa.String(64), nullable=True),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("terminal", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("stock_document")
    op.drop_index("ix_event_outbox_document_id", table_name="event_outbox")
    op.drop_index("ix_event_outbox_owed", table_name="event_outbox")
    op.drop_table("event_outbox")
