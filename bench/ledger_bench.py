"""Ledger benchmarks: serial lookup among 1M units and one committed state change.

``run(quick=False)`` builds a SQLite file with 1M serial units (100k with ``quick``), two
stores and a few serial-required products, with the receive (and, for sold units, sell)
events and stock levels that make ``serialpos db check`` hold; then it times, through the
services a screen calls:

- ``lookup_serial`` (the whole card with its events) and the state/store/product part alone;
- ``ledger.move`` SELL of one in-stock unit, committed;
- a plain ``sqlite3`` INSERT + COMMIT on the same disk with the same durability settings
  (WAL, ``synchronous=FULL``), the floor a committed change is compared to;
- the same state change on PostgreSQL, when ``SERIALPOS_BENCH_PG`` (or the tests'
  ``SERIALPOS_TEST_PG``, or the local default) answers; skipped otherwise.

Nothing here asserts a time: it measures and reports.
"""

from __future__ import annotations

import gc
import os
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from serialpos.db import migrate
from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.domain.users import Role
from serialpos.services import ledger, lookup, products, stores
from serialpos.services.context import Actor

#: Targets from the issue, keyed by the metric names this module reports.
TARGETS: dict[str, str] = {
    "serial lookup, state/store/product (median)": "< 0.3 ms",
    "serial lookup, state/store/product (p99)": "< 1 ms",
    "state change / plain INSERT+COMMIT": "< 3x",
}

FULL_UNITS = 1_000_000
QUICK_UNITS = 100_000
PRODUCTS = 5
SOLD_SHARE = 10  # one unit in this many is already sold (has a sell event too)
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

ACTOR = Actor(user="bench", role=Role.ADMIN, terminal="bench")


# -- measuring ------------------------------------------------------------------------
def _time_each(calls: int, fn: Callable[[int], object], warmup: int = 50) -> list[float]:
    """Milliseconds per call of ``fn(i)`` for i in range(calls), after ``warmup`` calls."""
    for i in range(warmup):
        fn(-1 - i)
    out: list[float] = []
    clock = time.perf_counter_ns
    for i in range(calls):
        start = clock()
        fn(i)
        out.append((clock() - start) / 1e6)
    return out


