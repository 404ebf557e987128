"""Back-office reports: sales (what was invoiced, with serials) and fulfilment (what is still to
hand over), read straight from the order and invoice tables.

What counts as a sale: every line of an issued invoice, as issued (the invoice lines are
snapshots, so a later price or name change never rewrites history). A refund note is a
negative row: its lines appear with negative quantity and total, the refund note's number in
the Invoice column and "Refund" as the kind, on the refund's date. So the totals of a period
are what was sold less what was refunded in it. Open, parked and voided orders are not sales.
A package opened at the sale shows its own line (its price) and its components' lines (priced
0, with their serials).

Dates are UTC dates of the invoice (sales) or of the order (fulfilment), both ends inclusive.
The sales-detail rows stream from the database in chunks (a server-side cursor on
PostgreSQL), so an export of a million lines holds a few thousand rows at a time.

On a store terminal, a sale central did not take (a conflict or refused) is no sale: the
sales reports leave its invoice (or refund note) out and name it (services/not_taken.py).
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_repo as orepo
from serialpos.db import repo
from serialpos.db.customer_tables import customer_field_of
from serialpos.db.engine import Database
from serialpos.domain.errors import BadRequest
from serialpos.domain.orders import DeliveryMode, LineStatus, SaleType
from serialpos.domain.products import SerialMode
from serialpos.domain.serials import normalize_serial
from serialpos.domain.text import clip
from serialpos.services import not_taken as nt
from serialpos.services import sale_copies
from serialpos.services.report_discounts import DISCOUNT_COLUMNS, discount_of, with_order_lines

#: Rows fetched from the database per round trip while streaming an export.
CHUNK = 5_000

_SALE_TYPE = {t.value: t.label for t in SaleType}
_DELIVERY = {d.value: d.label for d in DeliveryMode}
_REFUND = "Refund"


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
class _Where:
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


def _checked(db: Database, conn: Connection, f: ReportFilter, sales: bool = False) -> _Where:
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
    return _Where(
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
    db.read(lambda conn: _checked(db, conn, f))


# -- sales ----------------------------------------------------------------------------
@dataclass(frozen=True)
class SalesRow:
    invoice: str
    date: datetime
    store: str
    order: str
    sku: str
    product: str
    quantity: int  # negative on a refund note
    unit_price: Decimal
    discount: Decimal  # money off the line (report_discounts.py); 0.00 when none
    discount_reason: str | None
    total: Decimal  # with tax; negative on a refund note
    sale_type: str  # full name: "Sale", "Special Order", "Lay-by"
    serial: str | None
    delivery: str  # full name: "Cash and Carry", "Pickup Later", "Delivery"
    customer: str | None  # the order's customer name: who bought the serial
    kind: str = "Invoice"  # "Invoice" or "Refund"
    discount_approved_by: str | None = None  # the manager who let it past the store's limit


@dataclass(frozen=True)
class SalesReport:
    rows: list[SalesRow]
    quantity: int
    total: Decimal
    truncated: bool  # rows capped by `limit`; quantity and total are still of every row
    #: On a store terminal: the filter's invoices and refund notes central did not take,
    #: left out of the rows and totals (services/not_taken.py).
    not_taken: tuple[str, ...] = ()


#: Issue 14 pins the order from Total on: Delivery Mode beside Serial Number (as the seed
#: asks), then the customer, so "who bought serial X" is one row; the discount comes before.
SALES_DETAIL_COLUMNS: tuple[str, ...] = (
    "Invoice",
    "Date",
    "Store",
    "Order",
    "SKU",
    "Product",
    "Quantity",
    "Price",
    "Discount",
    "Discount Reason",
    "Total",
    "Sale Type",
    "Serial Number",
    "Delivery Mode",
    "Customer",
    "Kind",
)
#: The keys of a sales row as JSON, in SALES_DETAIL_COLUMNS order: SalesRow's field names
#: but the approver (a report field, not an export column).
SALES_JSON_KEYS: tuple[str, ...] = tuple(f.name for f in fields(SalesRow))[:-1]

invoice_c, invoice_line_c, order_c = orepo.invoice_t.c, orepo.invoice_line_t.c, orepo.order_t.c
store_c = repo.store_t.c


def _sales_where(w: _Where) -> list[sa.ColumnElement[bool]]:
    where: list[sa.ColumnElement[bool]] = []
    if w.store_id is not None:
        where.append(invoice_c.store_id == w.store_id)
    if w.start is not None:
        where.append(invoice_c.issued_at >= w.start)
    if w.end is not None:
        where.append(invoice_c.issued_at < w.end)
    if w.sku is not None:
        where.append(invoice_line_c.sku == w.sku)
    if w.serial is not None:
        where.append(invoice_line_c.serial == w.serial)
    return where + nt.excluded(w.not_taken) + sale_copies.not_copied(w.own_codes)


def _sales_from() -> sa.FromClause:
    joined: sa.FromClause = (
        orepo.invoice_line_t.join(orepo.invoice_t, invoice_c.id == invoice_line_c.invoice_id)
        .join(orepo.order_t, order_c.id == invoice_c.order_id)
        .join(repo.store_t, store_c.id == invoice_c.store_id)
    )
    return with_order_lines(joined)


def _sales_select(w: _Where) -> sa.Select[tuple[object, ...]]:
    return (
        sa.select(
            invoice_c.number,
            invoice_c.issued_at,
            store_c.code,
            order_c.number,
            invoice_line_c.sku,
            invoice_line_c.description,
            invoice_line_c.quantity,
            invoice_line_c.unit_price,
            invoice_line_c.total,
            invoice_line_c.serial,
            order_c.type,
            order_c.delivery,
            customer_field_of(orepo.order_t),
            invoice_c.kind,
            *DISCOUNT_COLUMNS,
        )
        .select_from(_sales_from())
        .where(*_sales_where(w))
        .order_by(invoice_c.id, invoice_line_c.position)
    )


#: In a :func:`_sales_select` row: where DISCOUNT_COLUMNS start, the ones that say whether
#: there is anything to work out (as ``discount_of`` reads them), and their values when not.
_TERMS = 14
_GIVEN = slice(_TERMS + 2, _TERMS + 8)
_NOTHING_GIVEN = (None,) * 6
_NO_DISCOUNT = (Decimal("0.00"), None)


def _detail(row: Sequence[Any]) -> tuple[object, ...]:
    """A database row as a sales-detail row (full names, refunds negative), then the
    discount's approver (a report field, not an export column).

    This runs once per line of an export (a million lines: every step here is about a
    second), so the common line (an invoice's, no discount) is one tuple built from slices."""
    kind = row[13]
    if kind != _REFUND and row[_GIVEN] == _NOTHING_GIVEN:
        return (
            *row[:8],
            *_NO_DISCOUNT,
            row[8],
            _SALE_TYPE[row[10]],
            row[9],
            _DELIVERY[row[11]],
            row[12] or None,
            kind,
            None,
        )
    (
        invoice,
        issued,
        store,
        order,
        sku,
        name,
        quantity,
        price,
        total,
        serial,
        sale_type,
        delivery,
        customer,
        kind,
    ) = row[:_TERMS]
    off = discount_of(row[_TERMS:], quantity, kind == _REFUND)
    if kind == _REFUND:
        quantity, total = -quantity, -total
    return (
        invoice,
        issued,
        store,
        order,
        sku,
        name,
        quantity,
        price,
        off.amount,
        off.reason,
        total,
        _SALE_TYPE[sale_type],
        serial,
        _DELIVERY[delivery],
        customer or None,
        kind,
        off.approved_by,
    )


def sales_report(db: Database, f: ReportFilter, limit: int = 10_000) -> SalesReport:
    """The sales in the filter, oldest first, at most ``limit`` rows; the totals count every
    matching row (one aggregate query), so a capped report still adds up."""

    def work(conn: Connection) -> SalesReport:
        w = _checked(db, conn, f, sales=True)
        rows = [
            SalesRow(*_detail(r))  # type: ignore[arg-type]
            for r in conn.execute(_sales_select(w).limit(limit + 1))
        ]
        sign = sa.case((invoice_c.kind == _REFUND, -1), else_=1)
        count, quantity, total = conn.execute(
            sa.select(
                sa.func.count(),
                sa.func.coalesce(sa.func.sum(sign * invoice_line_c.quantity), 0),
                sa.func.coalesce(sa.func.sum(sign * invoice_line_c.total), 0),
            )
            .select_from(_sales_from())
            .where(*_sales_where(w))
        ).one()
        gone = _not_taken(conn, w)
        return SalesReport(rows[:limit], int(quantity), orepo.money(total), count > limit, gone)

    return db.read(work)


def _not_taken(conn: Connection, w: _Where) -> tuple[str, ...]:
    return nt.named_in(conn, w.not_taken, _sales_from(), _sales_where(replace(w, not_taken=())))


def not_taken_sales(db: Database, f: ReportFilter) -> tuple[str, ...]:
    """The filter's invoices and refund notes that central did not take (a store terminal's),
    which the sales rows leave out: what an export's note names."""
    return db.read(lambda conn: _not_taken(conn, _checked(db, conn, f, sales=True)))


def count_sales_detail(db: Database, f: ReportFilter) -> int:
    """How many rows :func:`sales_detail_rows` will give (for progress bars)."""

    def work(conn: Connection) -> int:
        w = _checked(db, conn, f, sales=True)
        return int(
            conn.execute(
                sa.select(sa.func.count()).select_from(_sales_from()).where(*_sales_where(w))
            ).scalar_one()
        )

    return db.read(work)


def sales_detail_rows(db: Database, f: ReportFilter) -> Generator[tuple[object, ...], None, None]:
    """Every sold (or refunded) line in the filter, oldest first, as tuples in
    SALES_DETAIL_COLUMNS order. The filter is checked now (so a bad one fails before any
    file is started); the rows stream in chunks of CHUNK inside one read transaction, which
    stays open until the iterator is exhausted or closed (``close()`` cancels an export)."""
    w = db.read(lambda conn: _checked(db, conn, f, sales=True))
    return _stream(db, _sales_select(w))


def _stream(
    db: Database,
    query: sa.Select[tuple[object, ...]],
) -> Generator[tuple[object, ...], None, None]:
    with db.connect(write=False) as conn:
        result = conn.execution_options(stream_results=True, yield_per=CHUNK).execute(query)
        given, nothing, zero = _GIVEN, _NOTHING_GIVEN, _NO_DISCOUNT[0]
        sale_type, delivery = _SALE_TYPE, _DELIVERY
        rows: Iterable[Sequence[Any]] = result  # (partitions() would hold two chunks)
        for row in rows:
            # _detail's common case written out here: a million calls are a second.
            if row[13] != _REFUND and row[given] == nothing:
                yield (
                    *row[:8],
                    zero,
                    None,
                    row[8],
                    sale_type[row[10]],
                    row[9],
                    delivery[row[11]],
                    row[12] or None,
                    row[13],
                )
            else:
                yield _detail(row)[:-1]


# -- fulfilment -----------------------------------------------------------------------
@dataclass(frozen=True)
class FulfilmentRow:
    order: str
    line: int  # the line's id: what set_serial and fulfil name
    store: str
    created: datetime
    sale_type: str  # full name
    delivery: str  # full name
    customer: str | None
    sku: str
    product: str
    quantity: int
    serial: str | None
    serial_mode: str  # "required" | "optional" | "disabled"
    pending_serial: bool  # the product requires a serial and none is recorded
    number: int = 0  # the line's number on the order (what the order screen shows)
    phone: str | None = None
    bin: str | None = None  # where the product is kept (for picking)


FULFILMENT_COLUMNS: tuple[str, ...] = (
    "Order",
    "Line",
    "Store",
    "Created",
    "Sale Type",
    "Delivery Mode",
    "Customer",
    "SKU",
    "Product",
    "Quantity",
    "Serial Number",
    "Serial Mode",
    "Pending Serial",
    "Line ID",
)

line_c, product_c = orepo.line_t.c, repo.product_t.c
#: Orders that are not yet fulfilled: being rung up or waiting (open), or set aside (parked).
WAITING_ORDER_STATUSES = ("open", "parked")


def _mode(package_type: str | None, serial_mode: str) -> str:
    """As services/orders/reading.py ``line_mode``: a package opened at the sale takes no serial
    itself."""
    return SerialMode.DISABLED.value if package_type == "exploded" else serial_mode


def fulfilment_rows(db: Database, f: ReportFilter, limit: int = 5_000) -> list[FulfilmentRow]:
    """Open lines of orders not yet fulfilled (open or parked), oldest order first: the
    filter's store, order date, delivery mode, SKU, exact serial and "pending serial" (the
    product requires a serial and the line has none) apply."""

    def work(conn: Connection) -> list[FulfilmentRow]:
        w = _checked(db, conn, f)
        where: list[sa.ColumnElement[bool]] = [
            order_c.status.in_(WAITING_ORDER_STATUSES),
            line_c.status == LineStatus.OPEN,
        ]
        if w.store_id is not None:
            where.append(order_c.store_id == w.store_id)
        if w.start is not None:
            where.append(order_c.created_at >= w.start)
        if w.end is not None:
            where.append(order_c.created_at < w.end)
        if w.delivery is not None:
            where.append(order_c.delivery == w.delivery)
        if w.sku is not None:
            where.append(line_c.sku == w.sku)
        if w.serial is not None:
            where.append(line_c.serial == w.serial)
        if w.pending_serial:
            where += [
                line_c.serial.is_(None),
                product_c.serial_mode == SerialMode.REQUIRED.value,
                sa.func.coalesce(product_c.package_type, "") != "exploded",
            ]
        rows = conn.execute(
            sa.select(
                order_c.number,
                line_c.id,
                store_c.code,
                order_c.created_at,
                order_c.type,
                order_c.delivery,
                customer_field_of(orepo.order_t),
                line_c.sku,
                line_c.name,
                line_c.quantity,
                line_c.serial,
                product_c.serial_mode,
                product_c.package_type,
                line_c.number.label("line_number"),
                customer_field_of(orepo.order_t, "phone"),
                product_c.bin,
            )
            .select_from(
                orepo.line_t.join(orepo.order_t, order_c.id == line_c.order_id)
                .join(repo.product_t, product_c.id == line_c.product_id)
                .join(repo.store_t, store_c.id == order_c.store_id)
            )
            .where(*where)
            .order_by(order_c.id, line_c.number)
            .limit(limit)
        ).all()
        out = []
        for r in rows:
            mode = _mode(r.package_type, r.serial_mode)
            out.append(
                FulfilmentRow(
                    order=r.number,
                    line=r.id,
                    store=r.code,
                    created=r.created_at,
                    sale_type=_SALE_TYPE[r.type],
                    delivery=_DELIVERY[r.delivery],
                    customer=r.customer_name,
                    sku=r.sku,
                    product=r.name,
                    quantity=r.quantity,
                    serial=r.serial,
                    serial_mode=mode,
                    pending_serial=mode == SerialMode.REQUIRED.value and not r.serial,
                    number=r.line_number,
                    phone=r.customer_phone,
                    bin=r.bin,
                )
            )
        return out

    return db.read(work)


def fulfilment_table_rows(rows: Iterable[FulfilmentRow]) -> Iterator[tuple[object, ...]]:
    """Fulfilment rows in FULFILMENT_COLUMNS order, for tables and exports ("Line" is the
    number on the order; "Line ID" what the services name)."""
    for r in rows:
        yield (
            r.order,
            r.number,
            r.store,
            r.created,
            r.sale_type,
            r.delivery,
            r.customer,
            r.sku,
            r.product,
            r.quantity,
            r.serial,
            r.serial_mode,
            "yes" if r.pending_serial else "no",
            r.line,
        )


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
