"""A whole counter sale of one serialized unit, step by step, against the floor.

``run(units=100_000)`` builds ``units`` serial units (ledger_bench's builders: a SQLite file,
and a PostgreSQL schema when the server answers) and makes ``sales`` sales of one in-stock
unit each, through the services the console calls:

- ``add (opens the order)``: the product scanned with no order yet (``add_scan`` with a
  ``NewOrder``): the order row and its first line in one transaction;
- ``serial``: the unit's serial recorded on the line (``set_serial``: reserves the unit);
- ``tender and fulfil``: cash paid and the order fulfilled in one transaction
  (``fulfil(payments=...)``: sells the unit, issues the invoice).

The floor is one UPDATE of a unit and one INSERT of an event, committed, with the app's
durability (SQLite: WAL, ``synchronous=FULL``, a file of its own in the same directory;
PostgreSQL: a raw connection of the same engine, tables in the same schema). Every step is
alternated call by call with the floor (floor, step, floor, step, ...), so both see the same
machine; each ratio is the step's median over the floor's median, and the whole sale's is
the median of the per-sale sums over the floor's median.

The same through ``apply`` (what a host sends): ``order_create`` with the line's serial, then
``order_fulfil`` (paid in cash by default), alternated with the floor, per sale.

CPU rows give this process's CPU time (medians) for the whole sale and for the floor, each
step's over the floor's, and the apply sale's beside its floor's: they leave out waiting for
the disk or the server, so they hold still when other work shares the machine and its fsyncs
make the wall-clock ratios swing.

    .venv/bin/python bench/counter_sale_bench.py [--quick] [--units N] [--sales N]

Nothing here asserts a time: it measures and reports.
"""

from __future__ import annotations

import gc
import sqlite3
import statistics
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benchkit import PostgresUnavailable, Rows, main, pg_schema, temp_dir
from ledger_bench import ACTOR, build_postgres, build_sqlite, in_stock_sample
from serialpos.db.engine import Database
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.orders.checkout import fulfil
from serialpos.services.orders.lines import NewOrder, add_scan
from serialpos.services.orders.serials import set_serial

TARGETS: dict[str, str] = {
    "SQLite whole sale / floor": "<= 5x",
    "SQLite add (opens the order) / floor": "<= 2.5x",
    "SQLite serial / floor": "<= 2.5x",
    "SQLite tender and fulfil / floor": "<= 2.5x",
    "SQLite apply sale (order_create + order_fulfil) / floor": "<= 5x",
    "PostgreSQL whole sale / floor": "<= 5x",
    "PostgreSQL add (opens the order) / floor": "<= 2.5x",
    "PostgreSQL serial / floor": "<= 2.5x",
    "PostgreSQL tender and fulfil / floor": "<= 2.5x",
    "PostgreSQL apply sale (order_create + order_fulfil) / floor": "<= 5x",
}

UNITS = 100_000
SALES = 300
WARMUP = 20
PRICE = Decimal("199.00")
QUICK_KWARGS: dict[str, object] = {"units": 20_000, "sales": 100}
STEPS = ("add (opens the order)", "serial", "tender and fulfil")


# -- the floors ---------------------------------------------------------------------------
_FLOOR_TABLES = (
    "CREATE TABLE floor_unit (id INTEGER PRIMARY KEY, state TEXT NOT NULL, version INTEGER "
    "NOT NULL)",
    "CREATE TABLE floor_event (id INTEGER PRIMARY KEY, unit_id INTEGER NOT NULL, "
    "action TEXT NOT NULL, at TEXT NOT NULL)",
)


class SqliteFloor:
    """One UPDATE of a unit and one INSERT of its event, committed: plain sqlite3 in a file
    of its own in the same directory, WAL and ``synchronous=FULL`` as the app runs."""

    def __init__(self, directory: Path, units: int) -> None:
        self.con = sqlite3.connect(directory / "floor.sqlite", isolation_level=None)
        self.con.execute("PRAGMA journal_mode = WAL")
        self.con.execute("PRAGMA synchronous = FULL")
        for statement in _FLOOR_TABLES:
            self.con.execute(statement)
        self.con.execute("BEGIN")
        self.con.executemany(
            "INSERT INTO floor_unit (id, state, version) VALUES (?, 'in_stock', 1)",
            ((i,) for i in range(1, units + 1)),
        )
        self.con.execute("COMMIT")
        self.units = units
        self.cur = self.con.cursor()
        self.n = 0

    def __call__(self) -> None:
        self.n += 1
        unit = self.n % self.units + 1
        cur = self.cur
        cur.execute("BEGIN IMMEDIATE")
        cur.execute(
            "UPDATE floor_unit SET state = 'sold', version = version + 1 WHERE id = ?", (unit,)
        )
        cur.execute(
            "INSERT INTO floor_event (unit_id, action, at) VALUES (?, 'sell', ?)",
            (unit, time.time()),
        )
        cur.execute("COMMIT")

    def close(self) -> None:
        self.con.close()


