"""Pulls that apply an entry's quantities once (issue 16, central restored): ``feed_seen``
keeps each remembered event's ``echo`` (the till's entry it is the effect of, when it has
one: terminal/feed_memory.py ``echo``), and ``feed_lost`` the echoes of the events a till
applied that central then lost in its restore (``terminal resend``). A till that resends
makes those events again at central, with new numbers; a till that had pulled them skips
their quantities then, once each (terminal/mirror.py). Central has both (one schema) and
fills neither.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0032_pull_dedup"
down_revision = "0031_sync_trust"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feed_seen") as batch:
        batch.add_column(sa.Column("echo", sa.String(length=300), nullable=True))
    op.create_table(
        "feed_lost",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("echo", sa.String(length=300), nullable=False),
    )
    op.create_index("ix_feed_lost_echo", "feed_lost", ["echo"])


def downgrade() -> None:
    op.drop_index("ix_feed_lost_echo", table_name="feed_lost")
    op.drop_table("feed_lost")
    with op.batch_alter_table("feed_seen") as batch:
        batch.drop_column("echo")
