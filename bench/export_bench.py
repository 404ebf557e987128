"""Sales-detail export of 1M invoice lines to CSV and to XLSX: time and peak memory.

    .venv/bin/python bench/export_bench.py            # 1M lines
    .venv/bin/python bench/export_bench.py --quick    # 50k lines
    .venv/bin/python bench/export_bench.py --lines 10000000   # (or --rows)

The database (a SQLite file, the embedded default) is built by SQL, not by 1M service calls
(which would take hours and measure the counter, not the export): after migrating and adding
2 stores and 10 products through the services, ``INSERT ... SELECT`` over a recursive counter
writes 200k fulfilled orders of 5 lines, each with its invoice and invoice lines (a third of
the lines with a serial, a fiftieth of the invoices refund notes), dates spread over a year;
then ANALYZE. The rows have the shapes the services write (same columns, codes and formats).

Each export runs in a fresh subprocess doing exactly what ``serialpos report sales-detail
--format csv|xlsx --out FILE`` does (count, then stream through services/exports.py), so its
peak memory is the process's own: ``VmHWM`` (peak resident set size) read by the child at
the end, beside the RSS it had once everything was imported, before the export began. The
target is the whole process's peak, interpreter and libraries included.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

LINES = 1_000_000
LINES_PER_ORDER = 5
QUICK_KWARGS: dict[str, object] = {"lines": 50_000}
#: The xlsxwriter rows are the XLSX export as it was before issue 15 (XlsxWriter,
#: constant-memory mode), measured in the same run: `--before 0` leaves them out.
#: CSV from its own issue; XLSX from issue 15 (1M lines: <= 20 s, <= 100 MB).
TARGETS: dict[str, str] = {
    "csv export s": "< 20 s",
    "csv export peak RSS MB": "< 200 MB",
    "xlsx export s": "<= 20 s",
    "xlsx export peak RSS MB": "<= 100 MB",
}


def build(url: str, lines: int) -> None:
    """A database with ``lines`` sold lines (see the module doc)."""
    import sqlalchemy as sa

    from serialpos.db import migrate
    from serialpos.db.engine import Database
    from serialpos.services import products, stores
    from serialpos.services.context import SYSTEM

    db = Database(url)
    migrate.upgrade(db)
    stores.add_store(db, SYSTEM, "S1", "Main Street")
    stores.add_store(db, SYSTEM, "S2", "Harbour Mall")
    for n in range(10):
        products.create_product(
            db,
            SYSTEM,
            sku=f"P{n}",
            name=f"Bench product {n}",
            price=Decimal(f"{10 + n}.99"),
            serial_mode="required" if n % 3 == 0 else "disabled",
        )
    orders = lines // LINES_PER_ORDER
    counter = "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < :n) "
    stamp = (
        "strftime('%Y-%m-%d %H:%M:%S.000000', '2026-01-01', "
        "'+' || (n * 365 / :n) || ' days', '+' || (n % 86400) || ' seconds')"
    )
    with db.engine.begin() as conn:
        store: dict[int, str] = dict(conn.execute(sa.text("SELECT id, code FROM store")).all())
        s1, s2 = min(store), max(store)
        conn.execute(
            sa.text(
                counter + "INSERT INTO sale_order (id, number, store_id, type, delivery, status, "
                "created_by, terminal, created_at, updated_at) "
                f"SELECT n, 'S-' || printf('%07d', n), CASE WHEN n % 4 = 0 THEN {s2} ELSE {s1} "
                "END, CASE n % 10 WHEN 0 THEN 'special_order' WHEN 1 THEN 'layby' ELSE 'sale' END,"
                " CASE n % 7 WHEN 0 THEN 'delivery' WHEN 1 THEN 'pickup' ELSE 'cash_and_carry' "
                f"END, 'fulfilled', 'bench', 'bench', {stamp}, {stamp} FROM c"
            ),
            {"n": orders},
        )
        conn.execute(
            sa.text(
                counter + "INSERT INTO invoice (id, number, store_id, order_id, kind, issued_at, "
                "net, tax, total, change_due, created_by) "
                "SELECT n, 'INV-' || printf('%07d', n), "
                f"CASE WHEN n % 4 = 0 THEN {s2} ELSE {s1} END, n, "
                "CASE WHEN n % 50 = 0 THEN 'Refund' ELSE 'Invoice' END, "
                f"{stamp}, 75.95, 0, 75.95, 0, 'bench' FROM c"
            ),
            {"n": orders},
        )
        conn.execute(
            sa.text(
                counter + "INSERT INTO order_line (id, order_id, number, product_id, sku, name, "
                "quantity, unit_price, tax_rate, serial, status, invoice_id) "
                "SELECT c.n, (c.n - 1) / 5 + 1, (c.n - 1) % 5 + 1, p.id, p.sku, p.name, 1, "
                "p.price, 0, CASE WHEN c.n % 3 = 0 THEN 'BSN' || printf('%09d', c.n) END, "
                "'fulfilled', (c.n - 1) / 5 + 1 FROM c JOIN product p "
                "ON p.sku = 'P' || (c.n % 10)"
            ),
            {"n": orders * LINES_PER_ORDER},
        )
        conn.execute(
            sa.text(
                "INSERT INTO invoice_line (id, invoice_id, position, order_line_id, sku, "
                "description, quantity, unit_price, tax_rate, net, tax, total, serial) "
                "SELECT id, invoice_id, number, id, sku, name, quantity, unit_price, tax_rate, "
                "unit_price, 0, unit_price, serial FROM order_line"
            )
        )
        conn.exec_driver_sql("ANALYZE")
    db.dispose()


def _rss_mb() -> float:
    """This process's peak resident set size. ``VmHWM`` belongs to the process's own memory
    map, which exec starts afresh; ``ru_maxrss`` would not do: Linux carries it across fork
    and exec, so a child of a large parent (bench/run.py after the 1M-unit cases) would
    report the parent's peak."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def child(fmt: str, url: str, out: str) -> None:
    """One export, as ``serialpos report sales-detail --format FMT --out OUT`` does it;
    prints JSON with rows, seconds, CPU seconds and RSS before and at peak."""
    from serialpos.db.engine import Database
    from serialpos.services import exports
    from serialpos.services.report_filter import ReportFilter
    from serialpos.services.reports import (
        SALES_DETAIL_COLUMNS,
        count_sales_detail,
        sales_detail_rows,
    )

    db = Database(url)
    f = ReportFilter()
    db.read(lambda conn: None)  # connect before the baseline
    import serialpos.services.xlsx_stream  # noqa: F401 - imported before the baseline

    if fmt == "xlsxwriter":
        import xlsxwriter  # noqa: F401 - imported before the baseline, as the export will
    before = _rss_mb()
    wall, cpu = time.perf_counter(), time.process_time()
    total = count_sales_detail(db, f)
    if fmt == "xlsxwriter":
        rows = _xlsxwriter_export(Path(out), SALES_DETAIL_COLUMNS, sales_detail_rows(db, f))
    else:
        rows = exports.write_export(
            fmt, Path(out), SALES_DETAIL_COLUMNS, sales_detail_rows(db, f), progress=lambda n: None
        )
    print(
        json.dumps(
            {
                "rows": rows,
                "counted": total,
                "s": time.perf_counter() - wall,
                "cpu": time.process_time() - cpu,
                "rss_before": before,
                "rss_peak": _rss_mb(),
                "bytes": os.path.getsize(out),
            }
        )
    )


