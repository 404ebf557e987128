"""How fast an ASN of 100k listed serials imports: a CSV of 1,000 lines of 100 IMEIs each (and
the same 100k in one line) into a fresh SQLite file; then opening it for receiving (the
checklist built from the 100k expect events); a console scan into it (saved, one commit
each); and a separate receipt of ``--receive`` scanned serials completed in one call. The file
goes in ``SERIALPOS_BENCH_DIR`` when set. Issue 15's target: the 100k import (1,000 lines)
in 1 s or less (on SQLite). With ``SERIALPOS_BENCH_PG`` set to a PostgreSQL URL, the 1,000-line
import is also timed there (in a schema of its own, dropped after).

    .venv/bin/python bench/asn_bench.py [--quick] [--serials N] [--receive N]
"""

from __future__ import annotations

import csv
import os
import time
from pathlib import Path

from stdnum import luhn

from benchkit import main, pg_schema, temp_dir
from serialpos.db import migrate
from serialpos.db.engine import Database
from serialpos.services import products, stores
from serialpos.services.asn.host_call import ScanIn, receive_scans
from serialpos.services.asn.importing import import_asn_file
from serialpos.services.asn.opening import open_asn
from serialpos.services.context import SYSTEM

SERIALS = 100_000
PER_LINE = 100
TARGETS = {"import 100k serials (1,000 lines) s (cpu s)": "<= 1 s"}
QUICK_KWARGS: dict[str, object] = {"serials": 5_000, "receive": 500}
RECEIVE = 10_000  # the receipt measured: a 10k-serial ASN scanned and completed


def _imei(n: int, prefix: str) -> str:
    body = f"{prefix}{n:07d}"
    return body + luhn.calc_check_digit(body)


def write_asn(path: Path, asn: str, serials: int, per_line: int, prefix: str) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["ASN", "Vendor", "SKU", "Quantity", "Serials", "CasePack"])
        for start in range(0, serials, per_line):
            chunk = [_imei(n, prefix) for n in range(start, min(serials, start + per_line))]
            writer.writerow([asn, "Bench Vendor", "PHONE", len(chunk), "|".join(chunk), ""])


class _Clock:
    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()

    def lap(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def _postgres(url: str, serials: int, folder: Path) -> tuple[str, str]:
    with pg_schema(url) as db:
        migrate.upgrade(db)
        stores.add_store(db, SYSTEM, "S1", "Bench")
        products.create_product(
            db, SYSTEM, sku="PHONE", name="Phone", serial_mode="required", serial_format="imei"
        )
        path = folder / "pg.csv"
        write_asn(path, "ASN-PG", serials, PER_LINE, "3569380")
        clock = _Clock()
        assert import_asn_file(db, SYSTEM, path, "S1").serials == serials
        wall, cpu = clock.lap()
    return ("import on PostgreSQL (same file) s (cpu s)", f"{wall:.2f} ({cpu:.2f})")


def run(serials: int = SERIALS, receive: int = RECEIVE) -> list[tuple[str, str]]:
    label = f"{serials // 1000}k" if serials % 1000 == 0 else str(serials)
    results: list[tuple[str, str]] = [("serials", f"{serials:,}")]
    with temp_dir("serialpos-asn-") as tmp:
        folder = Path(tmp)
        db = Database(f"sqlite:///{folder / 'bench.sqlite'}")
        try:
            migrate.upgrade(db)
            stores.add_store(db, SYSTEM, "S1", "Bench")
            products.create_product(
                db, SYSTEM, sku="PHONE", name="Phone", serial_mode="required", serial_format="imei"
            )
            for per_line, prefix in ((PER_LINE, "3569380"), (serials, "3569381")):
                lines = -(-serials // per_line)
                metric = f"import {label} serials ({lines:,} line{'s' if lines != 1 else ''})"
                path = folder / f"asn-{prefix}.csv"
                write_asn(path, f"ASN-{prefix}", serials, per_line, prefix)
                clock = _Clock()
                result = import_asn_file(db, SYSTEM, path, "S1")
                wall, cpu = clock.lap()
                assert result.serials == serials, result
                results.append((f"{metric} s (cpu s)", f"{wall:.2f} ({cpu:.2f})"))
                results.append((f"{metric} serials/s", f"{serials / wall:,.0f}"))
            clock = _Clock()
            session = open_asn(db, SYSTEM, "ASN-3569380", "S1", folder / "out")
            wall, cpu = clock.lap()
            assert session.checklist.expected == serials
            results.append(
                (f"open for receiving ({label} listed) s (cpu s)", f"{wall:.2f} ({cpu:.2f})")
            )
            # The console's path: each scan checked and saved (its own commit) as it is made.
            prefix_serials = [_imei(n, "3569380") for n in range(min(200, serials))]
            times = []
            for serial in prefix_serials:
                start = time.perf_counter()
                session.scan("PHONE", serial)
                times.append((time.perf_counter() - start) * 1000)
            results.append(
                (
                    f"console scan into a {label}-serial ASN (saved) median ms",
                    f"{_percentile(times, 0.5):.2f}",
                )
            )
            results.append(
                (
                    f"console scan into a {label}-serial ASN (saved) p95 ms",
                    f"{_percentile(times, 0.95):.2f}",
                )
            )
            # A whole receipt: a separate ASN of ``receive`` serials, every one scanned and
            # completed in one call (the integration path: scans checked, not saved).
            path = folder / "receive.csv"
            write_asn(path, "ASN-R", receive, PER_LINE, "3569382")
            import_asn_file(db, SYSTEM, path, "S1")
            scans = [ScanIn("PHONE", _imei(n, "3569382")) for n in range(receive)]
            clock = _Clock()
            done = receive_scans(
                db, SYSTEM, "ASN-R", "S1", scans, complete=False, outbox=folder / "out"
            )
            wall, cpu = clock.lap()
            assert done["received"] == receive and not done["event_file"]["owed"], done
            results.append(
                (
                    f"receive {receive:,} scanned serials in one call s (cpu s)",
                    f"{wall:.2f} ({cpu:.2f})",
                )
            )
        finally:
            db.dispose()
        pg_url = os.environ.get("SERIALPOS_BENCH_PG")
        if pg_url:
            results.append(_postgres(pg_url, serials, folder))
    return results


if __name__ == "__main__":
    main(run, TARGETS, QUICK_KWARGS, description=__doc__)
