"""Report exports to CSV, XLSX and JSON, written as the rows stream in.

Memory stays flat however long the export: rows are written one at a time (XLSX streamed
into its zip as it is written, :mod:`serialpos.services.xlsx_stream`). The file is
built under a temporary name beside the target and renamed into place only when complete, so
a full disk, an unwritable folder or an interrupted export never leaves a partial file under
the requested name.

Spreadsheet formula injection: a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return would be run as a formula when the CSV is opened in a spreadsheet (product
and customer names are typed by people, serials come from barcodes anyone can print). CSV text
cells starting so are prefixed with ``'``, as OWASP advises; numbers (negative refund
quantities included) are never touched. ``guard_formulas=False`` writes text exactly as
recorded, for scripts. XLSX needs no guard: text is written as text cells, never as formulas.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO

from serialpos.files import replacing
from serialpos.services.xlsx_stream import SheetStream

Progress = Callable[[int], None]  # called with rows written so far, every few thousand rows

EXPORT_FORMATS = ("csv", "xlsx")
#: How often (in rows) the progress callback is told.
PROGRESS_EVERY = 5_000
#: Rows per XLSX worksheet, header included: Excel's limit.
XLSX_SHEET_ROWS = 1_048_576

_FORMULA_STARTS = frozenset("=+-@\t\r")
_BUFFER = 1 << 20
#: Types the csv module writes as they should be: None as "", numbers with str().
_AS_IS = frozenset({int, Decimal, float, type(None)})


def _csv_cell(value: object, guard: bool) -> object:
    """A cell of a type csv does not write as wanted (the common ones are handled inline
    in :func:`stream_csv`, this runs per cell otherwise)."""
    if isinstance(value, str):
        return "'" + value if guard and value[:1] in _FORMULA_STARTS else value
    if isinstance(value, datetime):
        return value.isoformat(" ", "seconds")
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def _counting(
    rows: Iterable[Sequence[object]],
    progress: Progress | None,
) -> Iterable[Sequence[object]]:
    if progress is None:
        return rows
    return _told(rows, progress)


def _told(rows: Iterable[Sequence[object]], progress: Progress) -> Iterable[Sequence[object]]:
    n = 0
    for n, row in enumerate(rows, start=1):
        yield row
        if n % PROGRESS_EVERY == 0:
            progress(n)
    progress(n)


def write_csv(
    path: Path,
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    progress: Progress | None = None,
    *,
    guard_formulas: bool = True,
) -> int:
    """Write a header and ``rows`` as UTF-8 CSV (RFC 4180: comma, double-quote quoting only
    where needed, CRLF line ends); returns the number of rows written."""
    with (
        replacing(path) as temp,
        temp.open("w", encoding="utf-8", newline="", buffering=_BUFFER) as out,
    ):
        return stream_csv(out, columns, _counting(rows, progress), guard_formulas=guard_formulas)


def stream_csv(
    out: IO[str],
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    guard_formulas: bool = True,
) -> int:
    """Write CSV to an open text stream (a file opened with ``newline=""``, or stdout)."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    g, as_is, risky, cell = guard_formulas, _AS_IS, _FORMULA_STARTS, _csv_cell
    count = 0
    for row in rows:
        # Inline fast paths: this loop runs once per cell of a million-row export.
        writer.writerow(
            [
                v
                if type(v) in as_is
                else (("'" + v if g and v[:1] in risky else v) if type(v) is str else cell(v, g))
                for v in row
            ]
        )
        count += 1
    return count


