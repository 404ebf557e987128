"""A whole counter sale of one serialized unit, step by step, against the floor.

``run(units=100_000)`` builds ``units`` serial units (ledger_bench's builders: a SQLite file,
and a PostgreSQL schema when the server answers) and makes ``sales`` sales of one in-stock
unit each, through the services the console calls (the sale field's ``scan_at_counter``,
then the pay key's ``fulfil``):

- ``product scanned (held, read only)``: the product scanned with no order yet; its serial
  is required, so the console holds its line on screen (services/held_line.py: the product
  read, nothing written, no commit);
- ``serial: line and serial (opens the order)``: the unit's serial scanned next, given the
  held line: the order row, its line holding the serial and the unit reserved, in one
  transaction (``add_item`` with the serial, set_serial's checks);
- ``tender and fulfil``: cash paid and the order fulfilled in one transaction
  (``fulfil(payments=...)``: sells the unit, issues the invoice).

Two commits a sale, as the serial-scanned one (three before the held line: the add, then
the serial on the line).

and as many sales whose first scan is the unit's serial label (``serial scanned``): the sale
field finds the product and the unit by that serial and adds the line with it, reserving the
unit, in one transaction (``add with its serial``), then the same ``tender and fulfil``.

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
make the wall-clock ratios swing. On SQLite, ``CPU per step, no fsync in the run`` rows time
the same steps back to back on connections with ``synchronous = NORMAL`` (no fsync anywhere):
the sale's own work on warm caches, a diagnostic (see :func:`_no_fsync_cpu`).

    .venv/bin/python bench/counter_sale_bench.py [--quick] [--units N] [--sales N]

Nothing here asserts a time: it measures and reports.
"""

from __future__ import annotations

import functools
import gc
import operator
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benchkit import PostgresUnavailable, Rows, main, pg_schema, temp_dir
from ledger_bench import ACTOR, build_postgres, build_sqlite, in_stock_sample
from serialpos.db.engine import Database
from serialpos.db.wal_frames import frames_written
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.counter_scan import scan_at_counter
from serialpos.services.orders.checkout import fulfil
from serialpos.services.orders.lines import NewOrder

TARGETS: dict[str, str] = {
    "SQLite whole sale / floor": "<= 5x",
    "SQLite product scanned (held, read only) / floor": "<= 2.5x",
    "SQLite serial: line and serial (opens the order) / floor": "<= 2.5x",
    "SQLite tender and fulfil / floor": "<= 2.5x",
    "SQLite serial scanned: add with its serial / floor": "<= 2.5x",
    "SQLite serial scanned: tender and fulfil / floor": "<= 2.5x",
    "SQLite whole sale, serial scanned / floor": "<= 5x",
    "SQLite apply sale (order_create + order_fulfil) / floor": "<= 5x",
    "PostgreSQL whole sale / floor": "<= 5x",
    "PostgreSQL product scanned (held, read only) / floor": "<= 2.5x",
    "PostgreSQL serial: line and serial (opens the order) / floor": "<= 2.5x",
    "PostgreSQL tender and fulfil / floor": "<= 2.5x",
    "PostgreSQL serial scanned: add with its serial / floor": "<= 2.5x",
    "PostgreSQL serial scanned: tender and fulfil / floor": "<= 2.5x",
    "PostgreSQL whole sale, serial scanned / floor": "<= 5x",
    "PostgreSQL apply sale (order_create + order_fulfil) / floor": "<= 5x",
}

UNITS = 100_000
SALES = 300
WARMUP = 20
PRICE = Decimal("199.00")
QUICK_KWARGS: dict[str, object] = {"units": 20_000, "sales": 100}
STEPS = (
    "product scanned (held, read only)",
    "serial: line and serial (opens the order)",
    "tender and fulfil",
)
#: The sale whose first scan is the unit's serial label (its product and unit found by it).
SERIAL_STEPS = ("serial scanned: add with its serial", "serial scanned: tender and fulfil")
SERIAL_WHOLE = "whole sale, serial scanned"
FLOOR = "floor: UPDATE unit + INSERT event, committed"


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
        self.path = directory / "floor.sqlite"
        self.con = sqlite3.connect(self.path, isolation_level=None)
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
    """The three counter steps of one sale of ``unit`` (sku, serial, store) as the console
    sends them (``scan_at_counter``, what the sale field calls): the product scanned (its
    line held on screen, nothing written), then its serial (the line and the serial
    committed together), then cash for what is due."""
    sku, serial, store = unit
    state: dict[str, Any] = {}

    def add() -> None:
        scanned = scan_at_counter(db, ACTOR, None, sku, waiting=None, start=NewOrder(store))
        assert scanned.held is not None and scanned.added is None
        state["held"] = scanned.held

    def record_serial() -> None:
        scanned = scan_at_counter(
            db, ACTOR, None, serial, waiting=None, start=NewOrder(store), held=state["held"]
        )
        added = scanned.added
        assert added is not None and added.order.lines[-1].serial == serial
        state["order"], state["due"] = added.order.order, added.order.totals.due

    def tender() -> None:
        done = fulfil(db, ACTOR, state["order"], payments=[("cash", state["due"])])
        assert done.invoice

    return [add, record_serial, tender]


