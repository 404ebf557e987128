"""The scans of a transfer being received are saved as they are made: ``transfer_scan``.

Receiving a shipped transfer held its scans in the console's memory until completion: a
console that restarted (a crash, a power cut, a handheld's SSH link dropping) lost every
serial scanned so far, and a second terminal opening the same transfer saw none of them and
could count the same units again. As an ASN's receipt does (``asn_scan``, migration 0006),
each scan or count is now a row, saved in its own transaction as it is made; opening the
transfer again rebuilds the checklist from them, and completion receives them and deletes
them in its own transaction. A serial is saved once per transfer and product (a partial
unique index: count rows, without a serial, are not in it), so a second terminal's repeat is
an alert, never a second unit. Transfers list no case packs, so a row names none.

Revision ID: 0043_transferscans
Revises: 0042_casepacks
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0043_transferscans"
down_revision = "0042_casepacks"
branch_labels = None
depends_on = None

UNIQUE = "uq_transfer_scan_serial"
HAS_SERIAL = sa.text("serial IS NOT NULL")


def upgrade() -> None:
    op.create_table(
        "transfer_scan",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("transfer_id", sa.Integer(), sa.ForeignKey("transfer.id"), nullable=False),
        sa.Column("sku", sa.String(64), nullable=False),
        sa.Column("serial", sa.String(64), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("scanned_at", sa.DateTime(), nullable=False),
        sa.Column("user_name", sa.String(32), nullable=False),
    )
    op.create_index("ix_transfer_scan_transfer", "transfer_scan", ["transfer_id", "id"])
    op.create_index(
        UNIQUE,
        "transfer_scan",
        ["transfer_id", "sku", "serial"],
        unique=True,
        sqlite_where=HAS_SERIAL,
        postgresql_where=HAS_SERIAL,
    )


def downgrade() -> None:
    op.drop_index(UNIQUE, table_name="transfer_scan")
    op.drop_index("ix_transfer_scan_transfer", table_name="transfer_scan")
    op.drop_table("transfer_scan")
