"""A store terminal's journal entry names the local ledger events it made (issue 16).

A till applies each act locally and journals it in the same transaction. When central
records the entry as a conflict or refuses it, the units it named take central's state from
the verdict, but a quantity (a product without serials) has no state a verdict could carry:
the till must undo what the entry itself did to it. ``events_after`` and ``events_to`` are
the ledger event ids around the entry's own events (``events_after < id <= events_to``: one
writer at a time on the till's SQLite, so they are one run; terminal/entry_events.py), so
the till can put those quantities back when the entry settles (terminal/quantities.py).

Additive: two nullable columns. An entry made before this migration has neither, and its
quantities are not put back (as before).

Revision ID: 0027_terminal_reverse
Revises: 0026 (transfer refused)
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027_terminal_reverse"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("journal_entry", sa.Column("events_after", sa.Integer(), nullable=True))
    op.add_column("journal_entry", sa.Column("events_to", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("journal_entry") as batch:
        batch.drop_column("events_to")
        batch.drop_column("events_after")
