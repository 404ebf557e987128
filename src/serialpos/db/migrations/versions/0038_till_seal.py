"""Central remembers that a store terminal seals its journal: ``terminal_link.sealed_from``.

A till seals each journal entry (domain/entry_seal.py); central checked a seal that was sent
and took a line with none as a till made before seals ("its lines go on as before"). So a
line with no seal sent with a till's token, reusing the till's next sequence number and its
next order number, was applied, and the real till's next sale was refused ``number_taken``.
Central now keeps the first sealed entry's number it took from each terminal link (null: no
sealed entry seen yet); an unsealed entry numbered from there on is refused
``entry_tampered`` (services/entry_checks.py). Entries made before seals (numbered below
it) still go through, sent again or late.

Revision ID: 0038_till_seal
Revises: 0037_serial_case
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0038_till_seal"
down_revision = "0037_serial_case"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("terminal_link", sa.Column("sealed_from", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("terminal_link") as batch:
        batch.drop_column("sealed_from")
