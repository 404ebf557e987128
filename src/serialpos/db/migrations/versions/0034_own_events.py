"""A till finds the journal entry that made a ledger event (issue 16): an index on
``journal_entry.events_to``. The pull asks, for a unit whose own event comes back from
central, whether the unit's newest local event is one the till's entries made
(terminal/own_events.py); entries' event ranges follow each other, so the first range ending
at or after the event is the only one that can hold it, one index probe. Central has the
table (one schema) and leaves it empty.

Revision ID: 0034_own_events
Revises: 0033_sale_pages
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "0034_own_events"
down_revision = "0033_sale_pages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_journal_entry_events_to", "journal_entry", ["events_to"])


def downgrade() -> None:
    op.drop_index("ix_journal_entry_events_to", table_name="journal_entry")
