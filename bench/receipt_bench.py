"""Receipt and shift benchmark: what the cashier waits for after Pay.

``run()`` times, as medians after a warm-up: the ESC/POS bytes of a 20-line receipt (serials on
every line) from plain data; the whole service path ``print_receipt`` (read the invoice from a
SQLite file, render, send to a printer on 127.0.0.1 that answers the paper status requests);
and the X report of a shift holding N payments. Nothing asserts a time.

    .venv/bin/python bench/receipt_bench.py [--quick] [--lines N] [--runs N] [--payments N]
"""

from __future__ import annotations

import socket
import statistics
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from benchkit import main, temp_dir
from invoice_bench import _invoice
from serialpos.db import migrate
from serialpos.db.engine import Database
from serialpos.devices.receipt_printer import ReceiptPrinterSettings
from serialpos.printing.receipt import receipt_bytes
from serialpos.services import orders, products, shifts
from serialpos.services.context import SYSTEM
from serialpos.services.invoices import invoice_document
from serialpos.services.receipts import print_receipt

LINES = 20
RUNS = 15
PAYMENTS = 2000
QUICK_KWARGS: dict[str, object] = {"runs": 5, "payments": 200}
TARGETS: dict[str, str] = {
    "receipt bytes, 20 lines (median)": "< 20 ms",
    "receipt from the database to the printer, 20 lines (median)": "< 100 ms",
}


def _median_ms(work: Callable[[], object], runs: int) -> float:
    work()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _printer() -> tuple[socket.socket, int]:
    """A printer on loopback that swallows receipts and answers "paper present"."""
    server = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                while chunk := conn.recv(65536):
                    for _ in range(chunk.count(b"\x10\x04\x04")):
                        conn.sendall(b"\x12")

    threading.Thread(target=serve, daemon=True).start()
    return server, server.getsockname()[1]


def _shift_with_payments(db: Database, count: int) -> None:
    products.create_product(db, SYSTEM, sku="CB1", name="Cable", price=Decimal("5.00"))
    shifts.open_shift(db, SYSTEM, "S1", "100")
    for n in range(count):
        view = orders.open_order(db, SYSTEM, "S1").order
        orders.add_item(db, SYSTEM, view, sku="CB1")
        orders.fulfil(db, SYSTEM, view, settle_in="cash" if n % 2 else "card")


def run(runs: int = RUNS, lines: int = LINES, payments: int = PAYMENTS) -> list[tuple[str, str]]:
    server, port = _printer()
    settings = ReceiptPrinterSettings("network", host="127.0.0.1", port=port)
    with temp_dir("serialpos-receipt-bench-") as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.sqlite'}")
        try:
            migrate.upgrade(db)
            number = _invoice(db, lines)
            doc = invoice_document(db, number)
            render = _median_ms(lambda: receipt_bytes(doc), runs)
            size = len(receipt_bytes(doc))
            whole = _median_ms(lambda: print_receipt(db, settings, number, at_sale=True), runs)
            _shift_with_payments(db, payments)
            x = _median_ms(lambda: shifts.x_report(db, SYSTEM, "S1"), runs)
        finally:
            db.dispose()
            server.close()
    return [
        (f"receipt bytes, {lines} lines (median)", f"{render:.1f} ms"),
        (f"receipt from the database to the printer, {lines} lines (median)", f"{whole:.1f} ms"),
        (f"receipt size, {lines} lines", f"{size / 1024:.1f} KiB"),
        (f"X report of a shift with {payments} sales (median)", f"{x:.1f} ms"),
    ]


if __name__ == "__main__":
    main(run, TARGETS, QUICK_KWARGS, description=__doc__)
