"""``serialpos report``: sales, sales detail and fulfilment, as a table, CSV, XLSX or JSON.

For managers and admins (the reports permission), over SSH as in the console. Without
``--out`` the report goes to stdout (XLSX excepted: a workbook is not for a terminal); with
``--out`` the file appears complete or not at all. Large exports show a Rich progress bar on
stderr when stderr is a terminal, so stdout stays clean for pipes. This module reads the
options and picks the rows; report_table.py shows them, report_export.py writes them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from serialpos.cli.context import state
from serialpos.cli.output import fail, say
from serialpos.cli.report_export import write_rows
from serialpos.cli.report_table import show_table

if TYPE_CHECKING:
    from serialpos.db.engine import Database
    from serialpos.services.report_filter import ReportFilter

app = typer.Typer(
    help="Sales and fulfilment reports, and exports (CSV, XLSX, JSON).", no_args_is_help=True
)

FORMATS = ("table", "csv", "xlsx", "json")
#: Rows shown in a table; the totals still count every row. Exports are never capped.
TABLE_ROWS = 10_000
#: Open lines exported by ``fulfilment`` (they are held in memory, unlike sales rows).
FULFILMENT_EXPORT_ROWS = 200_000

#: Columns a table leaves out, in this order, while the terminal is too narrow for them. Dates,
#: serials, SKUs, prices and ids are never among them: a narrow terminal wraps names instead.
SALES_DROP = (
    "Kind",
    "Order",
    "Store",
    "Delivery Mode",
    "Sale Type",
    "Discount Reason",
    "Discount",
    "Product",
)
FULFILMENT_DROP = (
    "Line ID",
    "Store",
    "Serial Mode",
    "Sale Type",
    "Delivery Mode",
    "Customer",
    "Product",
)

_FROM = typer.Option(
    None,
    "--from",
    metavar="YYYY-MM-DD",
    help="First day (UTC), inclusive. Omitted: from the beginning.",
)
_TO = typer.Option(
    None, "--to", metavar="YYYY-MM-DD", help="Last day (UTC), inclusive. Omitted: up to now."
)
_STORE = typer.Option(None, "--store", metavar="CODE", help="Only this store (its code).")
_SKU = typer.Option(None, "--sku", metavar="SKU", help="Only this product.")
_SERIAL = typer.Option(
    None, "--serial", metavar="SERIAL", help="Only the lines of this exact serial."
)
_PENDING = typer.Option(
    False, "--pending-serial", help="Fulfilment: only lines still waiting for a required serial."
)
_FORMAT = typer.Option("table", "--format", metavar="table|csv|xlsx|json", help="Output format.")
_OUT = typer.Option(
    None, "--out", metavar="FILE", help="Write to FILE (complete or not at all). Default: stdout."
)
_JSON = typer.Option(False, "--json", help="Short for --format json.")

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _day(value: str | None, option: str) -> date | None:
    from serialpos.domain.errors import BadValue
    from serialpos.domain.text import clip

    if value is None:
        return None
    text = value.strip()
    try:
        if not _DATE.fullmatch(text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise BadValue(f"{option} '{clip(text)}' is not a date: give YYYY-MM-DD") from None


def _format(fmt: str, json_out: bool, out: Path | None) -> str:
    chosen = fmt.strip().lower()
    if chosen not in FORMATS:
        fail(f"--format '{fmt}' is not one of {', '.join(FORMATS)}")
    if json_out:
        if chosen not in ("table", "json"):
            fail(f"--json and --format {chosen} ask for two formats: give one")
        chosen = "json"
    if chosen == "xlsx" and out is None:
        fail("an XLSX workbook is written to a file: give --out FILE.xlsx")
    if chosen == "table" and out is not None:
        fail("a table is shown on the terminal: give --format csv, xlsx or json with --out")
    return chosen


def _start(
    ctx: typer.Context,
    sales: bool,
    date_from: str | None,
    date_to: str | None,
    store: str | None,
    sku: str | None,
    serial: str | None,
    pending: bool,
) -> tuple[Database, ReportFilter]:
    """Check the filter's words, who acts (the reports permission) and the filter against
    the database, before anything is written."""
    from serialpos.domain.users import Permission
    from serialpos.services.report_filter import ReportFilter, check_filter

    if sales and pending:
        fail("--pending-serial is for the fulfilment report: sales have their serials")
    f = ReportFilter(
        date_from=_day(date_from, "--from"),
        date_to=_day(date_to, "--to"),
        store=store,
        sku=sku,
        serial=serial,
        pending_serial=pending,
    )
    cli = state(ctx)
    cli.require_actor().require(Permission.REPORTS)
    db = cli.database()
    check_filter(db, f)
    return db, f


def _discount_words(reason: str | None, approved_by: str | None) -> str | None:
    """A discount's reason and, past the store's limit, the manager who approved it."""
    approval = f"approved by {approved_by}" if approved_by else ""
    return " ".join(w for w in (reason or "", f"({approval})" if approval else "") if w) or None


def _sales(
    ctx: typer.Context,
    detail: bool,
    date_from: str | None,
    date_to: str | None,
    store: str | None,
    sku: str | None,
    serial: str | None,
    pending: bool,
    fmt: str,
    out: Path | None,
    json_out: bool,
) -> None:
    from serialpos.services.report_filter import describe
    from serialpos.services.reports import (
        SALES_DETAIL_COLUMNS,
        SALES_JSON_KEYS,
        count_sales_detail,
        not_taken_sales,
        sales_detail_rows,
        sales_report,
    )

    chosen = _format(fmt, json_out, out)
    db, f = _start(ctx, True, date_from, date_to, store, sku, serial, pending)
    if chosen == "table":
        report = sales_report(db, f, limit=TABLE_ROWS)
        rows = (
            (
                r.invoice,
                r.date,
                r.store,
                r.order,
                r.sku,
                r.product,
                r.quantity,
                r.unit_price,
                r.discount,
                _discount_words(r.discount_reason, r.discount_approved_by),
                r.total,
                r.sale_type,
                r.serial,
                r.delivery,
                r.customer,
                r.kind,
            )
            for r in report.rows
        )
        footer = {"Invoice": "Total", "Quantity": str(report.quantity), "Total": str(report.total)}
        show_table(
            SALES_DETAIL_COLUMNS,
            rows,
            drop=SALES_DROP,
            title=f"{'Sales detail' if detail else 'Sales'}: {describe(f)}",
            empty="no sales in this filter",
            footer=footer,
        )
        if report.truncated:
            say(
                f"showing the first {TABLE_ROWS:,} rows (the totals count them all); "
                "for every row give --format csv, xlsx or json"
            )
        _not_taken_note(db, report.not_taken)
        return
    total = count_sales_detail(db, f) if out is not None else 0
    write_rows(
        chosen,
        out,
        SALES_DETAIL_COLUMNS,
        SALES_JSON_KEYS,
        sales_detail_rows(db, f),
        total,
        "exporting sales",
    )
    _not_taken_note(db, not_taken_sales(db, f))


def _not_taken_note(db: Database, numbers: Sequence[str]) -> None:
    """On a store terminal, the sales (and refund notes) central did not take, left out:
    named on stderr, each as what it is (the rows and their columns stay as they are
    pinned: docs/reports.md)."""
    from serialpos.services.not_taken import note
    from serialpos.services.reports import refund_notes_among

    words = note(numbers, refund_notes_among(db, numbers) if numbers else ())
    if words is not None:
        typer.echo(f"note: {words}", err=True)


@app.command("sales")
def sales(
    ctx: typer.Context,
    date_from: str | None = _FROM,
    date_to: str | None = _TO,
    store: str | None = _STORE,
    sku: str | None = _SKU,
    serial: str | None = _SERIAL,
    pending_serial: bool = _PENDING,
    fmt: str = _FORMAT,
    out: Path | None = _OUT,
    json_out: bool = _JSON,
) -> None:
    """Sales (invoice lines; refunds as negative rows) with serials and totals."""
    _sales(ctx, False, date_from, date_to, store, sku, serial, pending_serial, fmt, out, json_out)


@app.command("sales-detail")
def sales_detail(
    ctx: typer.Context,
    date_from: str | None = _FROM,
    date_to: str | None = _TO,
    store: str | None = _STORE,
    sku: str | None = _SKU,
    serial: str | None = _SERIAL,
    pending_serial: bool = _PENDING,
    fmt: str = _FORMAT,
    out: Path | None = _OUT,
    json_out: bool = _JSON,
) -> None:
    """One row per sold unit or line: Sale Type, Serial Number, Delivery Mode, Customer:
    the export (streamed, however many rows)."""
    _sales(ctx, True, date_from, date_to, store, sku, serial, pending_serial, fmt, out, json_out)


@app.command("fulfilment")
def fulfilment(
    ctx: typer.Context,
    date_from: str | None = _FROM,
    date_to: str | None = _TO,
    store: str | None = _STORE,
    sku: str | None = _SKU,
    serial: str | None = _SERIAL,
    pending_serial: bool = _PENDING,
    fmt: str = _FORMAT,
    out: Path | None = _OUT,
    json_out: bool = _JSON,
) -> None:
    """Open lines of orders not yet fulfilled (dates: the order's), "pending serial" marked."""
    from dataclasses import fields

    from serialpos.services.fulfilment_report import (
        FULFILMENT_COLUMNS,
        FulfilmentRow,
        fulfilment_rows,
        fulfilment_table_rows,
    )
    from serialpos.services.report_filter import describe

    chosen = _format(fmt, json_out, out)
    db, f = _start(ctx, False, date_from, date_to, store, sku, serial, pending_serial)
    limit = TABLE_ROWS if chosen == "table" else FULFILMENT_EXPORT_ROWS
    found = fulfilment_rows(db, f, limit=limit)
    if chosen == "table":
        show_table(
            FULFILMENT_COLUMNS,
            fulfilment_table_rows(found),
            drop=FULFILMENT_DROP,
            title=f"Waiting for fulfilment: {describe(f)}",
            empty="nothing waiting for fulfilment in this filter",
        )
    else:
        keys = [fl.name for fl in fields(FulfilmentRow)]
        rows = (
            ([getattr(r, k) for k in keys] for r in found)
            if chosen == "json"
            else fulfilment_table_rows(found)
        )
        write_rows(chosen, out, FULFILMENT_COLUMNS, keys, rows, len(found), "exporting fulfilment")
    if len(found) == limit:
        typer.echo(
            f"note: only the first {limit:,} lines; narrow the filter for the rest", err=True
        )
