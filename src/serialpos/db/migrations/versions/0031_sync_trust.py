"""Store terminals' trust (issue 16's bad input): ``feed_seen``, and where journal seals
begin.

``feed_seen`` (seq, digest) keeps a digest of each of the store's feed events a terminal
pulled, so the terminal can tell central restored from an older backup even when central's
new events have carried its feed past the till's cursor, and where the two histories part
(terminal/feed_memory.py). Central has the table too (one schema) and never fills it.

Entries made from now on carry a seal (domain/entry_seal.py). Those made before keep their
line byte for byte (central's outcomes are keyed by the line's fingerprint); the first
sealed entry's number is kept as ``sync_state.sealed_from`` on a terminal that already
has entries, so an entry from there on without a seal reads as a seal taken off.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031_sync_trust"
down_revision = "0030_bulk5"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feed_seen",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("digest", sa.String(length=32), nullable=False),
    )
    op.execute(
        "INSERT INTO sync_state (key, value) "
        "SELECT 'sealed_from', CAST(MAX(seq) + 1 AS VARCHAR(200)) FROM journal_entry "
        "HAVING COUNT(*) > 0"
    )


def downgrade() -> None:
    op.execute("DELETE FROM sync_state WHERE key = 'sealed_from'")
    op.drop_table("feed_seen")
