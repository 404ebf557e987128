"""Back-office sales reports: what was invoiced, with serials, read straight from the invoice
tables (the fulfilment list, what is still to hand over, is services/fulfilment_report.py).

What counts as a sale: every line of an issued invoice, as issued (the invoice lines are
snapshots, so a later price or name change never rewrites history). A refund note is a
negative row: its lines appear with negative quantity and total, the refund note's number in
the Invoice column and "Refund" as the kind, on the refund's date. So the totals of a period
are what was sold less what was refunded in it. Open, parked and voided orders are not sales.
A package opened at the sale shows its own line (its price) and its components' lines (priced
0, with their serials).

Dates are UTC dates of the invoice, both ends inclusive (services/report_filter.py).
The sales-detail rows stream from the database in chunks (a server-side cursor on
PostgreSQL), so an export of a million lines holds a few thousand rows at a time.

On a store terminal, a sale central did not take (a conflict or refused) is no sale: the
sales reports leave its invoice (or refund note) out and name it (services/not_taken.py).
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_repo as orepo
from serialpos.db import repo
from serialpos.db.customer_tables import customer_field_of
from serialpos.db.engine import Database
from serialpos.domain.orders import DeliveryMode, OrderStatus, SaleType
from serialpos.services import not_taken as nt
from serialpos.services import sale_copies
from serialpos.services.report_discounts import DISCOUNT_COLUMNS, discount_of, with_order_lines
from serialpos.services.report_filter import ReportFilter, Where, checked

#: Rows fetched from the database per round trip while streaming an export.
CHUNK = 5_000

_SALE_TYPE = {t.value: t.label for t in SaleType}
_DELIVERY = {d.value: d.label for d in DeliveryMode}
_REFUND = "Refund"


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
#: Every store, for a date range over all of them (not the store joined for its code).
_every_store = repo.store_t.alias("every_store")


def _sales_where(w: Where, dialect: str) -> list[sa.ColumnElement[bool]]:
    """The filter's terms. On SQLite a date range over every store is asked store by store
    (``store_id IN`` every store): each store's invoices of the range are one range of
    ``ix_invoice_store_issued_at``, and SQLite has no index on the date alone (migration
    0036: a page fewer per sale); PostgreSQL keeps ``ix_invoice_issued_at`` and the plain
    range."""
    where: list[sa.ColumnElement[bool]] = []
    if w.store_id is not None:
        where.append(invoice_c.store_id == w.store_id)
    elif dialect == "sqlite" and (w.start is not None or w.end is not None):
        where.append(invoice_c.store_id.in_(sa.select(_every_store.c.id)))
    if w.start is not None:
        where.append(invoice_c.issued_at >= w.start)
    if w.end is not None:
        where.append(invoice_c.issued_at < w.end)
    if w.sku is not None:
        where.append(invoice_line_c.sku == w.sku)
    if w.serial is not None:
        where.append(invoice_line_c.serial == w.serial)
    # An invoice of a voided order is a till's invoice cancelled by a ``refund``
    # resolution (db/refund_sql.py), kept for its number: no sale, at central or here.
    where.append(order_c.status != OrderStatus.VOIDED.value)
    return where + nt.excluded(w.not_taken) + sale_copies.not_copied(w.own_codes)


def _sales_from() -> sa.FromClause:
    joined: sa.FromClause = (
        orepo.invoice_line_t.join(orepo.invoice_t, invoice_c.id == invoice_line_c.invoice_id)
        .join(orepo.order_t, order_c.id == invoice_c.order_id)
        .join(repo.store_t, store_c.id == invoice_c.store_id)
    )
    return with_order_lines(joined)


def _sales_select(w: Where, dialect: str) -> sa.Select[tuple[object, ...]]:
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
        .where(*_sales_where(w, dialect))
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
        w = checked(db, conn, f, sales=True)
        rows = [
            SalesRow(*_detail(r))  # type: ignore[arg-type]
            for r in conn.execute(_sales_select(w, conn.dialect.name).limit(limit + 1))
        ]
        sign = sa.case((invoice_c.kind == _REFUND, -1), else_=1)
        count, quantity, total = conn.execute(
            sa.select(
                sa.func.count(),
                sa.func.coalesce(sa.func.sum(sign * invoice_line_c.quantity), 0),
                sa.func.coalesce(sa.func.sum(sign * invoice_line_c.total), 0),
            )
            .select_from(_sales_from())
            .where(*_sales_where(w, conn.dialect.name))
        ).one()
        gone = _not_taken(conn, w)
        return SalesReport(rows[:limit], int(quantity), orepo.money(total), count > limit, gone)

    return db.read(work)


def _not_taken(conn: Connection, w: Where) -> tuple[str, ...]:
    where = _sales_where(replace(w, not_taken=()), conn.dialect.name)
    return nt.named_in(conn, w.not_taken, _sales_from(), where)


def not_taken_sales(db: Database, f: ReportFilter) -> tuple[str, ...]:
    """The filter's invoices and refund notes that central did not take (a store terminal's),
    which the sales rows leave out: what an export's note names."""
    return db.read(lambda conn: _not_taken(conn, checked(db, conn, f, sales=True)))


def refund_notes_among(db: Database, numbers: Sequence[str]) -> frozenset[str]:
    """Those of the documents central did not take that are refund notes, for the note that
    names them (services/not_taken.py)."""
    return db.read(lambda conn: nt.refund_notes_among(conn, numbers))


def count_sales_detail(db: Database, f: ReportFilter) -> int:
    """How many rows :func:`sales_detail_rows` will give (for progress bars)."""

    def work(conn: Connection) -> int:
        w = checked(db, conn, f, sales=True)
        return int(
            conn.execute(
                sa.select(sa.func.count())
                .select_from(_sales_from())
                .where(*_sales_where(w, conn.dialect.name))
            ).scalar_one()
        )

    return db.read(work)


def sales_detail_rows(db: Database, f: ReportFilter) -> Generator[tuple[object, ...], None, None]:
    """Every sold (or refunded) line in the filter, oldest first, as tuples in
    SALES_DETAIL_COLUMNS order. The filter is checked now (so a bad one fails before any
    file is started); the rows stream in chunks of CHUNK inside one read transaction, which
    stays open until the iterator is exhausted or closed (``close()`` cancels an export)."""
    w = db.read(lambda conn: checked(db, conn, f, sales=True))
    return _stream(db, _sales_select(w, db.dialect))


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
