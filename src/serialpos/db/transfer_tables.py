"""Tables of store-to-store transfers: the transfer, its quantity lines (products counted, not
scanned) and its units (serials scanned out, each marked when the receiving store takes it in).

A transfer is a document with a life: ``open`` while units are scanned onto it (they stay in
stock at the sending store and can be taken off again), ``shipped`` once they are in transit,
``received`` when the receiving store completed its checklist. Units not received stay in
transit and stay listed here, so the transfer reports them. ``refused`` (a store terminal's
copy only, migration 0026): central did not take the shipment (a conflict or a refusal), so
nothing of it is in transit. Migration 0007 builds these. ``transfer_scan`` keeps every scan of
a receipt in progress (migration 0043), so a console that dies mid-receiving loses nothing
and a second terminal sees what the first counted.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from serialpos.db.tables import utcnow

TRANSFER_STATUSES = ("open", "shipped", "received", "refused")


class Transfer(SQLModel, table=True):
    __tablename__ = "transfer"
    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('open', 'shipped', 'received', 'refused')", name="ck_transfer_status"
        ),
        sa.CheckConstraint("from_store_id <> to_store_id", name="ck_transfer_two_stores"),
        sa.Index("ix_transfer_to_status", "to_store_id", "status"),
        sa.Index("ix_transfer_from_status", "from_store_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=64, sa_column_kwargs={"unique": True}, nullable=False)
    from_store_id: int = Field(foreign_key="store.id")
    to_store_id: int = Field(foreign_key="store.id")
    status: str = Field(max_length=16)
    created_by: str = Field(max_length=32)
    terminal: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    shipped_by: str | None = Field(default=None, max_length=32)
    shipped_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    received_by: str | None = Field(default=None, max_length=32)
    received_at: datetime | None = Field(default=None, sa_type=sa.DateTime())


class TransferLine(SQLModel, table=True):
    """Units of one product moved as a quantity (no serials, or serialized inventory off)."""

    __tablename__ = "transfer_line"
    __table_args__ = (
        sa.CheckConstraint("quantity >= 0 AND received >= 0", name="ck_transfer_line_counts"),
    )

    transfer_id: int = Field(foreign_key="transfer.id", primary_key=True)
    product_id: int = Field(foreign_key="product.id", primary_key=True)
    quantity: int = Field(default=0)
    received: int = Field(default=0)


class TransferUnit(SQLModel, table=True):
    """One serialized unit on a transfer; ``received`` once the receiving store took it in."""

    __tablename__ = "transfer_unit"
    __table_args__ = (
        sa.UniqueConstraint("transfer_id", "product_id", "serial", name="uq_transfer_unit"),
        sa.Index("ix_transfer_unit_product_serial", "product_id", "serial"),
    )

    id: int | None = Field(default=None, primary_key=True)
    transfer_id: int = Field(foreign_key="transfer.id")
    product_id: int = Field(foreign_key="product.id")
    serial: str = Field(max_length=64)
    received: bool = Field(default=False)


class TransferScan(SQLModel, table=True):
    """One scan of a transfer's receipt in progress: a serial, or (``serial`` NULL) a number of
    units of a product counted without serials (negative takes some back). A serial is saved
    once per transfer and product; completion receives the rows and deletes them."""

    __tablename__ = "transfer_scan"
    __table_args__ = (
        sa.Index("ix_transfer_scan_transfer", "transfer_id", "id"),
        sa.Index(
            "uq_transfer_scan_serial",
            "transfer_id",
            "sku",
            "serial",
            unique=True,
            sqlite_where=sa.text("serial IS NOT NULL"),
            postgresql_where=sa.text("serial IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    transfer_id: int = Field(foreign_key="transfer.id")
    sku: str = Field(max_length=64)
    serial: str | None = Field(default=None, max_length=64)
    quantity: int = Field(default=1)
    scanned_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    user_name: str = Field(max_length=32)
