"""Invoice PDF benchmark: a 20-line invoice (serials on every line) rendered by ReportLab.

``run()`` times ``invoice_pdf`` on plain data (what printing costs) and the whole service path
``write_invoice_pdf`` (read the invoice from a SQLite file, render, write the file atomically
with fsync), each as the median of several runs after a warm-up, in ``SERIALPOS_BENCH_DIR``
when set. Nothing asserts a time.

    .venv/bin/python bench/invoice_bench.py [--quick] [--lines N] [--runs N]
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from benchkit import main, temp_dir
from serialpos.db import migrate
from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.printing.invoice import invoice_pdf
from serialpos.services import ledger, products, stores
from serialpos.services.context import SYSTEM
from serialpos.services.invoices import invoice_document, write_invoice_pdf
from serialpos.services.orders.checkout import fulfil
from serialpos.services.orders.host import NewLine, create_order
from serialpos.services.orders.views import Customer

LINES = 20
RUNS = 15
QUICK_KWARGS: dict[str, object] = {"runs": 5}
TARGETS: dict[str, str] = {
    "invoice PDF, 20 lines (median)": "< 100 ms",
    "invoice PDF from the database to file, 20 lines (median)": "< 100 ms",
}


def _median_ms(work: Callable[[], object], runs: int) -> float:
    work()  # warm-up: fonts, imports, compiled statements
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _invoice(db: Database, count: int) -> str:
    stores.add_store(db, SYSTEM, "S1", "Main Street")
    serials = [f"SN{i:06d}" for i in range(count)]
    products.create_product(
        db,
        SYSTEM,
        sku="PH1",
        name="Phone with a longer description",
        price=Decimal("499.99"),
        serial_mode="required",
    )
    ledger.move(db, SYSTEM, Action.RECEIVE, store="S1", sku="PH1", serials=serials)
    view, _lines = create_order(
        db,
        SYSTEM,
        "S1",
        customer=Customer("Ann Lee", "555-0100", "1 Quay Street"),
        lines=[NewLine("PH1", s) for s in serials],
    )
    return fulfil(db, SYSTEM, view.order, settle_in="card").invoice


def run(runs: int = RUNS, lines: int = LINES) -> list[tuple[str, str]]:
    with temp_dir("serialpos-invoice-bench-") as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.sqlite'}")
        try:
            migrate.upgrade(db)
            number = _invoice(db, lines)
            doc = invoice_document(db, number)
            assert len(doc.lines) == lines
            render = _median_ms(lambda: invoice_pdf(doc), runs)
            whole = _median_ms(lambda: write_invoice_pdf(db, number, Path(tmp) / "inv.pdf"), runs)
            size = len(invoice_pdf(doc))
        finally:
            db.dispose()
    return [
        (f"invoice PDF, {lines} lines (median)", f"{render:.1f} ms"),
        (f"invoice PDF from the database to file, {lines} lines (median)", f"{whole:.1f} ms"),
        (f"invoice PDF size, {lines} lines", f"{size / 1024:.1f} KiB"),
    ]


if __name__ == "__main__":
    main(run, TARGETS, QUICK_KWARGS, description=__doc__)
