"""Offline store terminals: the terminal's journal and sync state, central's terminal links
and sync conflicts (db/sync_tables.py).

Revision ID: 0015
Revises: 0016
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "journal_entry",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("seq", sa.Integer(), nullable=False, unique=True),
        sa.Column("terminal", sa.String(64), nullable=False),
        sa.Column("user_name", sa.String(32), nullable=False),
        sa.Column("made_at", sa.DateTime(), nullable=False),
        sa.Column("line", sa.Text(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("settled_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "state IN ('pending', 'accepted', 'conflict', 'refused')", name="ck_journal_entry_state"
        ),
    )
    op.create_index("ix_journal_entry_state_seq", "journal_entry", ["state", "seq"])
    op.create_table(
        "sync_state",
        sa.Column("key", sa.String(32), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
    )
    op.create_table(
        "terminal_link",
        sa.Column("api_terminal", sa.String(64), primary_key=True),
        sa.Column("terminal_id", sa.String(64), nullable=False),
        sa.Column("store_id", sa.Integer(), sa.ForeignKey("store.id"), nullable=False),
        sa.Column("linked_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "sync_conflict",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("entry_id", sa.String(128), nullable=False, unique=True),
        sa.Column("terminal", sa.String(64), nullable=False),
        sa.Column("entry_seq", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), sa.ForeignKey("store.id"), nullable=False),
        sa.Column("product_id", sa.Integer(), sa.ForeignKey("product.id"), nullable=True),
        sa.Column("serial", sa.String(64), nullable=True),
        sa.Column("first_event_id", sa.Integer(), sa.ForeignKey("ledger_event.id"), nullable=True),
        sa.Column("entry_line", sa.Text(), nullable=False),
        sa.Column("error", sa.String(32), nullable=False),
        sa.Column("message", sa.String(400), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_by", sa.String(32), nullable=True),
        sa.Column("resolution", sa.String(24), nullable=True),
        sa.Column("note", sa.String(200), nullable=True),
        sa.CheckConstraint("status IN ('open', 'resolved')", name="ck_sync_conflict_status"),
    )
    op.create_index("ix_sync_conflict_status", "sync_conflict", ["status"])
    op.create_index("ix_sync_conflict_serial", "sync_conflict", ["serial"])


def downgrade() -> None:
    op.drop_table("sync_conflict")
    op.drop_table("terminal_link")
    op.drop_table("sync_state")
    op.drop_table("journal_entry")