def _serial_scan_steps(db: Database, unit: tuple[str, str, str]) -> list[Callable[[], Any]]:
    """The same sale when the first scan is the unit's serial label: the console's sale field
    finds its product and unit and adds the line with that serial (one transaction), then
    cash for what is due."""
    _sku, serial, store = unit
    state: dict[str, Any] = {}

    def add_with_serial() -> None:
        added = scan_at_counter(db, ACTOR, None, serial, waiting=None, start=NewOrder(store)).added
        assert added is not None and added.order.lines[-1].serial == serial
        state["order"], state["due"] = added.order.order, added.order.totals.due

    def tender() -> None:
        done = fulfil(db, ACTOR, state["order"], payments=[("cash", state["due"])])
        assert done.invoice

    return [add_with_serial, tender]


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


def _steps_timed(
    label: str,
    floor: Callable[[], None],
    sales: Iterator[list[Callable[[], Any]]],
    count: int,
    names: tuple[str, ...],
    whole: str,
    floor_row: str,
) -> Rows:
    """``count`` sales (after the warm-up), each a list of step calls, every step alternated
    call by call with the floor: each step's median over the floor's, the median of the
    per-sale sums over the floor's (``whole``), and the same in this process's CPU time."""
    clock, cpu = time.perf_counter_ns, time.process_time_ns
    steps: list[list[float]] = [[] for _ in names]
    sums: list[float] = []
    floors: list[float] = []
    # CPU time of this process (no disk or server wait): steady when the machine is loaded.
    cpu_sums: list[float] = []
    cpu_floors: list[float] = []
    cpu_each: list[list[float]] = [[] for _ in names]
    for n in range(WARMUP + count):
        sale_total = sale_cpu = 0.0
        for i, step in enumerate(next(sales)):
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
            sums.append(sale_total)
            cpu_sums.append(sale_cpu)
    base = statistics.median(floors)
    rows: Rows = [(f"{label} {floor_row}", f"{base:.3f} ms")]
    for name, samples in zip(names, steps, strict=True):
        mid = statistics.median(samples)
        rows.append((f"{label} {name} (median)", f"{mid:.3f} ms"))
        rows.append((f"{label} {name} / floor", f"{mid / base:.2f}x"))
    rows.append((f"{label} {whole} (median)", f"{statistics.median(sums):.3f} ms"))
    rows.append((f"{label} {whole} / floor", f"{statistics.median(sums) / base:.2f}x"))
    rows.append(
        (
            f"{label} CPU: {whole} / floor (medians)",
            f"{statistics.median(cpu_sums):.3f} / {statistics.median(cpu_floors):.3f} ms",
        )
    )
    cpu_base = statistics.median(cpu_floors)
    for name, samples in zip(names, cpu_each, strict=True):
        mid = statistics.median(samples)
        rows.append((f"{label} CPU: {name} / floor (medians)", f"{mid / cpu_base:.2f}x"))
    return rows