class PostgresFloor:
    """The same on PostgreSQL: a raw connection of the app's engine, in the bench schema."""

    def __init__(self, db: Database, units: int) -> None:
        self.raw = db.engine.raw_connection()
        cur = self.raw.cursor()
        for statement in _FLOOR_TABLES:
            cur.execute(statement.replace("INTEGER PRIMARY KEY", "bigint PRIMARY KEY"))
        cur.execute(
            "INSERT INTO floor_unit (id, state, version) "
            f"SELECT x, 'in_stock', 1 FROM generate_series(1, {int(units)}) AS x"
        )
        cur.execute("CREATE SEQUENCE floor_event_id")
        self.raw.commit()
        self.cur = cur
        self.units = units
        self.n = 0

    def __call__(self) -> None:
        self.n += 1
        unit = self.n % self.units + 1
        self.cur.execute(
            "UPDATE floor_unit SET state = 'sold', version = version + 1 WHERE id = %s", (unit,)
        )
        self.cur.execute(
            "INSERT INTO floor_event (id, unit_id, action, at) "
            "VALUES (nextval('floor_event_id'), %s, 'sell', %s)",
            (unit, str(time.time())),
        )
        self.raw.commit()

    def close(self) -> None:
        self.raw.close()


# -- the sale -------------------------------------------------------------------------------
def _priced(db: Database) -> None:
    """ledger_bench's products cost nothing; a sale should take money."""
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE product SET price = {PRICE}")


def _sale_steps(db: Database, unit: tuple[str, str, str]) -> list[Callable[[], Any]]:
    """The three counter steps of one sale of ``unit`` (sku, serial, store), as calls."""
    sku, serial, store = unit
    state: dict[str, Any] = {}

    def add() -> None:
        added = add_scan(db, ACTOR, None, sku, start=NewOrder(store))
        assert added.prompt_serial or added.order.lines[-1].serial is None
        state["order"], state["line"] = added.order.order, added.line

    def record_serial() -> None:
        view = set_serial(db, ACTOR, state["order"], state["line"], serial)
        state["due"] = view.totals.due

    def tender() -> None:
        done = fulfil(db, ACTOR, state["order"], payments=[("cash", state["due"])])
        assert done.invoice

    return [add, record_serial, tender]


def _apply_sale(db: Database, unit: tuple[str, str, str]) -> None:
    sku, serial, store = unit
    made = apply_object(
        db,
        ACTOR,
        {"op": "order_create", "store": store, "lines": [{"sku": sku, "serial": serial}]},
    )
    assert made["ok"], made
    done = apply_object(db, ACTOR, {"op": "order_fulfil", "order": made["order"]})
    assert done["ok"], done