def csv_chunks(
    columns: Sequence[str], rows: Iterable[Sequence[object]], size: int = 65536
) -> Iterator[str]:
    """The CSV of :func:`stream_csv` (formulas guarded) in pieces of about ``size``
    characters, for a response streamed as it is read from the database."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_cell(v, True) for v in row])
        if out.tell() >= size:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def write_json(
    path: Path,
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    progress: Progress | None = None,
) -> int:
    """One JSON array of objects keyed by ``columns``, written as it streams."""
    count = 0
    with replacing(path) as temp, temp.open("w", encoding="utf-8", buffering=_BUFFER) as out:
        count = stream_json(out, columns, _counting(rows, progress))
    return count


def stream_json(out: IO[str], columns: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Write one JSON array (one object per row, one row per line) to ``out``."""
    count = 0
    out.write("[")
    for row in rows:
        out.write(",\n" if count else "\n")
        out.write(
            json.dumps(dict(zip(columns, map(json_value, row), strict=True)), ensure_ascii=False)
        )
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def json_value(value: object) -> object:
    """Decimals as text (money is exact), datetimes as ISO 8601 UTC."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat() + ("Z" if value.tzinfo is None else "")
    if isinstance(value, date):
        return value.isoformat()
    return value


def write_xlsx(
    path: Path,
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    progress: Progress | None = None,
    *,
    sheet_rows: int = XLSX_SHEET_ROWS,
    sheet_name: str = "Export",
) -> int:
    """Write an XLSX workbook: a header row, then ``rows``; past ``sheet_rows`` rows on a
    sheet (header included) the rows continue on a further sheet ("Export 2", ...) that
    starts with the header again. Returns the number of rows written. The cells are typed
    (text always as text: serials like "0012" stay as they are; numbers, money and dates as
    such): see :mod:`serialpos.services.xlsx_stream`, which streams each sheet into the zip."""
    if sheet_rows < 2:
        raise ValueError("a sheet holds at least the header and one row")
    with replacing(path) as temp:
        return _write_workbook(temp, columns, _counting(rows, progress), sheet_rows, sheet_name)


def _write_workbook(
    temp: Path,
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    sheet_rows: int,
    sheet_name: str,
) -> int:
    """On a failure the workbook is abandoned unfinished (``replacing`` removes the file)
    and the first error is the one raised."""
    rest = iter(rows)
    head = list(itertools.islice(rest, WIDTH_SAMPLE))
    book = SheetStream(str(temp), columns, column_widths(columns, head))
    try:
        count = 0
        row_no = sheet_rows  # a new sheet is started before the first row
        write = book.write_row
        for row in itertools.chain(head, rest):
            if row_no >= sheet_rows:
                n = len(book.sheet_names) + 1
                book.new_sheet(sheet_name if n == 1 else f"{sheet_name} {n}")
                row_no = 1
            write(row)
            row_no += 1
            count += 1
        if count == 0:
            book.new_sheet(sheet_name)
        book.close()
    except BaseException:
        with contextlib.suppress(Exception):
            book.abandon()
        raise
    return count


#: Rows read ahead to size the columns (the widths come before the first row in the file).
WIDTH_SAMPLE = 1000


def _cell_width(value: object) -> int:
    """Characters the cell shows in a spreadsheet, in the formats below."""
    if isinstance(value, datetime):
        return 19  # yyyy-mm-dd hh:mm:ss
    if isinstance(value, date):
        return 10
    if isinstance(value, Decimal):
        return len(f"{value:,.2f}")
    return len(str(value)) if value is not None else 0


def column_widths(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> list[int]:
    """Each column as wide as its header and its widest value in ``rows`` (plus a margin, at
    most 60): dates, invoice numbers and serials are readable when the file opens, never
    ``###`` or cut."""
    widths = [len(name) for name in columns]
    for row in rows:
        for col, value in enumerate(row[: len(widths)]):
            widths[col] = max(widths[col], _cell_width(value))
    return [min(60, w + 2) for w in widths]


def write_export(
    fmt: str,
    path: Path,
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    progress: Progress | None = None,
) -> int:
    """Write ``rows`` to ``path`` in ``fmt`` (one of EXPORT_FORMATS, or "json")."""
    if fmt == "csv":
        return write_csv(path, columns, rows, progress)
    if fmt == "xlsx":
        return write_xlsx(path, columns, rows, progress)
    if fmt == "json":
        return write_json(path, columns, rows, progress)
    raise ValueError(f"export format '{fmt}' is not one of csv, xlsx, json")
