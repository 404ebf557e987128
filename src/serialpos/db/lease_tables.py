"""A unit leased to a store terminal (issue 16, item 5): reserved to it at central while it
was online, so its offline sale of the unit cannot conflict with another till's.

One row per leased unit (``unit_id`` unique): a lease belongs to one terminal (its id, as its
journal entries name it) at the unit's store, until ``expires_at``. A lease ends when it is
released, when it expires (an expired row is ignored and cleared at the next take), or when
its holder moves the unit (a sale consumes it). The terminal keeps a copy of its own leases in
the same table of its local database, for ``terminal status`` offline.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from serialpos.db.tables import utcnow


class UnitLease(SQLModel, table=True):
    __tablename__ = "unit_lease"
    __table_args__ = (sa.Index("ix_unit_lease_terminal", "terminal_id"),)

    id: int | None = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="serial_unit.id", sa_column_kwargs={"unique": True})
    store_id: int = Field(foreign_key="store.id")
    #: The terminal holding it: its id as its journal entries name it (``journal.terminal``).
    terminal_id: str = Field(max_length=64)
    taken_by: str = Field(max_length=32)
    taken_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    expires_at: datetime = Field(sa_type=sa.DateTime())


lease_t: sa.Table = UnitLease.__table__  # type: ignore[attr-defined]
