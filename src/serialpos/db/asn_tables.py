"""Tables of advance shipping notices: the ASN header, its lines, and the scans of a receipt
in progress.

The serials an ASN lists are not copied here: importing creates each as an ``expected`` unit
with one ``expect`` ledger event carrying the ASN as its document (and the ASN line as the
document line), so the ledger is the one record of them. ``asn_scan`` keeps every scan of a
receipt as it happens, so a console that dies mid-receiving loses nothing: opening the ASN
again rebuilds the checklist from it. Migration 0006 builds these tables.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Field, SQLModel

from serialpos.db.tables import utcnow

ASN_STATUSES = ("open", "received")


class Asn(SQLModel, table=True):
    """One advance shipping notice for one store. ``asn`` is the vendor's id, unique in the
    chain (the receipt's event file is named after it)."""

    __tablename__ = "asn"
    __table_args__ = (
        sa.CheckConstraint("status IN ('open', 'received')", name="ck_asn_status"),
        sa.Index("ix_asn_store_status", "store_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    asn: str = Field(max_length=64, sa_column_kwargs={"unique": True}, nullable=False)
    vendor: str = Field(max_length=100)
    store_id: int = Field(foreign_key="store.id")
    status: str = Field(default="open", max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    created_by: str = Field(max_length=32)
    received_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    received_by: str | None = Field(default=None, max_length=32)
    #: The differences recorded at completion, as JSON: [{sku, expected, received, missing}].
    discrepancies: str | None = Field(default=None, sa_type=sa.Text())


class AsnLine(SQLModel, table=True):
    """One line of an ASN: a product and how many; ``listed`` is how many serials it lists
    (the serials themselves are the ``expect`` events of line ``number``)."""

    __tablename__ = "asn_line"
    __table_args__ = (
        sa.UniqueConstraint("asn_id", "number", name="uq_asn_line_number"),
        sa.CheckConstraint("quantity > 0", name="ck_asn_line_quantity"),
    )

    id: int | None = Field(default=None, primary_key=True)
    asn_id: int = Field(foreign_key="asn.id")
    number: int
    product_id: int = Field(foreign_key="product.id")
    sku: str = Field(max_length=64)
    quantity: int
    listed: int = Field(default=0)
    case_pack: str | None = Field(default=None, max_length=64)
    received: int = Field(default=0)


class AsnScan(SQLModel, table=True):
    """One scan of a receipt in progress: a serial, or (``serial`` NULL) a number of units of
    a product counted without serials (negative takes some back). ``case_pack``: the case
    whose units a count is (its ID scanned), counted once per ASN (migration 0042)."""

    __tablename__ = "asn_scan"
    __table_args__ = (
        sa.UniqueConstraint("asn_id", "sku", "serial", name="uq_asn_scan_serial"),
        sa.Index("ix_asn_scan_asn", "asn_id", "id"),
        sa.Index(
            "uq_asn_scan_case_pack",
            "asn_id",
            "case_pack",
            unique=True,
            sqlite_where=sa.text("case_pack IS NOT NULL"),
            postgresql_where=sa.text("case_pack IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    asn_id: int = Field(foreign_key="asn.id")
    sku: str = Field(max_length=64)
    serial: str | None = Field(default=None, max_length=64)
    quantity: int = Field(default=1)
    scanned_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    user_name: str = Field(max_length=32)
    case_pack: str | None = Field(default=None, max_length=64)


asn_t: sa.Table = Asn.__table__  # type: ignore[attr-defined]
asn_line_t: sa.Table = AsnLine.__table__  # type: ignore[attr-defined]
asn_scan_t: sa.Table = AsnScan.__table__  # type: ignore[attr-defined]

_ASN_RECEIVED = sa.select(asn_t.c.id).where(
    asn_t.c.asn == sa.bindparam("asn"), asn_t.c.status == "received"
)


def asn_received(conn: Connection, asn: str) -> bool:
    """Whether ``asn`` was received (closed). Until then the units it announced are received
    on it only; after, a listed unit that did not arrive with it may come in any way. An ASN
    id with no ASN row (units announced through the ledger directly) stays binding."""
    return conn.execute(_ASN_RECEIVED, {"asn": asn}).first() is not None
