"""Idempotent apply, the event feed and API tokens: ``apply_outcome`` (one row per applied
line id), ``event_feed`` (a gap-free, commit-ordered number for every ledger event) and
``api_token`` (bearer tokens of ``serialpos serve``, kept as hashes).

The feed number is assigned by a trigger on ``ledger_event``. On PostgreSQL it is a deferred
constraint trigger, so it runs as the writing transaction commits and takes the single-row
counter's lock only for the commit itself: the next writer's number waits for that commit,
so numbers are visible in order, with no gaps (a rolled-back transaction takes its numbers
back). SQLite has one writer at a time (``BEGIN IMMEDIATE``), so a plain trigger taking
``max(seq) + 1`` gives the same guarantees. Existing events are numbered in id order.

Revision ID: 0014
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "apply_outcome",
        sa.Column("id", sa.String(128), primary_key=True),
        sa.Column("body_sha256", sa.String(64), nullable=False),
        sa.Column("op", sa.String(32), nullable=False),
        sa.Column("user_name", sa.String(32), nullable=False),
        sa.Column("terminal", sa.String(64), nullable=False),
        sa.Column("applied_at", sa.DateTime(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("secret_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("created_by", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "event_feed",
        sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column(
            "event_id", sa.Integer(), sa.ForeignKey("ledger_event.id"), nullable=False, unique=True
        ),
    )
    op.execute(
        "INSERT INTO event_feed (seq, event_id) "
        "SELECT ROW_NUMBER() OVER (ORDER BY id), id FROM ledger_event"
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            "CREATE TRIGGER ledger_event_feed AFTER INSERT ON ledger_event BEGIN "
            "INSERT INTO event_feed (seq, event_id) "
            "VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM event_feed), NEW.id); END"
        )
        return
    op.create_table(
        "event_feed_counter",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_event_feed_counter_one_row"),
    )
    op.execute(
        "INSERT INTO event_feed_counter (id, last_seq) "
        "SELECT 1, COALESCE(MAX(seq), 0) FROM event_feed"
    )
    op.execute(
        "CREATE FUNCTION event_feed_stamp() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "DECLARE n bigint; BEGIN "
        "UPDATE event_feed_counter SET last_seq = last_seq + 1 WHERE id = 1 "
        "RETURNING last_seq INTO n; "
        "INSERT INTO event_feed (seq, event_id) VALUES (n, NEW.id); "
        "RETURN NULL; END $$"
    )
    op.execute(
        "CREATE CONSTRAINT TRIGGER ledger_event_feed AFTER INSERT ON ledger_event "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION event_feed_stamp()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER ledger_event_feed")
    else:
        op.execute("DROP TRIGGER ledger_event_feed ON ledger_event")
        op.execute("DROP FUNCTION event_feed_stamp()")
        op.drop_table("event_feed_counter")
    op.drop_table("event_feed")
    op.drop_table("api_token")
    op.drop_table("apply_outcome")