def _p(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _ms(value: float) -> str:
    return f"{value:.3f} ms"


# -- building the data ----------------------------------------------------------------
def _serial(i: int) -> str:
    # Scattered, not sequential, so the B-tree sees realistic keys.
    return f"SN{(i * 2_654_435_761) % 4_294_967_291:010d}"


def _stamp() -> str:
    return datetime.now().strftime("%Y-%m-%d %H:%M:%S.%f")


def build_sqlite(path: Path, units: int) -> tuple[Database, list[tuple[str, str, str]]]:
    """A migrated SQLite file with ``units`` serial units. Returns the database and the
    (sku, serial, store) of every in-stock unit, in a random order."""
    db = Database(f"sqlite:///{path}")
    migrate.upgrade(db)
    stores.add_store(db, ACTOR, "S1", "Main Street")
    stores.add_store(db, ACTOR, "S2", "Harbour Mall")
    skus = [f"PH{n}" for n in range(1, PRODUCTS + 1)]
    for sku in skus:
        products.create_product(db, ACTOR, sku=sku, name=f"Phone {sku}", serial_mode="required")

    raw = sqlite3.connect(path, isolation_level=None)
    try:
        raw.execute("PRAGMA synchronous = OFF")  # the bulk load need not survive a power cut
        raw.execute("PRAGMA cache_size = -200000")
        product_ids = dict(raw.execute("SELECT sku, id FROM product").fetchall())
        store_ids = dict(raw.execute("SELECT code, id FROM store").fetchall())
        pids = [product_ids[s] for s in skus]
        sids = [store_ids["S1"], store_ids["S2"]]
        now = _stamp()
        in_stock: list[tuple[str, str, str]] = []

        def rows() -> Iterator[tuple[object, ...]]:
            for i in range(units):
                serial = _serial(i)
                pid, sid = pids[i % PRODUCTS], sids[(i // PRODUCTS) % 2]
                sold = i % SOLD_SHARE == SOLD_SHARE - 1
                if not sold:
                    in_stock.append((skus[i % PRODUCTS], serial, "S1" if sid == sids[0] else "S2"))
                yield (i + 1, pid, serial, "sold" if sold else "in_stock", sid,
                       2 if sold else 1, now)

        raw.execute("BEGIN")
        raw.executemany(
            "INSERT INTO serial_unit (id, product_id, serial, state, store_id, version, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows(),
        )
        event_columns = ("at, action, user_name, terminal, store_id, product_id, unit_id, "
                         "serial, from_state, to_state, quantity")
        raw.execute(
            f"INSERT INTO ledger_event ({event_columns}) SELECT updated_at, 'receive', 'bench', "
            "'bench', store_id, product_id, id, serial, NULL, 'in_stock', 1 FROM serial_unit "
            "ORDER BY id"
        )
        raw.execute(
            f"INSERT INTO ledger_event ({event_columns}) SELECT updated_at, 'sell', 'bench', "
            "'bench', store_id, product_id, id, serial, 'in_stock', 'sold', -1 FROM serial_unit "
            "WHERE state = 'sold' ORDER BY id"
        )
        raw.execute(
            "INSERT INTO stock_level (product_id, store_id, quantity) SELECT product_id, "
            "store_id, count(*) FROM serial_unit WHERE state = 'in_stock' "
            "GROUP BY product_id, store_id"
        )
        raw.execute("COMMIT")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
    random.Random(7).shuffle(in_stock)
    return db, in_stock


# -- the measurements -----------------------------------------------------------------
class PlainInsert:
    """A plain sqlite3 INSERT + COMMIT with the app's durability settings (WAL,
    ``synchronous=FULL``), in a file of its own in the same directory: the floor a committed
    ledger change is compared with."""

    def __init__(self, directory: Path) -> None:
        self.con = sqlite3.connect(directory / "plain.sqlite", isolation_level=None)
        self.con.execute("PRAGMA journal_mode = WAL")
        self.con.execute("PRAGMA synchronous = FULL")
        self.con.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
        self.cur = self.con.cursor()

    def __call__(self, i: int) -> None:
        self.cur.execute("BEGIN IMMEDIATE")
        self.cur.execute("INSERT INTO t (v) VALUES (?)", (f"row {i}",))
        self.cur.execute("COMMIT")

    def close(self) -> None:
        self.con.close()


def _time_pairs(calls: int, first: Callable[[int], object], second: Callable[[int], object],
                warmup: int = 50) -> tuple[list[float], list[float]]:
    """Like :func:`_time_each` for two functions, alternating them call by call so that both
    see the same machine (other work on it, the disk's moods) and their ratio is fair."""
    for i in range(warmup):
        first(-1 - i)
        second(-1 - i)
    a: list[float] = []
    b: list[float] = []
    clock = time.perf_counter_ns
    for i in range(calls):
        start = clock()
        first(i)
        middle = clock()
        second(i)
        end = clock()
        a.append((middle - start) / 1e6)
        b.append((end - middle) / 1e6)
    return a, b


def sqlite_metrics(units: int, lookups: int, moves: int, directory: Path) -> list[
        tuple[str, str]]:
    results: list[tuple[str, str]] = []
    start = time.perf_counter()
    db, in_stock = build_sqlite(directory / "ledger.sqlite", units)
    results.append((f"build {units:,} units (bulk load)", f"{time.perf_counter() - start:.1f} s"))
    # The bench's own million-tuple lists are not the app's: keep the collector from walking
    # them in the middle of a timed call (a real console holds no such lists).
    gc.collect()
    gc.freeze()
    try:
        rng = random.Random(11)
        all_serials = [_serial(i) for i in rng.sample(range(units), lookups)]

        def card(i: int) -> None:
            found = lookup.lookup_serial(db, all_serials[i % len(all_serials)])
            assert len(found) == 1 and found[0].events

        def state_only(i: int) -> None:
            serial = all_serials[i % len(all_serials)]
            found = db.read(lambda conn: lookup.find_units(conn, serial, with_events=False))
            assert len(found) == 1

        part = _time_each(lookups, state_only)
        whole = _time_each(lookups, card)
        results += [
            ("serial lookup, state/store/product (median)", _ms(statistics.median(part))),
            ("serial lookup, state/store/product (p99)", _ms(_p(part, 0.99))),
            ("serial lookup, whole card with events (median)", _ms(statistics.median(whole))),
            ("serial lookup, whole card with events (p99)", _ms(_p(whole, 0.99))),
        ]

        targets = [u for u in in_stock if u[2] == "S1"]
        picked = iter(targets)

        def sell(_i: int) -> None:
            sku, serial, store = next(picked)
            ledger.move(db, ACTOR, Action.SELL, store=store, sku=sku, serials=[serial])

        plain_insert = PlainInsert(directory)
        try:
            sells, plain = _time_pairs(moves, sell, plain_insert)
        finally:
            plain_insert.close()
        move_median, plain_median = statistics.median(sells), statistics.median(plain)
        results += [
            ("ledger state change, committed (median)", _ms(move_median)),
            ("ledger state change, committed (p99)", _ms(_p(sells, 0.99))),
            ("plain sqlite3 INSERT+COMMIT (median)", _ms(plain_median)),
            ("plain sqlite3 INSERT+COMMIT (p99)", _ms(_p(plain, 0.99))),
            ("state change / plain INSERT+COMMIT", f"{move_median / plain_median:.2f}x"),
        ]
        from serialpos.services.integrity import check_ledger

        findings = [f for f in check_ledger(db) if f.violation]
        results.append(("db check after the run", "ok" if not findings else
                        f"{len(findings)} violations"))
    finally:
        db.dispose()
        gc.unfreeze()
    return results


def postgres_metrics(moves: int) -> list[tuple[str, str]]:
    """One committed SELL on PostgreSQL, with a plain INSERT+COMMIT beside it; a row saying
    it was skipped when the server does not answer."""
    import sqlalchemy as sa

    url = os.environ.get("SERIALPOS_BENCH_PG") or os.environ.get("SERIALPOS_TEST_PG", PG_DEFAULT)
    try:
        admin = sa.create_engine(url, connect_args={"connect_timeout": 3})
        with admin.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as exc:  # any failure means "not reachable"
        return [("PostgreSQL state change", f"skipped: {str(exc).splitlines()[0][:60]}")]
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in url else "?"
    db = Database(f"{url}{sep}options=-csearch_path%3D{schema}")
    try:
        migrate.upgrade(db)
        stores.add_store(db, ACTOR, "S1", "Main Street")
        products.create_product(db, ACTOR, sku="PH1", name="Phone", serial_mode="required")
        serials = [_serial(i) for i in range(moves + 50)]
        for start in range(0, len(serials), 1000):
            ledger.move(db, ACTOR, Action.RECEIVE, store="S1", sku="PH1",
                        serials=serials[start : start + 1000])
        picked = iter(serials)

        def sell(_i: int) -> None:
            ledger.move(db, ACTOR, Action.SELL, store="S1", sku="PH1", serials=[next(picked)])

        sells = _time_each(moves, sell)
        raw = db.engine.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute("CREATE TABLE plain_t (id serial PRIMARY KEY, v text NOT NULL)")
            raw.commit()

            def plain_one(i: int) -> None:
                cur.execute("INSERT INTO plain_t (v) VALUES (%s)", (f"row {i}",))
                raw.commit()

            plain = _time_each(moves, plain_one)
        finally:
            raw.close()
        return [
            ("PostgreSQL state change, committed (median)", _ms(statistics.median(sells))),
            ("PostgreSQL state change, committed (p99)", _ms(_p(sells, 0.99))),
            ("PostgreSQL plain INSERT+COMMIT (median)", _ms(statistics.median(plain))),
            ("PostgreSQL state change / plain INSERT+COMMIT",
             f"{statistics.median(sells) / statistics.median(plain):.2f}x"),
        ]
    finally:
        db.dispose()
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


def run(quick: bool = False) -> list[tuple[str, str]]:
    units = QUICK_UNITS if quick else FULL_UNITS
    lookups = 1_000 if quick else 5_000
    moves = 500 if quick else 2_000
    where = os.environ.get("SERIALPOS_BENCH_DIR")
    with tempfile.TemporaryDirectory(prefix="serialpos-bench-", dir=where) as tmp:
        results = sqlite_metrics(units, lookups, moves, Path(tmp))
    results += postgres_metrics(moves)
    return results


if __name__ == "__main__":
    import sys

    for metric, value in run(quick="--quick" in sys.argv):
        print(f"{metric:55} {value:>14}  {TARGETS.get(metric, '')}")
