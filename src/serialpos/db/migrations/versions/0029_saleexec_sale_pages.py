"""Fewer index pages written per sale (issue 15): every index a sale's row enters is one more
page its commit writes and fsyncs (SQLite: each page costs about as much CPU as a small
statement, and the floor writes two).

- ``ix_order_line_order_id`` is dropped: ``uq_order_line_number`` (order_id, number) finds an
  order's lines as well (its first column), for queries and foreign-key checks alike.
- ``ix_order_line_product_serial`` is dropped: ``ix_order_line_serial`` finds the lines of a
  serial (a handful at most), which is what a (product, serial) lookup reads too; the
  returns, lookups and reports that ask by serial alone could never use the pair.
- ``ix_serial_unit_reserved_line``, ``ix_sale_order_customer_id`` and
  ``ix_order_payment_shift_id`` hold only rows whose column is set (partial, ``IS NOT
  NULL``): every query of them asks for one value (``= ?``), which both databases answer
  from a partial index, while a unit in stock, an order without a customer and a payment
  outside a shift (most of them) are no longer entered, and a unit's reservation and sale
  each touch one entry of the index instead of two.

The invoice's ``ix_invoice_issued_at`` and ``ix_invoice_store_issued_at`` stay: the sales
report asks by date for all stores (the first) and by store and date (the second); neither
serves the other without statistics SQLite does not keep.

Revision ID: 0029_saleexec
Revises: 0028_central3
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029_saleexec"
down_revision = "0028_central3"
branch_labels = None
depends_on = None

#: (index, table, column): made partial, only the rows where the column is set.
PARTIAL = (
    ("ix_serial_unit_reserved_line", "serial_unit", "reserved_line_id"),
    ("ix_sale_order_customer_id", "sale_order", "customer_id"),
    ("ix_order_payment_shift_id", "order_payment", "shift_id"),
)
#: (index, table, columns): dropped, another index serves their queries.
DROPPED = (
    ("ix_order_line_order_id", "order_line", ["order_id"]),
    ("ix_order_line_product_serial", "order_line", ["product_id", "serial"]),
)


def _set(column: str) -> sa.TextClause:
    return sa.text(f"{column} IS NOT NULL")


def upgrade() -> None:
    for name, table, column in PARTIAL:
        op.drop_index(name, table_name=table)
        op.create_index(
            name, table, [column], sqlite_where=_set(column), postgresql_where=_set(column)
        )
    for name, table, _columns in DROPPED:
        op.drop_index(name, table_name=table)


def downgrade() -> None:
    for name, table, columns in reversed(DROPPED):
        op.create_index(name, table, columns)
    for name, table, column in reversed(PARTIAL):
        op.drop_index(name, table_name=table)
        op.create_index(name, table, [column])
