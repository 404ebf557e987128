"""Three fewer pages written per counter sale on SQLite (issue 15): every table and index a
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
- SQLite: ``ix_invoice_issued_at`` is dropped. The sales report's date range over every
  store now asks store by store (``store_id IN`` every store, services/reports.py), one
  range of ``ix_invoice_store_issued_at`` each (EXPLAIN QUERY PLAN: ``SEARCH invoice USING
  INDEX ix_invoice_store_issued_at (store_id=? AND issued_at>? AND issued_at<?)``, as it was
  ``... ix_invoice_issued_at (issued_at>? AND issued_at<?)``); a store's range used that
  index already. SQLite skips an index's leading column only with ``ANALYZE`` statistics,
  which a till does not keep, hence the rewrite. PostgreSQL keeps the index and the query.

The feed's UNIQUE (event_id) stays on both databases, though every ledger event writes a
page of it (two a sale): it is the database's own refusal of an event numbered twice, and
a serialized-inventory ledger keeps its guards over a page.

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


def upgrade() -> None:
    name, table, _column = RESERVED
    op.drop_index(name, table_name=table)
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index(BY_DATE[0], table_name=BY_DATE[1])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.create_index(*BY_DATE)
    name, table, column = RESERVED
    where = sa.text(f"{column} IS NOT NULL")
    op.create_index(name, table, [column], sqlite_where=where, postgresql_where=where)
