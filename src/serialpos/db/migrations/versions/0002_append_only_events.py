"""Make the ledger append-only in the database itself: refuse UPDATE and DELETE of events.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MESSAGE = "ledger events are append-only"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER ledger_event_no_{verb.lower()} BEFORE {verb} ON ledger_event "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )
        return
    op.execute(
        "CREATE FUNCTION ledger_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$"
    )
    op.execute(
        "CREATE TRIGGER ledger_event_append_only BEFORE UPDATE OR DELETE ON ledger_event "
        "FOR EACH ROW EXECUTE FUNCTION ledger_event_append_only()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER ledger_event_no_update")
        op.execute("DROP TRIGGER ledger_event_no_delete")
        return
    op.execute("DROP TRIGGER ledger_event_append_only ON ledger_event")
    op.execute("DROP FUNCTION ledger_event_append_only()")
