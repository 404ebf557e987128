"""User administration: names unique regardless of case, an audit of every change to a user,
the stores a user may log in at, and the PIN lockout counters.

Existing names that differ only by case (``Ada`` and ``ada``): the oldest (lowest id) keeps its
name; each later one is renamed ``<name>~<id>`` (cut to fit 32 characters) and **disabled**, and
an audit row says so. Nothing is deleted: ledger events keep the name they were written with,
and an admin can enable and rename-by-re-adding as they see fit.

Revision ID: 0013
Revises: 0011 (given as 0010; chained after main's head 0011 so the branch has one head)
Create Date: 2026-12-02
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(sa.Column("name_key", sa.String(32), nullable=True))
    op.create_table(
        "user_audit",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(32), nullable=False),
        sa.Column("terminal", sa.String(64), nullable=False),
        sa.Column("user_name", sa.String(64), nullable=False),
        sa.Column("action", sa.String(24), nullable=False),
        sa.Column("detail", sa.String(200), nullable=True),
    )
    op.create_index("ix_user_audit_user_name", "user_audit", ["user_name", "at"])
    op.create_table(
        "user_store",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("app_user.id"), primary_key=True),
        sa.Column("store_id", sa.Integer(), sa.ForeignKey("store.id"), primary_key=True),
    )
    op.create_table(
        "login_lock",
        sa.Column("name_key", sa.String(64), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
    )
    _fill_name_keys()
    op.create_index("uq_app_user_name_key", "app_user", ["name_key"], unique=True)


def _fill_name_keys() -> None:
    conn = op.get_bind()
    users = sa.table(
        "app_user",
        sa.column("id", sa.Integer()),
        sa.column("name", sa.String()),
        sa.column("name_key", sa.String()),
        sa.column("active", sa.Boolean()),
    )
    audit = sa.table(
        "user_audit",
        sa.column("at", sa.DateTime()),
        sa.column("actor", sa.String()),
        sa.column("terminal", sa.String()),
        sa.column("user_name", sa.String()),
        sa.column("action", sa.String()),
        sa.column("detail", sa.String()),
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    taken: set[str] = set()
    rows = conn.execute(sa.select(users.c.id, users.c.name).order_by(users.c.id)).all()
    for user_id, name in rows:
        key = name.casefold()
        values: dict[str, object] = {"name_key": key}
        if key in taken:
            suffix = f"~{user_id}"
            new_name = name[: 32 - len(suffix)] + suffix
            key = new_name.casefold()
            values = {"name": new_name, "name_key": key, "active": False}
            conn.execute(
                sa.insert(audit).values(
                    at=now,
                    actor="system",
                    terminal="migration 0013",
                    user_name=new_name,
                    action="renamed",
                    detail=f"was '{name}', which differs only by case from an older user; disabled",
                )
            )
        taken.add(key)
        conn.execute(sa.update(users).where(users.c.id == user_id).values(**values))


def downgrade() -> None:
    op.drop_index("uq_app_user_name_key", table_name="app_user")
    op.drop_table("login_lock")
    op.drop_table("user_store")
    op.drop_index("ix_user_audit_user_name", table_name="user_audit")
    op.drop_table("user_audit")
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("name_key")
