"""The event feed numbered once per bulk batch on PostgreSQL (db/bulk_events.py).

Migration 0014's deferred trigger bumps the single counter row once per event at commit;
for a 100k-event ASN import that is 100k versions of one row in one transaction (minutes).
The trigger gains ``WHEN (current_setting('serialpos.feed_by_batch', true) IS DISTINCT FROM
'on')``: a bulk insert sets that for its own transaction only, inserts its events, sets it
back, and writes their feed rows in one statement (the same numbers, in the same order).
Every other insert sees the setting unset and is numbered by the trigger as before.

SQLite is unchanged (the bulk insert drops and re-creates its trigger inside its write
transaction, which only SQLite's single writer and transactional DDL make safe).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

_CREATE = (
    "CREATE CONSTRAINT TRIGGER ledger_event_feed AFTER INSERT ON ledger_event "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW {when}EXECUTE FUNCTION event_feed_stamp()"
)
_WHEN = "WHEN (current_setting('serialpos.feed_by_batch', true) IS DISTINCT FROM 'on') "


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute("DROP TRIGGER ledger_event_feed ON ledger_event")
    op.execute(_CREATE.format(when=_WHEN))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        return
    op.execute("DROP TRIGGER ledger_event_feed ON ledger_event")
    op.execute(_CREATE.format(when=""))
