"""Tables that let a host system integrate safely: the outcome of every ``apply`` line sent
with an ``id``, and the commit-ordered event feed a host follows.

``apply_outcome`` is keyed by the host's id, so the database itself refuses a second
application: the row is inserted in the same transaction as the change it records.
``event_feed`` numbers ledger events in commit order (the migration's trigger assigns the
number as the writing transaction commits), because the events' own ids come from a sequence
that is neither gap-free nor commit-ordered once PostgreSQL has concurrent writers.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from serialpos.db.tables import utcnow

#: Longest id a host may give a line.
MAX_APPLY_ID = 128


class ApplyOutcome(SQLModel, table=True):
    """One applied ``apply`` line: who sent it, a fingerprint of its body, and its verdict."""

    __tablename__ = "apply_outcome"
    #: A terminal's entries by number: the highest is how far it has sent, and a number
    #: held by another id of it means a rewound journal (migration 0040,
    #: services/journal_rewinds.py). Host lines (no number) are not in it.
    __table_args__ = (
        sa.Index(
            "ix_apply_outcome_journal_seq",
            "terminal",
            "journal_seq",
            sqlite_where=sa.text("journal_seq IS NOT NULL"),
            postgresql_where=sa.text("journal_seq IS NOT NULL"),
        ),
    )

    id: str = Field(primary_key=True, max_length=MAX_APPLY_ID)
    #: sha256 of the line's canonical JSON without its id: a resend must match it.
    body_sha256: str = Field(max_length=64)
    op: str = Field(max_length=32)
    user_name: str = Field(max_length=32)
    terminal: str = Field(max_length=64)
    applied_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    #: The verdict as first returned (JSON object, without ``ok``, ``line`` and ``id``).
    outcome: str = Field(sa_type=sa.Text())
    #: The store terminal's journal entry number (``journal.seq``) of the line, sent as
    #: ``journal.seq`` and claimed with its id (migration 0040); None for a host's line and
    #: for entries taken before the migration.
    journal_seq: int | None = Field(default=None, sa_type=sa.BigInteger())


class EventFeed(SQLModel, table=True):
    """A ledger event's place in the feed: ``seq`` is gap-free and in commit order. The
    event's store is kept beside it (migration 0028) so a store's page after a cursor is one
    range of ``ix_event_feed_store_seq``, however long the ledger."""

    __tablename__ = "event_feed"
    __table_args__ = (sa.Index("ix_event_feed_store_seq", "store_id", "seq"),)

    #: SQLite: the table's rowid (migration 0033), so the feed is one b-tree, not two.
    seq: int = Field(primary_key=True, sa_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"))
    event_id: int = Field(foreign_key="ledger_event.id", sa_column_kwargs={"unique": True})
    #: The event's store, copied by the feed's writers (triggers, db/bulk_events.py).
    store_id: int | None = Field(default=None)


class ApiToken(SQLModel, table=True):
    """A bearer token for ``serialpos serve``: only its sha256 is kept (the token itself is
    shown once). A token acts as its user, with that user's role."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=64, sa_column_kwargs={"unique": True}, nullable=False)
    user_id: int = Field(foreign_key="app_user.id")
    secret_sha256: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    expires_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    revoked_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
