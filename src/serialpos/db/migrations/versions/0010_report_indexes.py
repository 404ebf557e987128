"""Report indexes: the sales report and its export filter invoices by date and store, and
invoice lines by serial and SKU ("who bought this serial" must not scan every line sold).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

#: (index, table, columns)
INDEXES = (
    ("ix_invoice_issued_at", "invoice", ["issued_at"]),
    ("ix_invoice_store_issued_at", "invoice", ["store_id", "issued_at"]),
    ("ix_invoice_line_serial", "invoice_line", ["serial"]),
    ("ix_invoice_line_sku", "invoice_line", ["sku"]),
    ("ix_sale_order_created_at", "sale_order", ["created_at"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
