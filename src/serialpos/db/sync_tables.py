"""Tables of the offline store terminals (issue 16, ../shared/OFFLINE.md).

On a terminal: ``journal_entry`` (what the terminal did, written in the same local
transaction as the change, pushed to central in ``seq`` order) and ``sync_state`` (the feed
cursor and what central calls this terminal). At central: ``terminal_link`` (which store and
terminal id a token's terminal belongs to) and ``sync_conflict`` (an entry that was no longer
legal when it arrived: kept, shown to managers, resolved by a new event). Both sides run the
same schema, so one migration (0015) makes them all.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from serialpos.db.tables import utcnow

JOURNAL_STATES = ("pending", "accepted", "conflict", "refused")
CONFLICT_STATUSES = ("open", "resolved")


class JournalEntry(SQLModel, table=True):
    """One action of this terminal. ``line`` is the exact apply line sent to central (its
    ``id`` is this entry's id), stored once so every resend is byte for byte the same.
    ``made_at`` is the terminal's clock, for people and for the day a sale falls on (the
    line carries it as ``journal.at``: domain/till_time.py), never for order: that is
    ``seq``."""

    __tablename__ = "journal_entry"
    __table_args__ = (
        sa.CheckConstraint(
            "state IN ('pending', 'accepted', 'conflict', 'refused')", name="ck_journal_entry_state"
        ),
        sa.Index("ix_journal_entry_state_seq", "state", "seq"),
        sa.Index("ix_journal_entry_events_to", "events_to"),
        sa.Index("ix_journal_entry_order_number", "order_number"),
    )

    id: str = Field(primary_key=True, max_length=36)
    seq: int = Field(sa_column_kwargs={"unique": True}, nullable=False)
    terminal: str = Field(max_length=64)
    user_name: str = Field(max_length=32)
    made_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    line: str = Field(sa_type=sa.Text())
    state: str = Field(default="pending", max_length=16)
    answer: str | None = Field(default=None, sa_type=sa.Text())
    settled_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    #: The local ledger events this entry made: ids after ``events_after`` up to
    #: ``events_to`` (terminal/entry_events.py); null before migration 0027.
    events_after: int | None = Field(default=None)
    events_to: int | None = Field(default=None)
    #: The order the line names (db/journal.py ``order_named``; migration 0035): whether
    #: central knows an order is asked at every counter step of it, one index probe.
    order_number: str | None = Field(default=None, max_length=64)


class SyncState(SQLModel, table=True):
    """Small named values of the terminal's sync (``feed_after``, ``central_terminal``...)."""

    __tablename__ = "sync_state"

    key: str = Field(primary_key=True, max_length=32)
    value: str = Field(max_length=200)


class FeedSeen(SQLModel, table=True):
    """On a terminal: what each of its store's feed events that it pulled looked like (a
    digest of the event as central sent it), the newest few thousand. Central restored from
    an older backup numbers its new events from its old end again: the till tells by an
    event whose number it knows and whose digest differs, and knows where central's history
    and its own still agree (terminal/feed_memory.py, migration 0031)."""

    __tablename__ = "feed_seen"

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    digest: str = Field(max_length=32)
    #: The entry of another till this event is the effect of, when it has one (migration
    #: 0032, terminal/feed_memory.py ``echo``); kept as lost when central loses the event.
    echo: str | None = Field(default=None, max_length=300)


class FeedLost(SQLModel, table=True):
    """On a terminal: the echo of each event it applied that central lost in a restore
    (``terminal resend``), one row per event. When the till that made the entry sends it
    again, central makes the event anew; this till already counted its quantities, so the
    pull skips them once, taking the row (terminal/mirror.py, migration 0032)."""

    __tablename__ = "feed_lost"
    __table_args__ = (sa.Index("ix_feed_lost_echo", "echo"),)

    id: int | None = Field(default=None, primary_key=True)
    echo: str = Field(max_length=300)


class TerminalLink(SQLModel, table=True):
    """At central: the terminal a token belongs to (``api:<token name>``), bound when the
    terminal is initialised. A push names its terminal and store; anything else is refused."""

    __tablename__ = "terminal_link"

    api_terminal: str = Field(primary_key=True, max_length=64)
    terminal_id: str = Field(max_length=64)
    store_id: int = Field(foreign_key="store.id")
    linked_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    #: The first journal entry number of the terminal's central took sealed (migration
    #: 0038): an unsealed entry numbered from there on is refused (services/entry_checks.py).
    #: None until a sealed entry arrives (a till made before seals sends none).
    sealed_from: int | None = Field(default=None, sa_type=sa.BigInteger())


class SyncConflict(SQLModel, table=True):
    """At central: a terminal's entry refused because the unit had moved meanwhile. The
    entry's line is kept whole; ``first_event_id`` is the event that gave the unit the state
    the entry did not expect (the one that stands)."""

    __tablename__ = "sync_conflict"
    __table_args__ = (
        sa.CheckConstraint("status IN ('open', 'resolved')", name="ck_sync_conflict_status"),
        sa.Index("ix_sync_conflict_status", "status"),
        sa.Index("ix_sync_conflict_serial", "serial"),
    )

    id: int | None = Field(default=None, primary_key=True)
    entry_id: str = Field(max_length=128, sa_column_kwargs={"unique": True}, nullable=False)
    terminal: str = Field(max_length=64)
    entry_seq: int
    store_id: int = Field(foreign_key="store.id")
    product_id: int | None = Field(default=None, foreign_key="product.id")
    serial: str | None = Field(default=None, max_length=64)
    first_event_id: int | None = Field(default=None, foreign_key="ledger_event.id")
    entry_line: str = Field(sa_type=sa.Text())
    error: str = Field(max_length=32)
    message: str = Field(max_length=400)
    status: str = Field(default="open", max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    resolved_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    resolved_by: str | None = Field(default=None, max_length=32)
    resolution: str | None = Field(default=None, max_length=24)
    note: str | None = Field(default=None, max_length=200)
