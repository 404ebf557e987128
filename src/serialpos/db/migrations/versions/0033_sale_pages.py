"""Two fewer index pages per ledger event (issue 15): a counter sale writes two events, and
every index an event's rows enter is one more page its commit writes and fsyncs.

- ``ix_ledger_event_product_store`` is dropped (SQLite and PostgreSQL). No query asks for
  a product's events: the database check sums all events per (product, store) (a full
  read either way), a store's feed pull goes by ``ix_event_feed_store_seq`` (0028), and the
  one query that filtered events by product, central's newest event of a (SKU, serial),
  now goes by the unit (``ix_ledger_event_unit``, db/conflict_sql.py).
- SQLite: ``event_feed.seq`` becomes the table's rowid (``INTEGER PRIMARY KEY``). As
  ``BIGINT PRIMARY KEY`` it was a rowid table plus a unique index on ``seq``, so every event
  wrote both; now the rows are kept in ``seq`` order in the table itself, and the trigger's
  ``MAX(seq)`` is the table's last row. The table is copied (the feed's rows keep their
  numbers) and the feed trigger, which names it, is dropped and made again around the copy.
  PostgreSQL's ``bigint`` primary key is unchanged (it has no rowid).

Revision ID: 0033_sale_pages
Revises: 0031_sync_trust (the lead re-points it at 0032_conflict_ids on merge)
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0033_sale_pages"
down_revision = "0031_sync_trust"
branch_labels = None
depends_on = None

DROPPED = ("ix_ledger_event_product_store", "ledger_event", ["product_id", "store_id"])
FEED_INDEX = "CREATE INDEX ix_event_feed_store_seq ON event_feed (store_id, seq)"
TRIGGER = "ledger_event_feed"

#: event_feed as 0014 and 0028 left it on SQLite, and as this revision makes it.
_FEED_TABLE = (
    "CREATE TABLE event_feed_copy (seq {seq} NOT NULL, event_id INTEGER NOT NULL, "
    "store_id INTEGER, PRIMARY KEY (seq), UNIQUE (event_id), "
    "FOREIGN KEY(event_id) REFERENCES ledger_event (id))"
)


def _sqlite_feed(seq_type: str) -> None:
    """Copy SQLite's event_feed into a table whose ``seq`` is declared ``seq_type``, keeping
    every row, its index and the feed trigger (read back from the schema, made again as it
    was: the copy's rename must not meet a trigger naming a table that is gone)."""
    bind = op.get_bind()
    trigger = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (TRIGGER,)
    ).scalar()
    if trigger is not None:
        op.execute(f"DROP TRIGGER {TRIGGER}")
    op.execute(_FEED_TABLE.format(seq=seq_type))
    op.execute(
        "INSERT INTO event_feed_copy (seq, event_id, store_id) "
        "SELECT seq, event_id, store_id FROM event_feed ORDER BY seq"
    )
    op.execute("DROP TABLE event_feed")
    op.execute("ALTER TABLE event_feed_copy RENAME TO event_feed")
    op.execute(FEED_INDEX)
    if trigger is not None:
        op.execute(str(trigger))


def upgrade() -> None:
    name, table, _columns = DROPPED
    op.drop_index(name, table_name=table)
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_feed("INTEGER")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_feed("BIGINT")
    name, table, columns = DROPPED
    op.create_index(name, table, columns)
