"""Tables the stockroom documents share: the event-file outbox and the header of documents
that complete in one step (blind receipts, returns to vendor, adjustments).

The outbox row is written in the same transaction as the ledger events it reports, so a
completed document can never lack its event file for good: a file still owed after a crash
is written at the next start.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from serialpos.db.tables import utcnow


class EventOutbox(SQLModel, table=True):
    """One event file owed to (or already written for) the host system."""

    __tablename__ = "event_outbox"
    __table_args__ = (
        sa.UniqueConstraint("event_type", "document_id", name="uq_event_outbox_document"),
        sa.Index("ix_event_outbox_owed", "written_at"),
        sa.Index("ix_event_outbox_document_id", "document_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_type: str = Field(max_length=24)
    document_id: str = Field(max_length=64)
    store: str = Field(max_length=16)
    completed_at: datetime = Field(sa_type=sa.DateTime())
    user_name: str = Field(max_length=32)
    #: The file's rows as JSON: [[sku, quantity, [serial, ...]], ...] in file order.
    rows: str = Field(sa_type=sa.Text())
    written_at: datetime | None = Field(default=None, sa_type=sa.DateTime())


class StockDocument(SQLModel, table=True):
    """The header of a stockroom document that completes in one transaction; its lines are
    the ledger events that carry its number."""

    __tablename__ = "stock_document"

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=64, sa_column_kwargs={"unique": True}, nullable=False)
    kind: str = Field(max_length=24)
    store_id: int = Field(foreign_key="store.id")
    vendor: str | None = Field(default=None, max_length=100)
    reference: str | None = Field(default=None, max_length=64)
    reason: str | None = Field(default=None, max_length=200)
    created_by: str = Field(max_length=32)
    terminal: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
