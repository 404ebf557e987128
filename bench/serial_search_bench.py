"""Serial prefix search among 1M units, on a SQLite file and (when it answers) PostgreSQL,
for prefixes that match 1 unit, 50 units, 100,000 units, nearly all units and none. Two rows
per prefix, each timing what it says:

- **first 50 listed**: ``search_serials(db, prefix)``, what the console's search and ``serialpos
  serials search`` run: the first 50 matches in serial order with who bought each, and whether
  more exist. Target (its own issue): median under 5 ms, whatever the prefix matches.
- **up to 10,000 listed**: the same with ``limit=10_000``, the most the CLI lists.
- **all N streamed**: every unit the prefix matches, read to the end through the same range
  condition on the same index (``serial >= prefix AND serial < upper_bound(prefix)``,
  ``COLLATE "C"`` on PostgreSQL) with its product and store, and counted; the count is checked
  against N, so "100,000 units" and "nearly all" are what was read. This is bench SQL, not a
  service (no screen lists a million units): it is what enumerating the matches costs.

The units are bulk-inserted with one SQL statement (a recursive CTE on SQLite,
``generate_series`` on PostgreSQL), not through the ledger: the ledger's own speed is
ledger_bench's subject. The schema is the migrated one (with migration 0009's index on
PostgreSQL), and ``ANALYZE`` runs after the load, as ``serialpos db`` maintenance would. Every
fifth unit of the first 500,000 also has a fulfilled order line, so the search's "who bought
it" lookup has rows to find. The SQLite file goes in ``SERIALPOS_BENCH_DIR``; PostgreSQL is
``SERIALPOS_BENCH_PG`` (else ``SERIALPOS_TEST_PG``, else the local default), in a schema of
its own that is dropped afterwards.

    .venv/bin/python bench/serial_search_bench.py [--quick] [--units N] [--runs N]
        [--stream-runs N]
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import sqlalchemy as sa

from benchkit import PostgresUnavailable, main, p, pg_schema, temp_dir
from serialpos.db import migrate
from serialpos.db.engine import Database
from serialpos.domain.serial_prefix import upper_bound
from serialpos.services.serial_search import MAX_SEARCH_LIMIT, search_serials

T = TypeVar("T")
UNITS = 1_000_000
RUNS = 300
STREAM_RUNS = 5
WHAT = ("1 unit", "50 units", "100,000 units", "nearly all units")

TARGETS: dict[str, str] = {
    f"{dialect}: prefix matching {what}, first 50 listed (median)": "< 5 ms"
    for dialect in ("sqlite", "postgresql")
    for what in WHAT
}
QUICK_KWARGS: dict[str, object] = {"units": 100_000, "runs": 100, "stream_runs": 3}

_FILL = {
    "sqlite": [
        "INSERT INTO store (id, code, name, created_at) VALUES (1, 'S1', 'Main', :at)",
        (
            "INSERT INTO product (id, sku, name, price, serial_mode, created_at, updated_at, "
            "warranty_months) VALUES (1, 'PH1', 'Phone', 1, 'required', :at, :at, 24), "
            "(2, 'LT1', 'Laptop', 1, 'required', :at, :at, NULL)"
        ),
        (
            "WITH RECURSIVE n(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM n WHERE x < :units - 1) "
            "INSERT INTO serial_unit (product_id, serial, state, store_id, version, updated_at) "
            "SELECT 1 + (x % 2), CASE WHEN x >= :units - 50 THEN 'LOT-' || x "
            "ELSE 'SN' || printf('%07d', x) END, "
            "CASE WHEN x % 5 = 0 AND x < 500000 THEN 'sold' ELSE 'in_stock' END, 1, 1, :at FROM n"
        ),
        (
            "INSERT INTO sale_order (id, number, store_id, type, delivery, status, created_by, "
            "terminal, created_at, updated_at) VALUES (1, 'S1-000001', 1, 'sale', "
            "'cash_and_carry', 'fulfilled', 'bench', 't', :at, :at)"
        ),
        (
            "INSERT INTO order_line (order_id, number, product_id, sku, name, quantity, "
            "unit_price, tax_rate, serial, status) SELECT 1, id, product_id, 'PH1', 'Phone', 1, "
            "1, 0, serial, 'fulfilled' FROM serial_unit WHERE state = 'sold'"
        ),
        "ANALYZE",
    ],
}
_FILL["postgresql"] = [
    _FILL["sqlite"][0],
    _FILL["sqlite"][1],
    (
        "INSERT INTO serial_unit (product_id, serial, state, store_id, version, updated_at) "
        "SELECT 1 + (x % 2), CASE WHEN x >= :units - 50 THEN 'LOT-' || x "
        "ELSE 'SN' || lpad(x::text, 7, '0') END, "
        "CASE WHEN x % 5 = 0 AND x < 500000 THEN 'sold' ELSE 'in_stock' END, 1, 1, :at "
        "FROM generate_series(0, :units - 1) AS x"
    ),
    _FILL["sqlite"][3],
    _FILL["sqlite"][4],
    "ANALYZE",
]


def _prefixes(units: int) -> list[tuple[str, str, int]]:
    """(label, prefix, how many units it matches) for the units :data:`_FILL` lays out:
    ``SN`` + 7 digits for all but the last 50, which are ``LOT-<n>``."""
    serials = max(units - 50, 0)
    hundred = min(100_000, serials)
    return [
        ("1 unit", "SN0012345", 1 if serials > 12_345 else 0),
        ("50 units", "LOT-", min(50, units)),
        ("100,000 units" if hundred == 100_000 else f"{hundred:,} units", "SN00", hundred),
        ("nearly all units", "SN", serials),
        ("nothing", "ZZ", 0),
    ]


@contextmanager
def _sqlite() -> Iterator[Database]:
    with temp_dir("serialpos-search-") as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'search.sqlite'}")
        try:
            yield db
        finally:
            db.dispose()


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


def _stream_query(dialect: str, bounded: bool) -> sa.TextClause:
    key = 'u.serial COLLATE "C"' if dialect == "postgresql" else "u.serial"
    high = f" AND {key} < :high" if bounded else ""
    return sa.text(
        "SELECT u.serial, u.state, p.sku, p.name, s.code FROM serial_unit u "
        "JOIN product p ON p.id = u.product_id JOIN store s ON s.id = u.store_id "
        f"WHERE {key} >= :low{high} ORDER BY {key}, u.id"
    )


def stream_all(db: Database, prefix: str) -> int:
    """Every unit whose serial starts with ``prefix``, read to the end; how many."""
    high = upper_bound(prefix)
    params = {"low": prefix} if high is None else {"low": prefix, "high": high}
    count = 0
    with db.engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=10_000).execute(
            _stream_query(db.dialect, high is not None), params
        )
        for _row in result:
            count += 1
    return count


def _timed(runs: int, work: Callable[[], T]) -> tuple[list[float], T]:
    """Milliseconds of ``runs`` calls of ``work``, and what the last one returned."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        value = work()
        times.append((time.perf_counter() - started) * 1000)
    return times, value