def _measure(
    label: str,
    db: Database,
    floor: Callable[[], None],
    units: Iterator[tuple[str, str, str]],
    sales: int,
) -> Rows:
    clock, cpu = time.perf_counter_ns, time.process_time_ns
    product_sales = (_sale_steps(db, next(units)) for _ in range(WARMUP + sales))
    rows = _steps_timed(label, floor, product_sales, sales, STEPS, "whole sale", FLOOR)
    serial_sales = (_serial_scan_steps(db, next(units)) for _ in range(WARMUP + sales))
    rows += _steps_timed(
        label, floor, serial_sales, sales, SERIAL_STEPS, SERIAL_WHOLE, f"{FLOOR} ({SERIAL_WHOLE})"
    )
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
    product_first, serial_first = _counted(db, units)
    if db.dialect == "sqlite":
        rows += _frames(label, db, floor, units)
        rows += _no_fsync_cpu(label, Path(str(db.engine.url.database)), units)
    rows.append(
        (
            f"{label} statements per step (held / line and serial / tender and fulfil / apply)",
            product_first,
        )
    )
    rows.append(
        (
            f"{label} statements per step, serial scanned (add with its serial / tender and "
            "fulfil)",
            serial_first,
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


def _counted(db: Database, units: Iterator[tuple[str, str, str]]) -> tuple[str, str]:
    """Statements each step sends (a ``before_cursor_execute`` listener, attached only for
    one more sale of each kind after the timed ones, so it costs the timed calls nothing):
    the product-first sale's steps and the apply sale, then the serial-first sale's."""
    seen: list[str] = []

    def count(*_args: object) -> None:
        seen.append("")

    def counts(calls: list[Callable[[], Any]]) -> str:
        found = []
        for call in calls:
            seen.clear()
            call()
            found.append(len(seen))
        return " / ".join(map(str, found))

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        calls = [*_sale_steps(db, next(units))]
        apply_unit = next(units)
        calls.append(lambda: _apply_sale(db, apply_unit))
        product_first = counts(calls)
        serial_first = counts(_serial_scan_steps(db, next(units)))
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return product_first, serial_first


def _apply_steps(db: Database, unit: tuple[str, str, str]) -> list[Callable[[], Any]]:
    """``_apply_sale`` as its two commits: ``order_create`` with the serial, ``order_fulfil``."""
    sku, serial, store = unit
    made: dict[str, Any] = {}

    def create() -> None:
        order = {"op": "order_create", "store": store, "lines": [{"sku": sku, "serial": serial}]}
        made.update(apply_object(db, ACTOR, order))
        assert made["ok"], made

    def fulfil_it() -> None:
        done = apply_object(db, ACTOR, {"op": "order_fulfil", "order": made["order"]})
        assert done["ok"], done

    return [create, fulfil_it]


#: Sales of each kind whose WAL frames are read (after the timed ones): a page split now and
#: then adds a page or three to one step, so the rows give the median of these.
FRAME_SALES = 9


def _frames(
    label: str, db: Database, floor: Callable[[], None], units: Iterator[tuple[str, str, str]]
) -> Rows:
    """WAL frames (pages) each step's commit writes, the median over ``FRAME_SALES`` more
    sales of each kind after the timed ones (the WAL emptied before each step:
    wal_frames.py), the floor's beside them; the tables and indexes that own the pages
    (each with the most pages it took in a step) go to stderr."""
    path = Path(str(db.engine.url.database))
    assert isinstance(floor, SqliteFloor)
    floor_frames = statistics.median(
        sum(frames_written(floor.path, floor).values()) for _ in range(FRAME_SALES)
    )
    rows: Rows = []
    kinds = (
        ("held / line and serial / tender and fulfil", _sale_steps),
        ("serial scanned (add with its serial / tender and fulfil)", _serial_scan_steps),
        ("apply (order_create / order_fulfil)", _apply_steps),
    )
    for name, steps in kinds:
        sales = [
            [frames_written(path, step) for step in steps(db, next(units))]
            for _ in range(FRAME_SALES)
        ]
        for number, owners in enumerate(zip(*sales, strict=True), 1):
            most = functools.reduce(operator.or_, owners)
            listed = ", ".join(f"{k or '(no b-tree)'} {n}" for k, n in sorted(most.items()))
            print(f"  {name} step {number} ({len(most)} b-trees): {listed}", file=sys.stderr)
        steps_of = zip(*sales, strict=True)
        each = [statistics.median(sum(c.values()) for c in step) for step in steps_of]
        whole = statistics.median(sum(sum(c.values()) for c in sale) for sale in sales)
        rows.append(
            (
                f"{label} WAL frames per step (medians), {name}",
                f"{' / '.join(f'{n:g}' for n in each)}, sale {whole:g} (floor {floor_frames:g})",
            )
        )
    return rows


#: Sales of each kind timed with no fsync in the run (:func:`_no_fsync_cpu`), after as many
#: warm-up sales.
NO_FSYNC_SALES = 100


def _no_fsync_cpu(label: str, path: Path, units: Iterator[tuple[str, str, str]]) -> Rows:
    """This process's CPU per step (medians) with no fsync anywhere in the run: the same
    steps, back to back, on a second ``Database`` of the same file whose connections run
    ``synchronous = NORMAL`` (WAL: a commit writes its frames but does not wait for the
    disk). A diagnostic, not a target: on this shared 2-core machine a step's user-space
    CPU roughly doubles when it follows a blocking ``fdatasync`` (the floor's, or the step
    before's), whose wait lets other processes run on the core and cool its caches
    (bench/README.md, round salespeed). These rows are the sale's own work on warm caches,
    about half of the CPU rows above (which include the fsyncs and their after-effect);
    between runs they still move with the load (some 20%), as those do."""
    fast = Database(f"sqlite:///{path}")

    @sa.event.listens_for(fast.engine, "connect")
    def _no_fsync(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute("PRAGMA synchronous = NORMAL")

    cpu = time.process_time_ns
    kinds = (
        ("held / line and serial / tender and fulfil", _sale_steps),
        ("serial scanned (add with its serial / tender and fulfil)", _serial_scan_steps),
        ("apply (order_create / order_fulfil)", _apply_steps),
    )
    rows: Rows = []
    try:
        for name, steps in kinds:
            each: list[list[float]] = []
            sums: list[float] = []
            for n in range(2 * NO_FSYNC_SALES):
                took = []
                for step in steps(fast, next(units)):
                    start = cpu()
                    step()
                    took.append((cpu() - start) / 1e3)
                if n >= NO_FSYNC_SALES:
                    each.append(took)
                    sums.append(sum(took))
            mids = [statistics.median(step) for step in zip(*each, strict=True)]
            rows.append(
                (
                    f"{label} CPU per step, no fsync in the run (us, medians), {name}",
                    f"{' / '.join(f'{m:.0f}' for m in mids)}, sale {statistics.median(sums):.0f}",
                )
            )
    finally:
        fast.dispose()
    return rows


def _needed(sales: int) -> int:
    return 3 * (sales + WARMUP) + 3 + 3 * FRAME_SALES + 3 * 2 * NO_FSYNC_SALES


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
