"""Ledger benchmarks: serial lookup among 1M units and one committed state change.

``run(units=1_000_000)`` builds a SQLite file with ``units`` serial units (100k with
``--quick``), two stores and a few serial-required products, with the receive (and, for sold
units, sell) events and stock levels that make ``serialpos db check`` hold; then it times,
through the services a screen calls:

- ``lookup_serial`` (the whole card with its events) and the state/store/product part alone;
- ``ledger.move`` SELL of one in-stock unit, committed, alternated call by call with a plain
  ``sqlite3`` INSERT + COMMIT on the same disk with the same durability settings (WAL,
  ``synchronous=FULL``): the floor a committed change is compared to, ratio printed;
- the same on PostgreSQL (``SERIALPOS_BENCH_PG``, else ``SERIALPOS_TEST_PG``, else the local
  default), in a schema of its own dropped afterwards, on a table of the same ``units`` built
  by bulk SQL (``generate_series``): the SELL alternated call by call with a plain INSERT +
  COMMIT on the same connection settings, ratio printed; skipped when the server does not
  answer.

    .venv/bin/python bench/ledger_bench.py [--quick] [--units N] [--lookups N] [--moves N]

Nothing here asserts a time: it measures and reports.
"""

from __future__ import annotations

import gc
import random
import sqlite3
import statistics
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benchkit import (
    PostgresUnavailable,
    main,
    p,
    pg_schema,
    ratio,
    temp_dir,
    time_each,
    time_pairs,
)
from serialpos.db import bulk_events, ledger_chain, migrate
from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.domain.users import Role
from serialpos.services import ledger, lookup
from serialpos.services.context import Actor

#: Targets (issue 15's table for the state change), keyed by the metric names reported here.
TARGETS: dict[str, str] = {
    "serial lookup, state/store/product (median)": "< 0.3 ms",
    "serial lookup, state/store/product (p99)": "< 1 ms",
    "state change / plain INSERT+COMMIT": "<= 1.5x",
    "PostgreSQL state change / plain INSERT+COMMIT": "<= 2x",
}

FULL_UNITS = 1_000_000
QUICK_UNITS = 100_000
LOOKUPS = 5_000
MOVES = 2_000
QUICK_KWARGS: dict[str, object] = {"units": QUICK_UNITS, "lookups": 1_000, "moves": 500}
WARMUP = 50
PRODUCTS = 5
SOLD_SHARE = 10  # one unit in this many is already sold (has a sell event too)

ACTOR = Actor(user="bench", role=Role.ADMIN, terminal="bench")
#: The schema just before the ledger's hash chain: the builders load events there and then
#: upgrade, so migration 0012 hashes them as it would a shop's ledger (its time is reported).
BEFORE_HASH_CHAIN = "0012-1"
#: How long the upgrade that hashes the bulk-loaded events took (filled by the builders).
HASHING_SECONDS: list[float] = []


def _upgrade_hashing(db: Database) -> None:
    started = time.perf_counter()
    migrate.upgrade(db)
    HASHING_SECONDS.append(time.perf_counter() - started)


def _ms(value: float) -> str:
    return f"{value:.3f} ms"


# -- building the data ----------------------------------------------------------------
def _serial(i: int) -> str:
    # Scattered, not sequential, so the B-tree sees realistic keys.
    return f"SN{(i * 2_654_435_761) % 4_294_967_291:010d}"


def _stamp() -> str:
    return datetime.now().strftime("%Y-%m-%d %H:%M:%S.%f")


