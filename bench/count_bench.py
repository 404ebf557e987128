"""Cycle count at scale on SQLite: reconcile a count of 1M serials against 1M in-stock units
(issue 15: <= 2 s), and approve a count of tens of thousands of adjustments.

The ledger and the count are built by bulk SQL (``executemany`` of plain INSERTs in one
transaction), not through the services: building 1M units one ledger move at a time would
take many minutes and is not what is measured. The count's scans are what batches would have
written: ``matched`` serials in stock here, some units left unscanned (missing), serials the
ledger never saw, units the ledger has in stock at the other store, and serials scanned again
in a second batch (duplicates); a thousandth of the units each. The files go in
``SERIALPOS_BENCH_DIR`` when set. Issue 15's target: reconciling 1M serials in 2 s or less.

    .venv/bin/python bench/count_bench.py [--quick] [--units N] [--approve-units N]
"""

from __future__ import annotations

import time
from pathlib import Path

from benchkit import main, temp_dir
from serialpos.db import migrate
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.services import products, stores, users
from serialpos.services.context import SYSTEM
from serialpos.services.counts import approval, batches, reconciling

QUICK_KWARGS: dict[str, object] = {"units": 20_000, "approve_units": 2_000}
TARGETS: dict[str, str] = {"reconcile s": "<= 2 s"}


def _build(
    db: Database, units: int, missing: int, never_seen: int, elsewhere: int, duplicates: int
) -> tuple[str, float]:
    """Units at S1 (and ``elsewhere`` at S2) and an open count with its scans; returns the
    count number and how long the bulk load took."""
    stores.add_store(db, SYSTEM, "S1", "Main")
    stores.add_store(db, SYSTEM, "S2", "Harbour")
    products.create_product(db, SYSTEM, sku="PH", name="Phone", serial_mode="required")
    info = batches.open_count(db, SYSTEM, "S1")
    batches.start_batch(db, SYSTEM, info.number, "Ann")
    batches.start_batch(db, SYSTEM, info.number, "Bob")
    started = time.perf_counter()
    now = utcnow()
    with db.connect(write=True) as conn:
        pid = conn.exec_driver_sql("SELECT id FROM product WHERE sku = 'PH'").scalar_one()
        s1, s2 = (
            conn.exec_driver_sql(f"SELECT id FROM store WHERE code = '{c}'").scalar_one()
            for c in ("S1", "S2")
        )
        cid = conn.exec_driver_sql("SELECT id FROM stock_count").scalar_one()
        b1, b2 = conn.exec_driver_sql("SELECT id FROM count_batch ORDER BY number").scalars()
        unit_rows = [(pid, f"SN{n:09d}", "in_stock", s1, 1, now) for n in range(units)]
        unit_rows += [(pid, f"EL{n:09d}", "in_stock", s2, 1, now) for n in range(elsewhere)]
        conn.exec_driver_sql(
            "INSERT INTO serial_unit (product_id, serial, state, store_id, version, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            unit_rows,
        )
        del unit_rows
        conn.exec_driver_sql(
            "INSERT INTO stock_level (product_id, store_id, quantity) VALUES (?, ?, ?), (?, ?, ?)",
            (pid, s1, units, pid, s2, elsewhere),
        )
        scanned = [f"SN{n:09d}" for n in range(missing, units)]
        scanned += [f"NEW{n:09d}" for n in range(never_seen)]
        scanned += [f"EL{n:09d}" for n in range(elsewhere)]
        scan_rows = [(cid, b1, pid, s, 1, "bench", now) for s in scanned]
        scan_rows += [(cid, b2, pid, s, 1, "bench", now) for s in scanned[:duplicates]]
        conn.exec_driver_sql(
            "INSERT INTO count_scan (count_id, batch_id, product_id, serial, quantity, "
            "user_name, scanned_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            scan_rows,
        )
    return info.number, time.perf_counter() - started


def run(units: int = 1_000_000, approve_units: int = 20_000) -> list[tuple[str, str]]:
    missing = never_seen = elsewhere = duplicates = max(units // 1000, 1)
    results: list[tuple[str, str]] = []
    with temp_dir("serialpos-count-") as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'count.sqlite'}")
        try:
            migrate.upgrade(db)
            number, load = _build(db, units, missing, never_seen, elsewhere, duplicates)
            scans = units - missing + never_seen + elsewhere + duplicates
            results += [
                ("units in stock", f"{units:,}"),
                ("scans", f"{scans:,}"),
                ("bulk load s", f"{load:.1f}"),
            ]
            wall, cpu = time.perf_counter(), time.process_time()
            result = reconciling.reconcile(db, number)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            assert result.matched == units - missing, result.matched
            assert len(result.missing) == missing and len(result.never_seen) == never_seen
            assert len(result.elsewhere) == elsewhere
            assert len(result.duplicates) == duplicates
            results += [("reconcile s", f"{wall:.2f}"), ("reconcile cpu s", f"{cpu:.2f}")]
        finally:
            db.dispose()
        # Approval: half the count's adjustments remove missing units, half add new ones.
        db = Database(f"sqlite:///{Path(tmp) / 'approve.sqlite'}")
        try:
            migrate.upgrade(db)
            half = approve_units // 2
            number, _load = _build(db, approve_units, half, half, 0, 0)
            users.add_user(db, None, "mgr", "manager", "2222")
            actor = users.actor_for(db, "mgr", "bench")
            wall = time.perf_counter()
            done = approval.approve(db, actor, number, Path(tmp) / "outbox")
            wall = time.perf_counter() - wall
            assert done.removed == half and done.added == half, done
            results += [
                ("approve adjustments", f"{approve_units:,}"),
                ("approve s", f"{wall:.2f}"),
                ("approve ms per unit", f"{wall * 1000 / approve_units:.2f}"),
            ]
        finally:
            db.dispose()
    return results


if __name__ == "__main__":
    main(run, TARGETS, QUICK_KWARGS, description=__doc__)
