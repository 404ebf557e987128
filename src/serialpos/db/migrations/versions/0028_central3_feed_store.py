"""The event feed's rows carry their event's store, indexed with the feed number (issue 16).

A store terminal pulls its store's events after its cursor after every push. The pull read
them through ``ix_ledger_event_product_store`` (product first): the store-only condition
read the whole index, or every event of the store, to keep the few after the cursor, a cost
growing with the ledger. With ``event_feed.store_id`` and ``ix_event_feed_store_seq``
(store, seq) the page is one range of that index, as long as the page.

The store is copied from the event by the feed's writers: the triggers of 0014 (SQLite) and
0014/0023 (PostgreSQL's ``event_feed_stamp``), and db/bulk_events.py for a batch. Existing
rows are filled from their events. The column is left nullable (SQLite cannot add a NOT NULL
column without a default); every writer fills it.

Revision ID: 0028_central3
Revises: 0027_terminal_reverse
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0028_central3"
down_revision = "0027_terminal_reverse"
branch_labels = None
depends_on = None

INDEX = "ix_event_feed_store_seq"

_SQLITE_TRIGGER = (
    "CREATE TRIGGER ledger_event_feed AFTER INSERT ON ledger_event BEGIN "
    "INSERT INTO event_feed (seq, event_id{store}) "
    "VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM event_feed), NEW.id{new_store}); END"
)
_PG_STAMP = (
    "CREATE OR REPLACE FUNCTION event_feed_stamp() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "DECLARE n bigint; BEGIN "
    "UPDATE event_feed_counter SET last_seq = last_seq + 1 WHERE id = 1 "
    "RETURNING last_seq INTO n; "
    "INSERT INTO event_feed (seq, event_id{store}) VALUES (n, NEW.id{new_store}); "
    "RETURN NULL; END $$"
)


def upgrade() -> None:
    op.add_column("event_feed", sa.Column("store_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE event_feed SET store_id = "
        "(SELECT e.store_id FROM ledger_event e WHERE e.id = event_feed.event_id)"
    )
    op.create_index(INDEX, "event_feed", ["store_id", "seq"])
    with_store = {"store": ", store_id", "new_store": ", NEW.store_id"}
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER ledger_event_feed")
        op.execute(_SQLITE_TRIGGER.format(**with_store))
    else:
        op.execute(_PG_STAMP.format(**with_store))


def downgrade() -> None:
    without = {"store": "", "new_store": ""}
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER ledger_event_feed")
        op.execute(_SQLITE_TRIGGER.format(**without))
    else:
        op.execute(_PG_STAMP.format(**without))
    op.drop_index(INDEX, "event_feed")
    op.drop_column("event_feed", "store_id")
