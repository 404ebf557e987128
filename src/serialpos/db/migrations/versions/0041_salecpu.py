"""A page fewer written per counter sale on SQLite (issue 15): every order entered
``ix_sale_order_created_at`` (its insert's commit wrote that index's last page), though only
delivery orders are ever looked up by their date.

The index's three readers, and how they go now (EXPLAIN QUERY PLAN in
tests/db/test_migration_0041_salecpu.py):

- the run sheet (services/picking.py): a store's delivery orders opened on a day, open or
  fulfilled. It now asks ``delivery = 'delivery'`` as a literal (a partial index is used
  only when the query's terms name its condition's value) and goes by the new partial
  ``ix_sale_order_delivery_day`` (store, created_at) WHERE delivery = 'delivery': one range
  of the store's delivery orders of the day, as before, without the counter's cash-and-carry
  orders in the index at all;
- the pick list: a store's OPEN orders, optionally of a day: ``ix_sale_order_store_status``
  (store_id=? AND status=?), as it went before;
- the fulfilment report: open or parked orders, optionally of a store and a date range. With
  no store it asks store by store on SQLite (``store_id IN`` every store, as the sales
  report does since 0036: SQLite skips a leading column only with ``ANALYZE`` statistics),
  each store's waiting orders one range of ``ix_sale_order_store_status``; a date range then
  filters those (waiting orders are the few not yet handed over, where the date index read
  every order of the range, fulfilled ones included).

PostgreSQL keeps ``ix_sale_order_created_at`` (its planner has statistics; its pages are the
server's) and gets the same partial index for the run sheet.

Revision ID: 0041_salecpu
Revises: 0040_till_last_seq
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0041_salecpu"
down_revision = "0040_till_last_seq"
branch_labels = None
depends_on = None

BY_DATE = ("ix_sale_order_created_at", "sale_order", ["created_at"])
DELIVERY_DAY = "ix_sale_order_delivery_day"
DELIVERY = sa.text("delivery = 'delivery'")


def upgrade() -> None:
    op.create_index(
        DELIVERY_DAY,
        "sale_order",
        ["store_id", "created_at"],
        sqlite_where=DELIVERY,
        postgresql_where=DELIVERY,
    )
    if op.get_bind().dialect.name == "sqlite":
        op.drop_index(BY_DATE[0], table_name=BY_DATE[1])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.create_index(*BY_DATE)
    op.drop_index(DELIVERY_DAY, table_name="sale_order")
