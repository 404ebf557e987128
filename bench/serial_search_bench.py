"""Serial prefix search at 1M units: median and p95 of ``search_serials`` for prefixes that
match one unit, 50 units, 100,000 units and nearly all of them, on a SQLite file and (when it
answers) PostgreSQL. Target: median under 5 ms.

The 1M units are bulk-inserted with one SQL statement (a recursive CTE on SQLite,
``generate_series`` on PostgreSQL), not through the ledger: the ledger's own speed is
ledger_bench's subject, and a million ledger moves would take the whole run. The schema is the
migrated one (with migration 0009's index on PostgreSQL), and ``ANALYZE`` runs after the load,
as ``serialpos db`` maintenance would. Every fifth unit of the first 500,000 also has a
fulfilled order line, so the search's "who bought it" lookup has rows to find.

    .venv/bin/python bench/serial_search_bench.py [units]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from serialpos.db import migrate
from serialpos.db.engine import Database
from serialpos.services.lookup import search_serials

UNITS = 1_000_000
RUNS = 300
PG_URL = os.environ.get("SERIALPOS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

TARGETS: dict[str, str] = {
    f"{dialect}: prefix matching {what} (median)": "< 5 ms"
    for dialect in ("sqlite", "postgresql")
    for what in ("1 unit", "50 units", "100,000 units", "nearly all units")
}
QUICK_KWARGS: dict[str, object] = {"units": 100_000, "runs": 100}

_FILL = {
    "sqlite": [
        "INSERT INTO store (id, code, name, created_at) VALUES (1, 'S1', 'Main', :at)",
        ("INSERT INTO product (id, sku, name, price, serial_mode, created_at, updated_at, "
         "warranty_months) VALUES (1, 'PH1', 'Phone', 1, 'required', :at, :at, 24), "
         "(2, 'LT1', 'Laptop', 1, 'required', :at, :at, NULL)"),
        ("WITH RECURSIVE n(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM n WHERE x < :units - 1) "
         "INSERT INTO serial_unit (product_id, serial, state, store_id, version, updated_at) "
         "SELECT 1 + (x % 2), CASE WHEN x >= :units - 50 THEN 'LOT-' || x "
         "ELSE 'SN' || printf('%07d', x) END, "
         "CASE WHEN x % 5 = 0 AND x < 500000 THEN 'sold' ELSE 'in_stock' END, 1, 1, :at FROM n"),
        ("INSERT INTO sale_order (id, number, store_id, type, delivery, status, created_by, "
         "terminal, created_at, updated_at) VALUES (1, 'S1-000001', 1, 'sale', "
         "'cash_and_carry', 'fulfilled', 'bench', 't', :at, :at)"),
        ("INSERT INTO order_line (order_id, number, product_id, sku, name, quantity, "
         "unit_price, tax_rate, serial, status) SELECT 1, id, product_id, 'PH1', 'Phone', 1, "
         "1, 0, serial, 'fulfilled' FROM serial_unit WHERE state = 'sold'"),
        "ANALYZE",
    ],
}
_FILL["postgresql"] = [
    _FILL["sqlite"][0], _FILL["sqlite"][1],
    ("INSERT INTO serial_unit (product_id, serial, state, store_id, version, updated_at) "
     "SELECT 1 + (x % 2), CASE WHEN x >= :units - 50 THEN 'LOT-' || x "
     "ELSE 'SN' || lpad(x::text, 7, '0') END, "
     "CASE WHEN x % 5 = 0 AND x < 500000 THEN 'sold' ELSE 'in_stock' END, 1, 1, :at "
     "FROM generate_series(0, :units - 1) AS x"),
    _FILL["sqlite"][3], _FILL["sqlite"][4], "ANALYZE",
]


def _prefixes(units: int) -> list[tuple[str, str]]:
    return [("1 unit", "SN0012345"), ("50 units", "LOT-"),
            (f"{min(100_000, units - 50):,} units", "SN00"), ("nearly all units", "SN"),
            ("nothing", "ZZ")]


@contextmanager
def _sqlite() -> Iterator[Database]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'search.sqlite'}")
        try:
            yield db
        finally:
            db.dispose()


@contextmanager
def _postgres() -> Iterator[Database]:
    admin = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in PG_URL else "?"
    db = Database(f"{PG_URL}{sep}options=-csearch_path%3D{schema}")
    try:
        yield db
    finally:
        db.dispose()
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


def _load(db: Database, units: int) -> float:
    migrate.upgrade(db)
    started = time.perf_counter()
    with db.engine.begin() as conn:
        for statement in _FILL[db.dialect]:
            if statement == "ANALYZE":
                continue
            conn.execute(sa.text(statement), {"units": units, "at": "2026-01-05 09:30:00"})
    with db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    return time.perf_counter() - started


def _measure(db: Database, units: int, runs: int) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    # Warm every case first: right after a bulk load the server is still writing it out
    # (the first case measured cold on PostgreSQL read 7.6 ms median, 1.4 ms once warm).
    for _what, prefix in _prefixes(units):
        for _ in range(30):
            search_serials(db, prefix)
    for what, prefix in _prefixes(units):
        times = []
        found = 0
        for _ in range(runs):
            started = time.perf_counter()
            result = search_serials(db, prefix)
            times.append((time.perf_counter() - started) * 1000)
            found = len(result.matches)
        times.sort()
        label = f"{db.dialect}: prefix matching {what}"
        rows.append((f"{label} (median)", f"{statistics.median(times):.2f} ms"))
        rows.append((f"{label} (p95)", f"{times[int(len(times) * 0.95) - 1]:.2f} ms"))
        rows.append((f"{label} (listed)", f"{found}"))
    return rows


def run(units: int = UNITS, runs: int = RUNS) -> list[tuple[str, str]]:
    """Load ``units`` units into each database and time prefix searches; (metric, value)."""
    results: list[tuple[str, str]] = [("units", f"{units:,}")]
    with _sqlite() as db:
        results.append(("sqlite: bulk load + ANALYZE s", f"{_load(db, units):.1f}"))
        results.extend(_measure(db, units, runs))
    try:
        with _postgres() as db:
            results.append(("postgresql: bulk load + ANALYZE s", f"{_load(db, units):.1f}"))
            results.extend(_measure(db, units, runs))
    except sa.exc.OperationalError as exc:
        results.append(("postgresql", f"not reachable: {str(exc).splitlines()[0]}"))
    return results


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else UNITS
    for metric, value in run(count):
        print(f"{metric:55} {value:>14}  {TARGETS.get(metric, '')}")
