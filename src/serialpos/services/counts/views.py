"""A count as read: its tables' columns, the results shown (count, batch, scan, approval),
and the reading queries (one count, the open counts of a store)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.count_tables import CountBatch, CountScan, StockCount
from serialpos.db.engine import Database
from serialpos.domain.count_reconciliation import (
    BatchInfo,
    Reconciliation,
)
from serialpos.domain.document_status import CountStatus
from serialpos.domain.errors import (
    DomainError,
)
from serialpos.domain.text import clip
from serialpos.services import ledger
from serialpos.services.event_files import WriteReport
from serialpos.services.settings import settings_in

count_t: sa.Table = StockCount.__table__  # type: ignore[attr-defined]
batch_t: sa.Table = CountBatch.__table__  # type: ignore[attr-defined]
scan_t: sa.Table = CountScan.__table__  # type: ignore[attr-defined]
count_c, batch_c, scan_c, unit_c = count_t.c, batch_t.c, scan_t.c, repo.unit_t.c

DOCUMENT_TYPE = "count"
MAX_COUNTER = 64
MAX_QUANTITY = 1_000_000
LOOKUP_CHUNK = 500
LEDGER_CHUNK = ledger.MAX_UNITS_PER_CALL


class UnknownCount(DomainError):
    code = "unknown_count"


class UnknownBatch(DomainError):
    code = "unknown_batch"


class BatchClosed(DomainError):
    code = "batch_closed"


# -- results --------------------------------------------------------------------------
@dataclass(frozen=True)
class CountInfo:
    number: str
    store: str
    status: str
    products: tuple[str, ...] | None  # None: the whole store
    serial_tracked: bool  # the store's serialized inventory setting, now
    opened_by: str
    batches: tuple[BatchInfo, ...]

    @property
    def approved(self) -> bool:
        return self.status == CountStatus.APPROVED

    @property
    def scope(self) -> str:
        return "whole store" if self.products is None else ", ".join(self.products)


@dataclass(frozen=True)
class ScanOutcome:
    """What one scan did. ``verdict``: ``counted``; ``repeat`` (scanned before in this batch:
    an alert, counted once, nothing stored); ``other_batch`` (stored, but also seen in
    ``batches``: flagged, the unit counts once); ``elsewhere`` (stored, but the ledger has
    the unit sold, reserved, expected or at another store: ``elsewhere`` is its state, said
    at once; approval leaves the unit where it is, the review lists it)."""

    verdict: str
    sku: str
    serial: str | None
    quantity: int
    message: str
    batches: tuple[int, ...] = ()
    batch_total: int = 0  # units in this batch so far
    elsewhere: str | None = None  # the ledger's state of a unit it does not have here

    @property
    def alert(self) -> bool:
        return self.verdict != "counted"


@dataclass(frozen=True)
class Approval:
    reconciliation: Reconciliation
    added: int  # units put into stock (never seen, restored)
    removed: int  # units written off (missing)
    quantity_change: int  # the net on-hand change over every product
    files: WriteReport = field(default_factory=WriteReport)


@dataclass(frozen=True)
class ScanInput:
    """One scan as a host sends it or a screen decodes it."""

    sku: str | None = None
    serial: str | None = None
    quantity: int | None = None
    #: A label's serial that may have swallowed the fields after it (the decoder's
    #: ``run_on``): refused for a unit the ledger does not know (scan_resolver.py).
    run_on: tuple[str, str] | None = None


# -- reading a count ------------------------------------------------------------------
@dataclass(frozen=True)
class CountRow:
    id: int
    number: str
    store_id: int
    store: str
    status: str
    products: tuple[str, ...] | None
    #: When the count was opened: the moment it judges a product none of its batches counted.
    opened_at: datetime | None = None


def count_row(db: Database, conn: Connection, number: str, *, lock: str | None = None) -> CountRow:
    """The count. ``lock`` (PostgreSQL; SQLite writers are serialised anyway): "share" for a
    scan or a batch, so an approval ("update") waits for them and they, after it, see the
    count approved: no scan can slip in between an approval's reading and its commit."""
    q = sa.select(count_t).where(count_c.number == number)
    if lock is not None and conn.dialect.name == "postgresql":
        q = q.with_for_update(read=lock == "share")
    row = conn.execute(q).first()
    if row is None:
        raise UnknownCount(f"there is no count '{clip(number)}'")
    m = row._mapping
    codes = repo.store_codes(conn)
    products = None if m["products"] is None else tuple(json.loads(m["products"]))
    return CountRow(
        m["id"],
        m["number"],
        m["store_id"],
        codes[m["store_id"]],
        m["status"],
        products,
        m["opened_at"],
    )


def batch_infos(conn: Connection, count_id: int) -> tuple[BatchInfo, ...]:
    """Each batch with the units counted in it: its serials (one unit each: scanning refuses
    a serial with another quantity) counted on the batch's own index without reading a scan
    row, plus the quantities counted without a serial (a million-serial count summed its
    scans' quantities row by row)."""
    serials = (
        sa.select(sa.func.count())
        .where(scan_c.batch_id == batch_c.id, scan_c.serial.is_not(None))
        .scalar_subquery()
    )
    quantities = (
        sa.select(sa.func.coalesce(sa.func.sum(scan_c.quantity), 0))
        .where(scan_c.batch_id == batch_c.id, scan_c.serial.is_(None))
        .scalar_subquery()
    )
    q = (
        sa.select(batch_c.number, batch_c.counter, batch_c.status, serials + quantities)
        .where(batch_c.count_id == count_id)
        .order_by(batch_c.number)
    )
    return tuple(BatchInfo(n, who, st, int(total)) for n, who, st, total in conn.execute(q))


def batch_infos_counted(
    conn: Connection, count_id: int, units: Mapping[int, int]
) -> tuple[BatchInfo, ...]:
    """:func:`batch_infos` with the units of each batch (by batch id) counted already: the
    reconciliation has every scan in hand, and counting them again on the index took a
    tenth of a 1M-serial reconciliation."""
    q = (
        sa.select(batch_c.id, batch_c.number, batch_c.counter, batch_c.status)
        .where(batch_c.count_id == count_id)
        .order_by(batch_c.number)
    )
    return tuple(BatchInfo(n, who, st, units.get(bid, 0)) for bid, n, who, st in conn.execute(q))


def count_info(db: Database, conn: Connection, count: CountRow) -> CountInfo:
    row = conn.execute(sa.select(count_c.opened_by).where(count_c.id == count.id)).one()
    tracked = settings_in(db, conn, count.store).serialized_inventory
    return CountInfo(
        count.number,
        count.store,
        count.status,
        count.products,
        tracked,
        row.opened_by,
        batch_infos(conn, count.id),
    )


def get_count(db: Database, number: str) -> CountInfo:
    return db.read(lambda conn: count_info(db, conn, count_row(db, conn, number)))


def open_counts(db: Database, store: str) -> list[CountInfo]:
    """The counts still open at ``store``, oldest first (a count stays open across sessions)."""

    def work(conn: Connection) -> list[CountInfo]:
        sid = repo.store_id(db, conn, store)
        numbers = (
            conn.execute(
                sa.select(count_c.number)
                .where(count_c.store_id == sid, count_c.status == CountStatus.OPEN)
                .order_by(count_c.id)
            )
            .scalars()
            .all()
        )
        return [count_info(db, conn, count_row(db, conn, n)) for n in numbers]

    return db.read(work)
