"""Central keeps each store terminal's journal numbers: ``apply_outcome.journal_seq``.

A till numbers its journal entries (``journal.seq``: 1, 2, 3… in the order it made them) and
sends each under an id of its own; central kept the id alone, so it could not say how far a
till had sent nor which entry a number was. A till restored from an older copy of its
database numbers again from the copy's end: its next sale took numbers (the order's, the
invoice's) central held for the till's later acts, was refused ``number_taken`` and put back
at the till, the sale lost. Central now keeps the number with the id (null for a host's
line, and for entries taken before this migration), indexed by terminal: the highest is how
far the till has sent, and a refusal of a new entry whose number another id of the same
terminal holds is a rewind, answered ``journal_rewound`` and kept pending at the till
(services/journal_rewinds.py). The number rides on the claim each entry already makes, so a
push costs no statement more.

Revision ID: 0040_till_last_seq
Revises: 0039_quantity_moves
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0040_till_last_seq"
down_revision = "0039_quantity_moves"
branch_labels = None
depends_on = None

INDEX = "ix_apply_outcome_journal_seq"


def upgrade() -> None:
    with op.batch_alter_table("apply_outcome") as batch:
        batch.add_column(sa.Column("journal_seq", sa.BigInteger(), nullable=True))
    op.create_index(
        INDEX,
        "apply_outcome",
        ["terminal", "journal_seq"],
        sqlite_where=sa.text("journal_seq IS NOT NULL"),
        postgresql_where=sa.text("journal_seq IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="apply_outcome")
    with op.batch_alter_table("apply_outcome") as batch:
        batch.drop_column("journal_seq")
