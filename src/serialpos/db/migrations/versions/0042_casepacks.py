"""The case packs counted on an ASN receipt are kept with its scans: ``asn_scan.case_pack``.

A case-pack ID the ASN lists, scanned while receiving, counts the units its ASN line lists,
once. Which cases were counted was the console's memory only: the count was saved (a scan
row of the quantity), the case's ID was not, so after the console restarted, or on another
terminal receiving the same ASN, the same carton scanned again counted its units again. The
count's row now names its case, and a unique index (one row per case per ASN; rows without a
case are not in it) refuses a second count of it, whichever terminal or session makes it.
A Rescan of the product deletes its rows, the case's with them, so the case counts again.

Revision ID: 0042_casepacks
Revises: 0041_salecpu
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0042_casepacks"
down_revision = "0041_salecpu"
branch_labels = None
depends_on = None

INDEX = "uq_asn_scan_case_pack"
HAS_CASE = sa.text("case_pack IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("asn_scan") as batch:
        batch.add_column(sa.Column("case_pack", sa.String(64), nullable=True))
    op.create_index(
        INDEX,
        "asn_scan",
        ["asn_id", "case_pack"],
        unique=True,
        sqlite_where=HAS_CASE,
        postgresql_where=HAS_CASE,
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="asn_scan")
    with op.batch_alter_table("asn_scan") as batch:
        batch.drop_column("case_pack")