def _measure(db: Database, units: int, runs: int, stream_runs: int) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    # Warm every case first: right after a bulk load the server is still writing it out
    # (the first case measured cold on PostgreSQL read 7.6 ms median, 1.4 ms once warm).
    for _what, prefix, _n in _prefixes(units):
        for _ in range(30):
            search_serials(db, prefix)
    for what, prefix, matching in _prefixes(units):
        label = f"{db.dialect}: prefix matching {what}"
        times, result = _timed(runs, lambda prefix=prefix: search_serials(db, prefix))
        listed = len(result.matches)
        if listed != min(50, matching):
            raise AssertionError(f"{label}: {listed} listed, {min(50, matching)} expected")
        rows += [
            (f"{label}, first 50 listed (median)", f"{statistics.median(times):.2f} ms"),
            (f"{label}, first 50 listed (p95)", f"{p(times, 0.95):.2f} ms"),
        ]
        if matching > 50:
            times, result = _timed(
                stream_runs, lambda prefix=prefix: search_serials(db, prefix, MAX_SEARCH_LIMIT)
            )
            listed = len(result.matches)
            rows.append(
                (
                    f"{label}, up to {MAX_SEARCH_LIMIT:,} listed: {listed:,} (median)",
                    f"{statistics.median(times):.1f} ms",
                )
            )
        times, counted = _timed(stream_runs, lambda prefix=prefix: stream_all(db, prefix))
        if counted != matching:
            raise AssertionError(f"{label}: {counted} streamed, {matching} expected")
        rows.append(
            (f"{label}, all {matching:,} streamed (median)", f"{statistics.median(times):.1f} ms")
        )
    return rows


def run(
    units: int = UNITS, runs: int = RUNS, stream_runs: int = STREAM_RUNS
) -> list[tuple[str, str]]:
    """Load ``units`` units into each database and time prefix searches; (metric, value)."""
    results: list[tuple[str, str]] = [("units", f"{units:,}")]
    with _sqlite() as db:
        results.append(("sqlite: bulk load + ANALYZE s", f"{_load(db, units):.1f}"))
        results.extend(_measure(db, units, runs, stream_runs))
    try:
        with pg_schema() as db:
            results.append(("postgresql: bulk load + ANALYZE s", f"{_load(db, units):.1f}"))
            results.extend(_measure(db, units, runs, stream_runs))
    except PostgresUnavailable as exc:
        results.append(("postgresql", f"skipped: {exc}"))
    return results


if __name__ == "__main__":
    main(run, TARGETS, QUICK_KWARGS, description=__doc__)
