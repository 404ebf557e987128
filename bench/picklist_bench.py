"""Pick list PDF benchmark: 500 open order lines (20 products in 20 bins, serials recorded on
two lines in three, the rest "serial to scan") rendered by ReportLab.

``run()`` times ``picklist_pdf`` on plain data (what printing costs) and the whole service path
``write_pick_list`` (read the lines from a SQLite file, sort, render, write the file atomically
with fsync), each as the median of several runs after a warm-up, in ``SERIALPOS_BENCH_DIR``
when set. Nothing asserts a time.

    .venv/bin/python bench/picklist_bench.py [--quick] [--lines N] [--runs N]
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

from benchkit import main, temp_dir
from serialpos.db import migrate
from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.printing.picklist import picklist_render
from serialpos.services import ledger, stores
from serialpos.services.context import SYSTEM
from serialpos.services.orders.host import NewLine, create_order
from serialpos.services.picking import pick_list, write_pick_list
from serialpos.services.product_import import import_products_text

LINES = 500
PRODUCTS = 20
RUNS = 7
QUICK_KWARGS: dict[str, object] = {"runs": 3}
TARGETS: dict[str, str] = {
    "pick list PDF, 500 lines (median)": "< 2 s",
    "pick list PDF from the database to file, 500 lines (median)": "< 2 s",
}


def _median_ms(work: Callable[[], object], runs: int) -> float:
    work()  # warm-up: fonts, imports, compiled statements
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _orders(db: Database, count: int) -> None:
    stores.add_store(db, SYSTEM, "S1", "Main Street")
    rows = "".join(
        f"PH{i},Phone model {i} with a name long enough to wrap once,100.00,"
        f"Required,,20,,24,{chr(65 + i % 5)}{i}\n"
        for i in range(PRODUCTS)
    )
    import_products_text(
        db,
        SYSTEM,
        "SKU,Name,Price,Serial Number Option,Barcode,TaxRate,SerialFormat,WarrantyMonths,Bin\n"
        + rows,
    )
    lines = []
    for i in range(count):
        sku = f"PH{i % PRODUCTS}"
        serial = f"SN{i:08d}O0" if i % 3 else None
        if serial:
            ledger.move(db, SYSTEM, Action.RECEIVE, store="S1", sku=sku, serials=[serial])
        lines.append(NewLine(sku, serial))
    create_order(db, SYSTEM, "S1", "special_order", "pickup", lines=lines)


def run(runs: int = RUNS, lines: int = LINES) -> list[tuple[str, str]]:
    with temp_dir("serialpos-picklist-bench-") as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.sqlite'}")
        try:
            migrate.upgrade(db)
            _orders(db, lines)
            doc = pick_list(db, SYSTEM, "S1")
            assert len(doc.lines) == lines
            render = _median_ms(lambda: picklist_render(doc), runs)
            whole = _median_ms(
                lambda: write_pick_list(db, SYSTEM, Path(tmp) / "pick.pdf", "S1"), runs
            )
            rendered = picklist_render(doc)
        finally:
            db.dispose()
    return [
        (f"pick list PDF, {lines} lines (median)", f"{render:.0f} ms"),
        (f"pick list PDF from the database to file, {lines} lines (median)", f"{whole:.0f} ms"),
        (
            f"pick list PDF size and pages, {lines} lines",
            f"{len(rendered.data) / 1024:.1f} KiB, {rendered.pages} pages",
        ),
    ]


if __name__ == "__main__":
    main(run, TARGETS, QUICK_KWARGS, description=__doc__)
