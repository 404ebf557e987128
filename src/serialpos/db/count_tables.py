"""Tables of cycle counts: the count (its number, store, scope and status), its batches (one
per counter, shelf by shelf) and every scan as it happened.

A scan is written the moment it is taken, in its own small transaction, so a crash or a
closed terminal loses nothing; a count stays open across sessions until it is approved.
The same serial may be scanned in two batches (flagged, counted once) but never twice in one
batch: the unique (batch, product, serial) constraint says so in the database itself.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from serialpos.db.tables import utcnow

COUNT_STATUSES = ("open", "approved")
BATCH_STATUSES = ("open", "closed")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class StockCount(SQLModel, table=True):
    """One cycle count at one store: the whole store, or the products in ``products``."""

    __tablename__ = "stock_count"
    __table_args__ = (
        sa.CheckConstraint(_in("status", COUNT_STATUSES), name="ck_stock_count_status"),
        sa.Index("ix_stock_count_store_status", "store_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=64, sa_column_kwargs={"unique": True}, nullable=False)
    store_id: int = Field(foreign_key="store.id")
    status: str = Field(default="open", max_length=16)
    #: JSON list of the SKUs counted; NULL for the whole store.
    products: str | None = Field(default=None, sa_type=sa.Text())
    opened_by: str = Field(max_length=32)
    terminal: str = Field(max_length=64)
    opened_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    approved_by: str | None = Field(default=None, max_length=32)
    approved_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    #: The reconciliation as approved (JSON): what was posted, kept as it was then.
    reconciliation: str | None = Field(default=None, sa_type=sa.Text())


class CountBatch(SQLModel, table=True):
    """One batch of a count: who counted it (shelf by shelf, person by person)."""

    __tablename__ = "count_batch"
    __table_args__ = (
        sa.UniqueConstraint("count_id", "number", name="uq_count_batch_number"),
        sa.CheckConstraint(_in("status", BATCH_STATUSES), name="ck_count_batch_status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    count_id: int = Field(foreign_key="stock_count.id")
    number: int
    counter: str = Field(max_length=64)
    status: str = Field(default="open", max_length=16)
    opened_by: str = Field(max_length=32)
    opened_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    closed_at: datetime | None = Field(default=None, sa_type=sa.DateTime())


class CountScan(SQLModel, table=True):
    """One scan of a batch: a serial (quantity 1), or a quantity of a product counted without
    serials."""

    __tablename__ = "count_scan"
    __table_args__ = (
        sa.UniqueConstraint("batch_id", "product_id", "serial", name="uq_count_scan_serial"),
        sa.CheckConstraint("quantity <> 0", name="ck_count_scan_quantity"),
        # Reconciliation reads a count's serials by product; covering, so it never touches rows.
        sa.Index("ix_count_scan_count", "count_id", "product_id", "serial", "batch_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    count_id: int = Field(foreign_key="stock_count.id")
    batch_id: int = Field(foreign_key="count_batch.id")
    product_id: int = Field(foreign_key="product.id")
    serial: str | None = Field(default=None, max_length=64)
    quantity: int = Field(default=1)
    user_name: str = Field(max_length=32)
    scanned_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