def _unit(i: int) -> tuple[str, str, str, bool]:
    """Unit number ``i`` as both builders lay it out: (sku, serial, store, sold)."""
    return (
        f"PH{i % PRODUCTS + 1}",
        _serial(i),
        "S1" if (i // PRODUCTS) % 2 == 0 else "S2",
        i % SOLD_SHARE == SOLD_SHARE - 1,
    )


def in_stock_sample(
    units: int, count: int, store: str | None = None, seed: int = 7
) -> list[tuple[str, str, str]]:
    """(sku, serial, store) of up to ``count`` distinct in-stock units (at ``store`` when
    given), in a random order, without listing all ``units``."""
    rng = random.Random(seed)
    drawn = rng.sample(range(units), min(units, count * 3 + 100))
    found = [
        (sku, serial, at)
        for sku, serial, at, sold in map(_unit, drawn)
        if not sold and (store is None or at == store)
    ]
    return found[:count]


def build_sqlite(
    path: Path, units: int, keep: int | None = None
) -> tuple[Database, list[tuple[str, str, str]]]:
    """A migrated SQLite file with ``units`` serial units. Returns the database and the
    (sku, serial, store) of in-stock units in a random order: every one, or (``keep``) a
    random sample of that many, which a 10M-unit build needs to stay small in memory."""
    db = Database(f"sqlite:///{path}")
    migrate.upgrade(db, BEFORE_HASH_CHAIN)
    skus = [f"PH{n}" for n in range(1, PRODUCTS + 1)]
    # Stores and products by plain SQL: the services speak the newest schema, and this file
    # stays at the revision before the hash chain until the bulk load is in (then upgraded,
    # so the migration hashes every event in one pass).
    with sqlite3.connect(path) as made:
        stamp = _stamp()
        made.executemany(
            "INSERT INTO store (code, name, created_at) VALUES (?, ?, ?)",
            [("S1", "Main Street", stamp), ("S2", "Harbour Mall", stamp)],
        )
        made.executemany(
            "INSERT INTO product (sku, name, price, serial_mode, created_at, updated_at) "
            "VALUES (?, ?, 0, 'required', ?, ?)",
            [(sku, f"Phone {sku}", stamp, stamp) for sku in skus],
        )

    raw = sqlite3.connect(path, isolation_level=None)
    try:
        raw.execute("PRAGMA synchronous = OFF")  # the bulk load need not survive a power cut
        raw.execute("PRAGMA cache_size = -200000")
        product_ids = dict(raw.execute("SELECT sku, id FROM product").fetchall())
        store_ids = dict(raw.execute("SELECT code, id FROM store").fetchall())
        now = _stamp()
        in_stock: list[tuple[str, str, str]] = []

        def rows() -> Iterator[tuple[object, ...]]:
            for i in range(units):
                sku, serial, store, sold = _unit(i)
                if keep is None and not sold:
                    in_stock.append((sku, serial, store))
                yield (
                    i + 1,
                    product_ids[sku],
                    serial,
                    "sold" if sold else "in_stock",
                    store_ids[store],
                    2 if sold else 1,
                    now,
                )

        raw.execute("BEGIN")
        raw.executemany(
            "INSERT INTO serial_unit (id, product_id, serial, state, store_id, version, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows(),
        )
        for statement in _EVENTS_AND_LEVELS:
            raw.execute(statement)
        raw.execute("COMMIT")
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        raw.close()
    _upgrade_hashing(db)
    if keep is None:
        random.Random(7).shuffle(in_stock)
    else:
        in_stock = in_stock_sample(units, keep)
    return db, in_stock


_EVENT_COLUMNS = (
    "at, action, user_name, terminal, store_id, product_id, unit_id, serial, "
    "from_state, to_state, quantity"
)
#: The receive event of every unit, the sell event of the sold ones and the stock levels,
#: from the units already inserted (the same SQL on SQLite and PostgreSQL).
_EVENTS_AND_LEVELS = (
    f"INSERT INTO ledger_event ({_EVENT_COLUMNS}) SELECT updated_at, 'receive', 'bench', "
    "'bench', store_id, product_id, id, serial, NULL, 'in_stock', 1 FROM serial_unit "
    "ORDER BY id",
    f"INSERT INTO ledger_event ({_EVENT_COLUMNS}) SELECT updated_at, 'sell', 'bench', "
    "'bench', store_id, product_id, id, serial, 'in_stock', 'sold', -1 FROM serial_unit "
    "WHERE state = 'sold' ORDER BY id",
    "INSERT INTO stock_level (product_id, store_id, quantity) SELECT product_id, "
    "store_id, count(*) FROM serial_unit WHERE state = 'in_stock' "
    "GROUP BY product_id, store_id",
)


#: Units read back per batch of events on PostgreSQL (one batch: one hashing pass, one COPY,
#: one feed statement); bounds the builder's memory at 10M units.
PG_EVENT_BATCH = 200_000


def build_postgres(db: Database, units: int) -> None:
    """The same ``units`` as :func:`build_sqlite` lays out (serials, products, stores,
    events, levels), in the (empty) schema of ``db``, at the newest schema, then ANALYZE.

    The units go in by one ``generate_series`` INSERT. Their events go in through the app's
    own bulk path, the one an ASN import takes (``ledger_chain.stamp_columns`` hashes them
    column-wise into their chains, ``bulk_events.insert_events`` COPYs them with migration
    0023's feed switch on and numbers the feed once per batch). Loading them at the schema
    before the hash chain, as :func:`build_sqlite` does, left migration 0014's deferred feed
    trigger to bump ``event_feed_counter`` once per event at COMMIT: a 1M-unit build was
    still in that COMMIT after 15 minutes."""
    migrate.upgrade(db)
    now = datetime.now(UTC).replace(tzinfo=None)
    with db.engine.begin() as conn:
        for code, name in (("S1", "Main Street"), ("S2", "Harbour Mall")):
            conn.execute(
                sa.text("INSERT INTO store (code, name, created_at) VALUES (:c, :n, :at)"),
                {"c": code, "n": name, "at": now},
            )
        for n in range(1, PRODUCTS + 1):
            conn.execute(
                sa.text(
                    "INSERT INTO product (sku, name, price, serial_mode, created_at, updated_at)"
                    " VALUES (:sku, :name, 0, 'required', :at, :at)"
                ),
                {"sku": f"PH{n}", "name": f"Phone PH{n}", "at": now},
            )
        pids = [
            conn.exec_driver_sql(f"SELECT id FROM product WHERE sku = 'PH{n}'").scalar_one()
            for n in range(1, PRODUCTS + 1)
        ]
        s1, s2 = (
            conn.exec_driver_sql(f"SELECT id FROM store WHERE code = '{code}'").scalar_one()
            for code in ("S1", "S2")
        )
        sold = f"mod(x, {SOLD_SHARE}) = {SOLD_SHARE - 1}"
        conn.execute(
            sa.text(
                "INSERT INTO serial_unit (product_id, serial, state, store_id, version, "
                f"updated_at) SELECT (ARRAY[{', '.join(map(str, pids))}])[mod(x, {PRODUCTS}) + 1]"
                ", 'SN' || lpad(mod(x * 2654435761, 4294967291)::text, 10, '0'), "
                f"CASE WHEN {sold} THEN 'sold' ELSE 'in_stock' END, "
                f"CASE WHEN mod(x / {PRODUCTS}, 2) = 0 THEN {s1} ELSE {s2} END, "
                f"CASE WHEN {sold} THEN 2 ELSE 1 END, :at "
                f"FROM generate_series(0::bigint, {int(units) - 1}) AS x"
            ),
            {"at": now},
        )
        conn.exec_driver_sql(_EVENTS_AND_LEVELS[-1])
    _analyze(db)
    # Every unit's receive event, then the sold units' sell events, in id order: a batch per
    # transaction, planned on the units' statistics (the foreign-key checks of a batch
    # loaded in the units' own transaction slowed down past a few hundred thousand units).
    for action, before, after, quantity, only_sold in (
        ("receive", None, "in_stock", 1, False),
        ("sell", "in_stock", "sold", -1, True),
    ):
        shared = {
            "at": now,
            "action": action,
            "user_name": "bench",
            "terminal": "bench",
            "from_state": before,
            "to_state": after,
            "quantity": quantity,
        }
        last = 0
        while True:
            with db.engine.begin() as conn:
                columns = _unit_batch(conn, last, only_sold)
                if columns is None:
                    break
                chained = ledger_chain.stamp_columns(conn, shared, columns)
                bulk_events.insert_events(conn, shared, {**columns, **chained})
            last = columns["unit_id"][-1]
    _analyze(db)


def _analyze(db: Database) -> None:
    with db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")


def _unit_batch(conn: sa.Connection, last: int, only_sold: bool) -> dict[str, list[Any]] | None:
    """Up to :data:`PG_EVENT_BATCH` units (all, or the sold ones) after id ``last`` as
    event columns, in id order; None when there are no more."""
    sold = "AND state = 'sold' " if only_sold else ""
    rows = conn.execute(
        sa.text(
            "SELECT id, store_id, product_id, serial FROM serial_unit "
            f"WHERE id > :last {sold}ORDER BY id LIMIT :n"
        ),
        {"last": last, "n": PG_EVENT_BATCH},
    ).all()
    if not rows:
        return None
    ids, stores, products, serials = (list(column) for column in zip(*rows, strict=True))
    return {"unit_id": ids, "store_id": stores, "product_id": products, "serial": serials}


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


def sqlite_metrics(units: int, lookups: int, moves: int, directory: Path) -> list[tuple[str, str]]:
    results: list[tuple[str, str]] = [("SQLite units in the table", f"{units:,}")]
    start = time.perf_counter()
    db, in_stock = build_sqlite(directory / "ledger.sqlite", units, keep=3 * (moves + WARMUP) + 200)
    results.append((f"build {units:,} units (bulk load)", f"{time.perf_counter() - start:.1f} s"))
    if HASHING_SECONDS:
        results.append(
            (
                f"migration 0012: hash {units + units // SOLD_SHARE:,} events",
                f"{HASHING_SECONDS[-1]:.1f} s",
            )
        )
    # The bench's own lists are not the app's: keep the collector from walking them in the
    # middle of a timed call (a real console holds no such lists).
    gc.collect()
    gc.freeze()
    try:
        rng = random.Random(11)
        all_serials = [_serial(i) for i in rng.sample(range(units), min(lookups, units))]

        def card(i: int) -> None:
            found = lookup.lookup_serial(db, all_serials[i % len(all_serials)])
            assert len(found) == 1 and found[0].events

        def state_only(i: int) -> None:
            serial = all_serials[i % len(all_serials)]
            found = db.read(lambda conn: lookup.find_units(conn, serial, with_events=False))
            assert len(found) == 1

        part = time_each(lookups, state_only)
        whole = time_each(lookups, card)
        results += [
            ("serial lookup, state/store/product (median)", _ms(statistics.median(part))),
            ("serial lookup, state/store/product (p99)", _ms(p(part, 0.99))),
            ("serial lookup, whole card with events (median)", _ms(statistics.median(whole))),
            ("serial lookup, whole card with events (p99)", _ms(p(whole, 0.99))),
        ]

        targets = [u for u in in_stock if u[2] == "S1"]
        if len(targets) < moves + WARMUP:
            raise ValueError(
                f"{units:,} units leave {len(targets)} in stock at S1 to sell; "
                f"{moves + WARMUP} needed: use more units or fewer moves"
            )
        picked = iter(targets)

        def sell(_i: int) -> None:
            sku, serial, store = next(picked)
            ledger.move(db, ACTOR, Action.SELL, store=store, sku=sku, serials=[serial])

        plain_insert = PlainInsert(directory)
        try:
            sells, plain = time_pairs(moves, sell, plain_insert, warmup=WARMUP)
        finally:
            plain_insert.close()
        results += [
            ("ledger state change, committed (median)", _ms(statistics.median(sells))),
            ("ledger state change, committed (p99)", _ms(p(sells, 0.99))),
            ("plain sqlite3 INSERT+COMMIT (median)", _ms(statistics.median(plain))),
            ("plain sqlite3 INSERT+COMMIT (p99)", _ms(p(plain, 0.99))),
            ("state change / plain INSERT+COMMIT", ratio(sells, plain)),
        ]
        from serialpos.services.integrity import check_ledger

        findings = [f for f in check_ledger(db) if f.violation]
        results.append(
            ("db check after the run", "ok" if not findings else f"{len(findings)} violations")
        )
    finally:
        db.dispose()
        gc.unfreeze()
    return results


def postgres_metrics(units: int, moves: int) -> list[tuple[str, str]]:
    """One committed SELL on PostgreSQL among ``units`` units, alternated call by call with a
    plain INSERT+COMMIT; a row saying it was skipped when the server does not answer."""
    try:
        with pg_schema() as db:
            started = time.perf_counter()
            build_postgres(db, units)
            built = time.perf_counter() - started
            chosen = in_stock_sample(units, moves + WARMUP, "S1", seed=13)
            if len(chosen) < moves + WARMUP:
                raise ValueError(
                    f"{units:,} units leave {len(chosen)} in stock at S1 to sell; "
                    f"{moves + WARMUP} needed: use more units or fewer moves"
                )
            picked = iter(chosen)

            def sell(_i: int) -> None:
                sku, serial, store = next(picked)
                ledger.move(db, ACTOR, Action.SELL, store=store, sku=sku, serials=[serial])

            raw = db.engine.raw_connection()
            try:
                cur = raw.cursor()
                cur.execute("CREATE TABLE plain_t (id serial PRIMARY KEY, v text NOT NULL)")
                raw.commit()

                def plain_one(i: int) -> None:
                    cur.execute("INSERT INTO plain_t (v) VALUES (%s)", (f"row {i}",))
                    raw.commit()

                sells, plain = time_pairs(moves, sell, plain_one, warmup=WARMUP)
            finally:
                raw.close()
            from serialpos.services.integrity import check_ledger

            findings = [f for f in check_ledger(db) if f.violation]
    except PostgresUnavailable as exc:
        return [("PostgreSQL state change", f"skipped: {exc}")]
    return [
        ("PostgreSQL units in the table", f"{units:,}"),
        (f"PostgreSQL build {units:,} units (bulk SQL)", f"{built:.1f} s"),
        ("PostgreSQL state change, committed (median)", _ms(statistics.median(sells))),
        ("PostgreSQL state change, committed (p99)", _ms(p(sells, 0.99))),
        ("PostgreSQL plain INSERT+COMMIT (median)", _ms(statistics.median(plain))),
        ("PostgreSQL plain INSERT+COMMIT (p99)", _ms(p(plain, 0.99))),
        ("PostgreSQL state change / plain INSERT+COMMIT", ratio(sells, plain)),
        (
            "PostgreSQL db check after the run",
            "ok" if not findings else f"{len(findings)} violations",
        ),
    ]


def run(
    units: int = FULL_UNITS, lookups: int = LOOKUPS, moves: int = MOVES, quick: bool = False
) -> list[tuple[str, str]]:
    """Both databases at ``units`` units. ``quick`` (kept for old callers) takes the
    QUICK_KWARGS sizes for whatever is left at its default."""
    if quick:
        units = QUICK_UNITS if units == FULL_UNITS else units
        lookups = 1_000 if lookups == LOOKUPS else lookups
        moves = 500 if moves == MOVES else moves
    with temp_dir("serialpos-bench-") as tmp:
        results = sqlite_metrics(units, lookups, moves, Path(tmp))
    results += postgres_metrics(units, moves)
    return results


if __name__ == "__main__":
    main(run, TARGETS, QUICK_KWARGS, description=__doc__)