def _xlsxwriter_export(path: Path, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """The writer the export used before issue 15 (the floor the new one is judged against):
    XlsxWriter in constant-memory mode, one typed ``write_*`` call per cell, the same formats
    and the same sheet rollover at Excel's row limit."""
    import xlsxwriter

    from serialpos.services.exports import XLSX_SHEET_ROWS

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "tmpdir": str(path.parent)})
    header, money = book.add_format({"bold": True}), book.add_format({"num_format": "#,##0.00"})
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    sheet: Any = None
    count, row_no = 0, XLSX_SHEET_ROWS
    for row in rows:
        if row_no >= XLSX_SHEET_ROWS:
            sheet = book.add_worksheet()
            for col, name in enumerate(columns):
                sheet.write_string(0, col, name, header)
            sheet.freeze_panes(1, 0)
            row_no = 1
        for col, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                sheet.write_string(row_no, col, value)
            elif isinstance(value, Decimal):
                sheet.write_number(row_no, col, float(value), money)
            elif isinstance(value, datetime):
                sheet.write_datetime(row_no, col, value, stamp)
            elif isinstance(value, int | float):
                sheet.write_number(row_no, col, value)
            else:
                sheet.write_string(row_no, col, str(value))
        row_no += 1
        count += 1
    book.close()
    return count


def _export(fmt: str, url: str, folder: Path) -> dict[str, float]:
    out = folder / f"sales-detail.{'xlsx' if fmt == 'xlsxwriter' else fmt}"
    done = subprocess.run(
        [sys.executable, __file__, "child", fmt, url, str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{fmt} export failed: {done.stderr.strip()[-2000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    out.unlink()
    return result


def run(lines: int = LINES, before: int = 1) -> list[tuple[str, str]]:
    """Build the database, export it to CSV and to XLSX (and, with ``before`` 1, to XLSX
    through the XlsxWriter path it replaced, in the same run); (metric, value) rows."""
    results: list[tuple[str, str]] = [("sold lines", f"{lines:,}")]
    with tempfile.TemporaryDirectory(dir=os.environ.get("SERIALPOS_BENCH_DIR")) as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'bench.sqlite'}"
        start = time.perf_counter()
        build(url, lines)
        results.append(("build (bulk SQL) s", f"{time.perf_counter() - start:.1f}"))
        spent: dict[str, float] = {}
        for fmt in ("csv", "xlsx", "xlsxwriter")[: 3 if before else 2]:
            got = _export(fmt, url, folder)
            assert got["rows"] == got["counted"] == lines, got
            if fmt == "xlsxwriter":
                fmt = "xlsx before (XlsxWriter)"
            results += [
                (f"{fmt} export s", f"{got['s']:.1f}"),
                (f"{fmt} export cpu s", f"{got['cpu']:.1f}"),
                (f"{fmt} export rows/s", f"{got['rows'] / got['s']:,.0f}"),
                (f"{fmt} export peak RSS MB", f"{got['rss_peak']:.0f}"),
                (f"{fmt} process RSS before export MB", f"{got['rss_before']:.0f}"),
                (f"{fmt} file MB", f"{got['bytes'] / 1e6:.1f}"),
            ]
            spent[fmt] = got["cpu"]
        if before:
            ratio = spent["xlsx"] / spent["xlsx before (XlsxWriter)"]
            results.append(("xlsx / xlsx before, cpu s", f"{ratio:.2f}x"))
    return results


if __name__ == "__main__":
    if sys.argv[1:2] == ["child"]:
        child(*sys.argv[2:5])
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from benchkit import main

        main(run, TARGETS, QUICK_KWARGS, description=__doc__)
