"""An ASN as read: its tables' columns, the results the console, CLI and API show, and the
reading queries (the list, one ASN's detail)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.asn_tables import asn_line_t, asn_scan_t, asn_t
from serialpos.db.engine import Database
from serialpos.domain.document_status import AsnStatus
from serialpos.domain.errors import (
    BadRequest,
    DomainError,
)
from serialpos.domain.text import clip

DOCUMENT_TYPE = "asn"

asn_c, asn_line_c, asn_scan_c = asn_t.c, asn_line_t.c, asn_scan_t.c
unit_c, event_c, product_c = repo.unit_t.c, repo.event_t.c, repo.product_t.c


class UnknownAsn(DomainError):
    code = "unknown_asn"


# -- results ------------------------------------------------------------------------------
@dataclass(frozen=True)
class AsnSummary:
    asn: str
    vendor: str
    store: str
    status: str
    lines: int
    units: int
    created_at: datetime


@dataclass(frozen=True)
class ImportedAsn:
    asn: str
    vendor: str
    lines: int
    units: int
    serials: int


@dataclass(frozen=True)
class ImportResult:
    store: str
    asns: tuple[ImportedAsn, ...]
    #: False at a store with serialized inventory off: listed serials are on the events only.
    serial_tracked: bool = True

    @property
    def serials(self) -> int:
        return sum(a.serials for a in self.asns)

    @property
    def units(self) -> int:
        return sum(a.units for a in self.asns)


@dataclass(frozen=True)
class AsnLineView:
    number: int
    sku: str
    name: str
    quantity: int
    listed: int  # serials the ASN lists for this line
    case_pack: str | None
    received: int  # received (a received ASN) or scanned so far (an open one)


@dataclass(frozen=True)
class AsnDetail:
    asn: str
    vendor: str
    store: str
    status: str
    created_at: datetime
    created_by: str
    received_at: datetime | None
    received_by: str | None
    lines: tuple[AsnLineView, ...]
    discrepancies: tuple[dict[str, Any], ...] = field(default_factory=tuple)

    @property
    def units(self) -> int:
        return sum(ln.quantity for ln in self.lines)

    @property
    def received(self) -> int:
        return sum(ln.received for ln in self.lines)


# -- reading --------------------------------------------------------------------------------
def list_asns(db: Database, store: str | None, status: str | None = None) -> list[AsnSummary]:
    """ASNs of a store (every store when None), newest first; ``status`` open or received."""
    if status is not None and status not in set(AsnStatus):
        raise BadRequest(f"status '{clip(status)}' is not one of open, received")

    def work(conn: Connection) -> list[AsnSummary]:
        codes = repo.store_codes(conn)
        lines = (
            sa.select(
                asn_line_c.asn_id,
                sa.func.count().label("lines"),
                sa.func.sum(asn_line_c.quantity).label("units"),
            )
            .group_by(asn_line_c.asn_id)
            .subquery()
        )
        query = (
            sa.select(
                asn_c.asn,
                asn_c.vendor,
                asn_c.store_id,
                asn_c.status,
                asn_c.created_at,
                lines.c.lines,
                lines.c.units,
            )
            .join(lines, lines.c.asn_id == asn_c.id)
            .order_by(asn_c.created_at.desc(), asn_c.id.desc())
        )
        if store is not None:
            query = query.where(asn_c.store_id == repo.store_id(db, conn, store))
        if status is not None:
            query = query.where(asn_c.status == status)
        return [
            AsnSummary(
                r.asn,
                r.vendor,
                codes.get(r.store_id, "?"),
                r.status,
                int(r.lines),
                int(r.units or 0),
                r.created_at,
            )
            for r in conn.execute(query)
        ]

    return db.read(work)


def asn_header(conn: Connection, asn: str) -> sa.Row[Any]:
    row = conn.execute(sa.select(asn_t).where(asn_c.asn == asn)).first()
    if row is None:
        raise UnknownAsn(f"there is no ASN '{clip(asn)}'")
    return row


def asn_detail(db: Database, asn: str) -> AsnDetail:
    """One ASN: its lines with what each expects and what was received (or, while it is
    open, scanned so far), and the differences recorded at completion."""

    def work(conn: Connection) -> AsnDetail:
        head = asn_header(conn, asn)
        codes = repo.store_codes(conn)
        rows = conn.execute(
            sa.select(
                asn_line_c.number,
                asn_line_c.sku,
                product_c.name,
                asn_line_c.quantity,
                asn_line_c.listed,
                asn_line_c.case_pack,
                asn_line_c.received,
            )
            .join(repo.product_t, product_c.id == asn_line_c.product_id)
            .where(asn_line_c.asn_id == head.id)
            .order_by(asn_line_c.number)
        ).all()
        scanned: dict[str, int] = {}
        if head.status == AsnStatus.OPEN:
            for sku, serial, qty in conn.execute(
                sa.select(asn_scan_c.sku, asn_scan_c.serial, asn_scan_c.quantity).where(
                    asn_scan_c.asn_id == head.id
                )
            ):
                scanned[sku] = scanned.get(sku, 0) + (1 if serial is not None else int(qty))
        lines = []
        for r in rows:
            got = int(r.received)
            if (
                head.status == AsnStatus.OPEN
            ):  # scans are per product: the first line of it shows them
                got = scanned.pop(r.sku, 0)
            lines.append(
                AsnLineView(r.number, r.sku, r.name, r.quantity, r.listed, r.case_pack, got)
            )
        found = tuple(json.loads(head.discrepancies)) if head.discrepancies else ()
        return AsnDetail(
            head.asn,
            head.vendor,
            codes.get(head.store_id, "?"),
            head.status,
            head.created_at,
            head.created_by,
            head.received_at,
            head.received_by,
            tuple(lines),
            found,
        )

    return db.read(work)