def _measure(
    label: str,
    db: Database,
    floor: Callable[[], None],
    units: Iterator[tuple[str, str, str]],
    sales: int,
) -> Rows:
    clock, cpu = time.perf_counter_ns, time.process_time_ns
    steps: list[list[float]] = [[] for _ in STEPS]
    whole: list[float] = []
    floors: list[float] = []
    # CPU time of this process (no disk or server wait): steady when the machine is loaded.
    cpu_steps: list[float] = []
    cpu_floors: list[float] = []
    cpu_each: list[list[float]] = [[] for _ in STEPS]
    for n in range(WARMUP + sales):
        sale_total = sale_cpu = 0.0
        for i, step in enumerate(_sale_steps(db, next(units))):
            cpu_start, start = cpu(), clock()
            floor()
            cpu_middle, middle = cpu(), clock()
            step()
            end, cpu_end = clock(), cpu()
            took = (end - middle) / 1e6
            sale_total += took
            sale_cpu += (cpu_end - cpu_middle) / 1e6
            if n >= WARMUP:
                floors.append((middle - start) / 1e6)
                cpu_floors.append((cpu_middle - cpu_start) / 1e6)
                steps[i].append(took)
                cpu_each[i].append((cpu_end - cpu_middle) / 1e6)
        if n >= WARMUP:
            whole.append(sale_total)
            cpu_steps.append(sale_cpu)
    apply_sales: list[float] = []
    apply_floors: list[float] = []
    cpu_apply: list[float] = []
    cpu_apply_floors: list[float] = []
    for n in range(WARMUP + sales):
        cpu_start, start = cpu(), clock()
        floor()
        cpu_middle, middle = cpu(), clock()
        _apply_sale(db, next(units))
        end, cpu_end = clock(), cpu()
        if n >= WARMUP:
            apply_floors.append((middle - start) / 1e6)
            apply_sales.append((end - middle) / 1e6)
            cpu_apply.append((cpu_end - cpu_middle) / 1e6)
            cpu_apply_floors.append((cpu_middle - cpu_start) / 1e6)
    base = statistics.median(floors)
    rows: Rows = [(f"{label} floor: UPDATE unit + INSERT event, committed", f"{base:.3f} ms")]
    for name, samples in zip(STEPS, steps, strict=True):
        mid = statistics.median(samples)
        rows.append((f"{label} {name} (median)", f"{mid:.3f} ms"))
        rows.append((f"{label} {name} / floor", f"{mid / base:.2f}x"))
    rows.append((f"{label} whole sale (median)", f"{statistics.median(whole):.3f} ms"))
    rows.append((f"{label} whole sale / floor", f"{statistics.median(whole) / base:.2f}x"))
    rows.append(
        (
            f"{label} CPU: whole sale / floor (medians)",
            f"{statistics.median(cpu_steps):.3f} / {statistics.median(cpu_floors):.3f} ms",
        )
    )
    cpu_base = statistics.median(cpu_floors)
    for name, samples in zip(STEPS, cpu_each, strict=True):
        mid = statistics.median(samples)
        rows.append((f"{label} CPU: {name} / floor (medians)", f"{mid / cpu_base:.2f}x"))
    rows.append(
        (
            f"{label} statements per step (add / serial / tender and fulfil / apply)",
            _counted(db, units),
        )
    )
    apply_mid, apply_base = statistics.median(apply_sales), statistics.median(apply_floors)
    rows.append((f"{label} apply sale (median)", f"{apply_mid:.3f} ms"))
    rows.append(
        (
            f"{label} apply sale (order_create + order_fulfil) / floor",
            f"{apply_mid / apply_base:.2f}x",
        )
    )
    rows.append(
        (
            f"{label} CPU: apply sale / floor (medians)",
            f"{statistics.median(cpu_apply):.3f} / {statistics.median(cpu_apply_floors):.3f} ms",
        )
    )
    return rows


def _counted(db: Database, units: Iterator[tuple[str, str, str]]) -> str:
    """Statements each step sends (a ``before_cursor_execute`` listener, attached only for
    one more sale after the timed ones, so it costs the timed calls nothing)."""
    seen: list[str] = []

    def count(*_args: object) -> None:
        seen.append("")

    counts = []
    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        calls = [*_sale_steps(db, next(units))]
        apply_unit = next(units)
        calls.append(lambda: _apply_sale(db, apply_unit))
        for call in calls:
            seen.clear()
            call()
            counts.append(len(seen))
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return " / ".join(map(str, counts))


def _needed(sales: int) -> int:
    return 2 * (sales + WARMUP) + 2


def sqlite_rows(units: int, sales: int) -> Rows:
    with temp_dir("serialpos-bench-") as tmp:
        db, in_stock = build_sqlite(Path(tmp) / "sale.sqlite", units, keep=3 * _needed(sales))
        floor = SqliteFloor(Path(tmp), units)
        try:
            _priced(db)
            chosen = [u for u in in_stock if u[2] == "S1"]
            if len(chosen) < _needed(sales):
                raise ValueError(f"{units:,} units are too few for {sales} sales")
            gc.collect()
            gc.freeze()
            rows = _measure("SQLite", db, floor, iter(chosen), sales)
        finally:
            gc.unfreeze()
            floor.close()
            db.dispose()
    return [("SQLite units", f"{units:,}"), *rows]


def postgres_rows(units: int, sales: int) -> Rows:
    try:
        with pg_schema() as db:
            build_postgres(db, units)
            _priced(db)
            chosen = in_stock_sample(units, _needed(sales), "S1", seed=17)
            if len(chosen) < _needed(sales):
                raise ValueError(f"{units:,} units are too few for {sales} sales")
            floor = PostgresFloor(db, units)
            try:
                return _measure("PostgreSQL", db, floor, iter(chosen), sales)
            finally:
                floor.close()
    except PostgresUnavailable as exc:
        return [("PostgreSQL counter sale", f"skipped: {exc}")]


def run(units: int = UNITS, sales: int = SALES) -> Rows:
    return sqlite_rows(units, sales) + postgres_rows(units, sales)


if __name__ == "__main__":
    main(run, TARGETS, QUICK_KWARGS, description=__doc__)
