"""Five fewer pages written per counter sale on SQLite (issue 15): every table and index a
step's rows enter is one more page its commit writes and fsyncs, and a sale writes two
ledger events (the reservation and the sale).

- ``ix_serial_unit_reserved_line`` is dropped (SQLite and PostgreSQL). No query looks a unit
  up by the line holding it: a line's unit is found by its product and serial
  (``uq_serial_unit_product_serial``) and the holder is then read from the unit's row. The
  one reader was ``db check``'s reservation query (``state = 'reserved' OR reserved_line_id
  IS NOT NULL``), a full audit: on SQLite a scan of ``serial_unit`` with or without the
  index (EXPLAIN QUERY PLAN); on PostgreSQL (200k units, ANALYZEd) a BitmapOr of this index
  and a whole scan of ``ix_serial_unit_store_product_state`` (cost 3,211), now a scan of
  the table (4,440). A reservation entered the index and its sale took the entry out: two
  pages a sale.
- SQLite: ``event_feed.event_id`` loses its UNIQUE constraint (its automatic index): every
  ledger event entered it, and no query reads the feed by event (the feed is read by
  ``seq``, its rowid, or by ``ix_event_feed_store_seq``, and joined to its event by the
  event's primary key). An event is numbered once by construction (the feed trigger fires
  once per inserted event; events are append-only; db/bulk_events.py numbers each event it
  inserts once), and ``serialpos db check`` now counts the distinct events the feed numbers
  (db/feed.py ``tally``), so a twice-numbered event is still found. The table is copied
  (the rows keep their numbers) with the trigger dropped and made again around the copy, as
  0033 did. PostgreSQL keeps the constraint (its feed is numbered by a deferred trigger
  under concurrent writers, and the issue's pages are SQLite's).
- SQLite: ``ix_invoice_issued_at`` is dropped. The sales report's date range over every
  store now asks store by store (``store_id IN`` every store, services/reports.py), one
  range of ``ix_invoice_store_issued_at`` each (EXPLAIN QUERY PLAN: ``SEARCH invoice USING
  INDEX ix_invoice_store_issued_at (store_id=? AND issued_at>? AND issued_at<?)``, as it was
  ``... ix_invoice_issued_at (issued_at>? AND issued_at<?)``); a store's range used that
  index already. SQLite skips an index's leading column only with ``ANALYZE`` statistics,
  which a till does not keep, hence the rewrite. PostgreSQL keeps the index and the query.

Revision ID: 0036_sale_pages
Revises: 0035_journal_orders
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0036_sale_pages"
down_revision = "0035_journal_orders"
branch_labels = None
depends_on = None

RESERVED = ("ix_serial_unit_reserved_line", "serial_unit", "reserved_line_id")
BY_DATE = ("ix_invoice_issued_at", "invoice", ["issued_at"])
FEED_INDEX = "CREATE INDEX ix_event_feed_store_seq ON event_feed (store_id, seq)"
TRIGGER = "ledger_event_feed"

#: SQLite's event_feed as 0033 left it (``unique``) and as this revision makes it.
_FEED_TABLE = (
    "CREATE TABLE event_feed_copy (seq INTEGER NOT NULL, event_id INTEGER NOT NULL, "
    "store_id INTEGER, PRIMARY KEY (seq), {unique}"
    "FOREIGN KEY(event_id) REFERENCES ledger_event (id))"
)


def _sqlite_feed(*, unique: bool) -> None:
    """Copy SQLite's event_feed into a table with or without UNIQUE (event_id), keeping every
    row, its store index and the feed trigger (read back from the schema and made again as
    it was: the copy's rename must not meet a trigger naming a table that is gone)."""
    bind = op.get_bind()
    trigger = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (TRIGGER,)
    ).scalar()
    if trigger is not None:
        op.execute(f"DROP TRIGGER {TRIGGER}")
    op.execute(_FEED_TABLE.format(unique="UNIQUE (event_id), " if unique else ""))
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
    name, table, _column = RESERVED
    op.drop_index(name, table_name=table)
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_feed(unique=False)
        op.drop_index(BY_DATE[0], table_name=BY_DATE[1])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.create_index(*BY_DATE)
        _sqlite_feed(unique=True)
    name, table, column = RESERVED
    where = sa.text(f"{column} IS NOT NULL")
    op.create_index(name, table, [column], sqlite_where=where, postgresql_where=where)
