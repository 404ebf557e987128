"""What a back-office report is asked for (ReportFilter) and the same filter checked in the
database's terms (Where): a store code becomes its id, a date range becomes a half-open
interval of datetimes, a SKU is looked up so a typo is refused rather than read as "no sales".

Shared by the sales reports (services/reports.py) and the fulfilment list
(services/fulfilment_report.py); the sales reports also take the documents central did not
take and this terminal's own document codes (``sales=True``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.errors import BadRequest
from serialpos.domain.orders import DeliveryMode
from serialpos.domain.serials import normalize_serial
from serialpos.domain.text import clip
from serialpos.services import not_taken as nt
from serialpos.services import sale_copies


@dataclass(frozen=True)
class ReportFilter:
    date_from: date | None = None  # inclusive, by sale/invoice date (UTC date)
    date_to: date | None = None  # inclusive
    store: str | None = None  # store code
    sku: str | None = None
    serial: str | None = None  # exact serial
    pending_serial: bool = False  # fulfilment only: a required serial not yet recorded
    delivery: str | None = None  # fulfilment only: a DeliveryMode value


@dataclass(frozen=True)
class Where:
    """A checked filter in the database's terms."""

    store_id: int | None
    start: datetime | None
    end: datetime | None  # exclusive: the day after date_to
    sku: str | None
    serial: str | None
    delivery: str | None
    pending_serial: bool
    not_taken: tuple[str, ...] = ()  # sales reports: documents central did not take
    #: sales reports on a store terminal: the codes of the documents it issued, which leave
    #: its copies of other tills' sales out (services/sale_copies.py)
    own_codes: tuple[str, ...] = ()


def checked(db: Database, conn: Connection, f: ReportFilter, sales: bool = False) -> Where:
    if f.date_from is not None and f.date_to is not None and f.date_from > f.date_to:
        raise BadRequest(
            f"the date range is the wrong way round: {f.date_from.isoformat()} "
            f"is after {f.date_to.isoformat()}"
        )
    store = f.store.strip() if f.store else None
    store_id = repo.store_id(db, conn, store) if store else None
    sku = f.sku.strip() if f.sku else None
    if sku:
        repo.product_by_sku(conn, sku)  # raises UnknownProduct with the SKU named
    delivery = DeliveryMode.parse(f.delivery).value if f.delivery else None
    return Where(
        store_id=store_id,
        start=None if f.date_from is None else datetime.combine(f.date_from, time.min),
        end=None
        if f.date_to is None or f.date_to == date.max
        else datetime.combine(f.date_to + timedelta(days=1), time.min),
        sku=sku or None,
        serial=normalize_serial(f.serial),
        delivery=delivery,
        pending_serial=f.pending_serial,
        not_taken=nt.documents(conn) if sales else (),
        own_codes=sale_copies.own_codes(db, conn) if sales else (),
    )


def check_filter(db: Database, f: ReportFilter) -> None:
    """Refuse a filter that cannot be meant: a date range the wrong way round, a store or SKU
    that does not exist (a typo would otherwise look like "no sales"), a malformed serial or
    delivery mode."""
    db.read(lambda conn: checked(db, conn, f))


def describe(f: ReportFilter) -> str:
    """The filter in words, for titles ("S1, 2026-11-01 to 2026-11-30, serial X")."""
    parts = [f.store or "all stores"]
    if f.date_from or f.date_to:
        start = f.date_from.isoformat() if f.date_from else "the start"
        end = f.date_to.isoformat() if f.date_to else "today"
        parts.append(f"{start} to {end}")
    if f.sku:
        parts.append(f"SKU {clip(f.sku)}")
    if f.serial:
        parts.append(f"serial {clip(f.serial)}")
    if f.delivery:
        parts.append(DeliveryMode.parse(f.delivery).label)
    if f.pending_serial:
        parts.append("pending serial")
    return ", ".join(parts)
