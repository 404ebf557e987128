"""``serialpos report``: sales, sales detail and fulfilment, as a table, CSV, XLSX or JSON.

For managers and admins (the reports permission), over SSH as in the console. Without
``--out`` the report goes to stdout (XLSX excepted: a workbook is not for a terminal); with
``--out`` the file appears complete or not at all. Large exports show a Rich progress bar on
stderr when stderr is a terminal, so stdout stays clean for pipes.
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from serialpos.cli.context import state
from serialpos.cli.output import fail, output_console, say

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
#: Exports of at least this many rows show a progress bar (on a terminal).
PROGRESS_FROM = 20_000

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


@contextmanager
def _progress(total: int, what: str) -> Iterator[Callable[[int], None] | None]:
    """A transient Rich progress bar on stderr for a long export; nothing for a short one,
    or when stderr is not a terminal (a log file would fill with redraws)."""
    from rich.console import Console

    console = Console(stderr=True)
    if total < PROGRESS_FROM or not console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(what, total=total)
        yield lambda done: bar.update(task, completed=done)


#: Cells never wrapped in a table: a serial or document number broken over lines is
#: misread, and one cut short with "…" is useless.
_WHOLE = frozenset(
    {
        "Invoice",
        "Order",
        "SKU",
        "Serial Number",
        "Line",
        "Line ID",
        "Date",
        "Created",
        "Quantity",
        "Price",
        "Discount",
        "Total",
    }
)
#: How narrow a wrapped text column (product, customer, ...) may become.
_TEXT_WIDTH = 14
#: Shorter headings where a column's values are short (the exports keep the full names).
_HEADINGS = {"Quantity": "Qty"}


def _discount_words(reason: str | None, approved_by: str | None) -> str | None:
    """A discount's reason and, past the store's limit, the manager who approved it."""
    approval = f"approved by {approved_by}" if approved_by else ""
    return " ".join(w for w in (reason or "", f"({approval})" if approval else "") if w) or None


def _table(
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    drop: Sequence[str],
    title: str,
    empty: str,
    footer: dict[str, str] | None = None,
) -> None:
    """A Rich table like output.print_table (cells shown literally), fitted to the terminal:
    identifiers and numbers whole, text wrapped, and when the columns cannot fit (an SSH
    session at 80 columns) the ``drop`` columns left out, in that order, until they do.
    Times to the minute; totals in the footer."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from serialpos.domain.text import visible

    cells = [[visible(_shown(v)) for v in row] for row in rows]
    if not cells:
        say(empty)
        return
    console = output_console()
    shown = _fit(columns, cells, drop, console.width)
    # One space between columns (no rules): 80 columns hold a sale's identifiers and its date.
    table = Table(
        title=title,
        header_style="bold",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        show_edge=False,
        padding=(0, 0),
        show_footer=footer is not None,
        footer_style="bold",
    )
    for i in shown:
        name = columns[i]
        table.add_column(
            _HEADINGS.get(name, name),
            no_wrap=name in _WHOLE,
            overflow="fold",
            min_width=None if name in _WHOLE else min(_TEXT_WIDTH, _longest(name, i, cells)),
            justify="right" if name in ("Quantity", "Price", "Discount", "Total") else "left",
            footer=(footer or {}).get(name, ""),
        )
    for row in cells:
        table.add_row(*(Text(row[i]) for i in shown))
    console.print(table)


def _fit(
    columns: Sequence[str], cells: list[list[str]], drop: Sequence[str], width: int
) -> list[int]:
    """The columns to show: all, less ``drop`` ones (in order) while they would not fit."""

    def need(i: int) -> int:
        longest = _longest(columns[i], i, cells)
        # 1 of padding between columns
        return (longest if columns[i] in _WHOLE else min(longest, _TEXT_WIDTH)) + 1

    shown = list(range(len(columns)))
    dropping = [columns.index(name) for name in drop]
    while sum(need(i) for i in shown) > width and dropping:
        shown.remove(dropping.pop(0))
    return shown


def _longest(name: str, i: int, cells: list[list[str]]) -> int:
    return max(len(_HEADINGS.get(name, name)), *(len(row[i]) for row in cells))


def _shown(value: object) -> str:
    from serialpos.cli.output import plain

    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(plain(value))


def _emit(
    fmt: str,
    out: Path | None,
    columns: Sequence[str],
    keys: Sequence[str],
    rows: Iterable[Sequence[object]],
    total: int,
    what: str,
) -> None:
    """Write rows as CSV, XLSX or JSON (keys: JSON's names for the columns) to ``out`` or
    stdout."""
    from serialpos.services import exports

    names = keys if fmt == "json" else columns
    if out is None:
        try:
            if fmt == "csv":
                exports.stream_csv(sys.stdout, names, rows)
            else:
                exports.stream_json(sys.stdout, names, rows)
            sys.stdout.flush()
        except BrokenPipeError:
            _reader_gone()
        return
    if not out.parent.is_dir():
        fail(f"cannot write {out}: the folder {out.parent} does not exist")
    try:
        with _progress(total, what) as progress:
            count = exports.write_export(fmt, out, names, rows, progress)
    except OSError as exc:
        # The temporary file beside the target is gone already; name what the user asked for.
        fail(f"cannot write {out}: {exc.strerror or exc}")
    say(f"wrote {count:,} rows to {out}")


def _reader_gone() -> None:
    """The reader of stdout stopped early (``| head``): stop quietly, as other tools do,
    and point stdout at /dev/null so the interpreter's last flush does not complain."""
    import os

    with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    raise typer.Exit(0)


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
        _table(
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
        _not_taken_note(report.not_taken)
        return
    total = count_sales_detail(db, f) if out is not None else 0
    _emit(
        chosen,
        out,
        SALES_DETAIL_COLUMNS,
        SALES_JSON_KEYS,
        sales_detail_rows(db, f),
        total,
        "exporting sales",
    )
    _not_taken_note(not_taken_sales(db, f))


def _not_taken_note(numbers: Sequence[str]) -> None:
    """On a store terminal, the sales central did not take, left out: named on stderr (the
    rows and their columns stay as they are pinned: docs/reports.md)."""
    from serialpos.services.not_taken import note

    words = note(numbers)
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
        _table(
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
        _emit(chosen, out, FULFILMENT_COLUMNS, keys, rows, len(found), "exporting fulfilment")
    if len(found) == limit:
        typer.echo(
            f"note: only the first {limit:,} lines; narrow the filter for the rest", err=True
        )
