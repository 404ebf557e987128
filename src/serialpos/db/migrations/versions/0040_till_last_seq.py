"""Central keeps each store terminal's last journal number: ``terminal_link.last_seq``.

A till numbers its journal entries (``journal.seq``, 1, 2, 3… in the order it made them) and
sends them in that order; central recorded each under its id alone and kept no number per
till, so it could not say how far a till had sent, and a gap (entries that never reached it:
a central restored from an older backup, a journal that lost entries) or a rewind (a till
restored from an older copy of its database, numbering anew what central already took) went
unseen at central. Central now keeps the highest entry number it took from each terminal
link (null: none since this migration) and names a gap or a rewind in the verdict of the
entry that shows it, applying the entry all the same (services/till_seqs.py): nothing is
refused for it, so nothing is lost.

Revision ID: 0040_till_last_seq
Revises: 0039_quantity_moves
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0040_till_last_seq"
down_revision = "0039_quantity_moves"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("terminal_link", sa.Column("last_seq", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("terminal_link") as batch:
        batch.drop_column("last_seq")
