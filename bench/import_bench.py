"""How fast a large product feed imports: 100k rows into a fresh SQLite file (in
``SERIALPOS_BENCH_DIR`` when set), then again as all updates, then unchanged, then exported.
Each row is wall time with this process's CPU time beside it. The target is under 10 s for
100k rows.

    .venv/bin/python bench/import_bench.py [--quick] [--rows N]
"""

from __future__ import annotations

import csv
import time
from pathlib import Path

from stdnum import ean

from benchkit import main, temp_dir
from serialpos.db import migrate
from serialpos.db.engine import Database
from serialpos.services.context import SYSTEM
from serialpos.services.product_import import export_products, import_products

ROWS = 100_000
QUICK_KWARGS: dict[str, object] = {"rows": 10_000}
TARGETS: dict[str, str] = {"import (all new) s (cpu s)": "< 10 s"}


def write_feed(path: Path, rows: int, price_cents: int = 1999) -> None:
    """A product feed of ``rows`` products, each with a valid EAN-13 barcode."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(
            [
                "SKU",
                "Name",
                "Price",
                "SerialNumberRequired",
                "Barcode",
                "TaxRate",
                "SerialFormat",
                "WarrantyMonths",
                "Bin",
            ]
        )
        for n in range(rows):
            body = f"20{n:010d}"
            writer.writerow(
                [
                    f"BENCH-{n:06d}",
                    f"Bench product {n}",
                    f"{(price_cents + n % 100) / 100:.2f}",
                    "true" if n % 3 == 0 else "false",
                    body + ean.calc_check_digit(body),
                    "20",
                    "imei" if n % 3 == 0 else "",
                    str(n % 37),
                    f"B{n % 50}",
                ]
            )


class _Clock:
    """Wall time (what the target is about) and this process's CPU time (what the code
    costs, whatever else runs on the machine)."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()

    def lap(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def _timed(results: list[tuple[str, str]], label: str, rows: int, clock: _Clock) -> None:
    wall, cpu = clock.lap()
    results.append((f"{label} s (cpu s)", f"{wall:.2f} ({cpu:.2f})"))
    results.append((f"{label} rows/s", f"{rows / wall:,.0f}"))


def run(rows: int = ROWS) -> list[tuple[str, str]]:
    """Import a generated feed twice (creates, then updates) and export it; (metric, value)."""
    results: list[tuple[str, str]] = [("rows", f"{rows:,}")]
    with temp_dir("serialpos-import-") as tmp:
        folder = Path(tmp)
        db = Database(f"sqlite:///{folder / 'bench.sqlite'}")
        try:
            migrate.upgrade(db)
            feed = folder / "feed.csv"
            write_feed(feed, rows)
            results.append(("feed size", f"{feed.stat().st_size / 1e6:.1f} MB"))

            clock = _Clock()
            report = import_products(db, SYSTEM, feed)
            assert report.created == rows, report
            _timed(results, "import (all new)", rows, clock)

            write_feed(feed, rows, price_cents=2999)  # every price changes
            clock = _Clock()
            report = import_products(db, SYSTEM, feed)
            assert report.updated == rows, report
            _timed(results, "re-import (all updates)", rows, clock)

            clock = _Clock()
            report = import_products(db, SYSTEM, feed)
            assert report.unchanged == rows, report
            _timed(results, "re-import (unchanged)", rows, clock)

            clock = _Clock()
            written = export_products(db, folder / "export.csv")
            assert written == rows
            _timed(results, "export", rows, clock)
        finally:
            db.dispose()
    return results


if __name__ == "__main__":
    main(run, TARGETS, QUICK_KWARGS, description=__doc__)
