"""A SQLite file of N serial units built fast enough for 10M, and kept by size for the next run.

``ledger_bench.build_sqlite`` loads at the revision before the hash chain and lets migration
0012 hash every event through SQLAlchemy (what hashing an existing ledger costs: its row).
That is most of its time (about 75 s of 124 s at 1M units), so 10M units were never built. The
screen benches (scan_to_line) measure the console, not the migration, and need only the same
data: this builder lays out exactly the same units (``ledger_bench._unit``: products,
stores, serials, the sold tenth), the receive and sell events with their hash chain, the
event feed and the stock levels, so ``serialpos db check`` holds, at the newest schema:

- the schema by the migrations on an empty file (a fraction of a second);
- the units by one ``INSERT ... SELECT`` from a recursive CTE (no Python per unit);
- the events by one ``executemany`` whose rows carry their chain position and hash, made
  with a fixed JSON template per event kind (the digest ``event_hash`` gives, checked on
  the first events of each chain);
- the secondary indexes and the event triggers dropped during the load and put back after
  it (an index built once from sorted keys instead of 10M random inserts), the feed and the
  levels by one set-based statement each (what the feed trigger would have done row by
  row), no journal during the load (the file is built under a temporary name and renamed
  when whole), WAL afterwards as the app keeps it.

The file is kept in ``SERIALPOS_BENCH_CACHE`` (else ``serialpos-bench-units`` in
``SERIALPOS_BENCH_DIR`` or the system's temporary directory), named by size, schema head and
this builder's version; a run copies it into its own directory, so a rerun starts from the
same untouched file (no statistics, no orders) without building it again.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import tempfile
import time
from datetime import datetime
from pathlib import Path

from ledger_bench import PRODUCTS, SOLD_SHARE, _serial, _unit
from serialpos.db import migrate
from serialpos.db.engine import Database
from serialpos.domain.ledger_chain import GENESIS, event_hash

#: Bumped whenever what this builder writes changes (old cached files are then not used).
BUILDER_VERSION = 1
#: The indexes and triggers dropped during the load and put back after it.
_LOADED_TABLES = ("serial_unit", "ledger_event", "event_feed")
_FEED_TRIGGERS = ("ledger_event_feed", "ledger_event_no_replace")


def cache_dir() -> Path:
    """Where built files are kept between runs."""
    explicit = os.environ.get("SERIALPOS_BENCH_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("SERIALPOS_BENCH_DIR") or tempfile.gettempdir()
    return Path(base) / "serialpos-bench-units"


def _head() -> str:
    return migrate.head_revision()


def cached_file(units: int) -> tuple[Path, float | None]:
    """The kept file of ``units`` units, built now when missing. Returns its path and the
    seconds the build took (None when it was already there)."""
    folder = cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"units-{units}-rev{_head()}-v{BUILDER_VERSION}.sqlite"
    if path.exists():
        return path, None
    partial = path.with_suffix(f".partial-{os.getpid()}")
    started = time.perf_counter()
    older = sorted(folder.glob(f"units-{units}-rev*-v{BUILDER_VERSION}.sqlite"))
    try:
        if older:  # the same units at an older schema: migrated up, as a store's file is
            shutil.move(older[-1], partial)
            _upgrade(partial)
        else:
            build(partial, units)
        partial.rename(path)
    finally:
        partial.unlink(missing_ok=True)
    return path, time.perf_counter() - started


def _upgrade(path: Path) -> None:
    """Take a kept file to the newest schema with the app's own migrations. A 10M file takes
    an hour to build on a busy 2-core machine and most migrations touch no unit, so a new
    migration costs a migration, not a rebuild (a file whose migration failed is dropped)."""
    db = Database(f"sqlite:///{path}")
    try:
        migrate.upgrade(db)
    finally:
        db.dispose()


def copy_of(units: int, directory: Path, name: str = "bench.sqlite") -> tuple[Path, float | None]:
    """A fresh copy (in ``directory``) of the kept file of ``units`` units; the build time
    when it had to be built."""
    source, built = cached_file(units)
    target = directory / name
    shutil.copyfile(source, target)
    return target, built


def build(path: Path, units: int) -> None:
    """A migrated SQLite file at ``path`` with ``units`` units laid out as
    ``ledger_bench._unit`` lays them out (see the module's docstring)."""
    db = Database(f"sqlite:///{path}")
    try:
        migrate.upgrade(db)
    finally:
        db.dispose()
    con = sqlite3.connect(path, isolation_level=None)
    try:
        _load(con, units)
    finally:
        con.close()


def main() -> None:
    """``python bench/unit_file.py --units N``: build (or migrate up) the kept file of N
    units ahead of a run, and say where it is."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, required=True, help="how many serial units")
    units = parser.parse_args().units
    path, took = cached_file(units)
    said = "already kept" if took is None else f"made in {took:.0f} s"
    print(f"{path} ({said})")


def _load(con: sqlite3.Connection, units: int) -> None:
    con.execute("PRAGMA journal_mode = OFF")  # a failed build is thrown away, never used
    con.execute("PRAGMA synchronous = OFF")
    con.execute("PRAGMA cache_size = -1000000")
    con.execute("PRAGMA temp_store = MEMORY")
    saved = [
        (name, sql)
        for name, sql in con.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({', '.join('?' for _ in _LOADED_TABLES)})",
            _LOADED_TABLES,
        )
    ]
    triggers = [
        (name, sql)
        for name, sql in con.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
            f"AND name IN ({', '.join('?' for _ in _FEED_TRIGGERS)})",
            _FEED_TRIGGERS,
        )
    ]
    if len(triggers) != len(_FEED_TRIGGERS):
        raise RuntimeError(f"the schema's event triggers changed: found {triggers}")
    stamp = datetime.now().replace(microsecond=123456)
    stored = stamp.strftime("%Y-%m-%d %H:%M:%S.%f")  # as SQLAlchemy stores a DateTime
    con.execute("BEGIN")
    for name, _sql in saved:
        con.execute(f"DROP INDEX {name}")
    for name, _sql in triggers:
        con.execute(f"DROP TRIGGER {name}")
    con.executemany(
        "INSERT INTO store (id, code, name, created_at) VALUES (?, ?, ?, ?)",
        [(1, "S1", "Main Street", stored), (2, "S2", "Harbour Mall", stored)],
    )
    con.executemany(
        "INSERT INTO product (id, sku, name, price, serial_mode, created_at, updated_at) "
        "VALUES (?, ?, ?, 0, 'required', ?, ?)",
        [(n, f"PH{n}", f"Phone PH{n}", stored, stored) for n in range(1, PRODUCTS + 1)],
    )
    # Unit i (0-based) is row i + 1; product PH{i % 5 + 1} is product id i % 5 + 1; store S1
    # (id 1) when (i // 5) is even; every tenth sold. The same as ledger_bench._unit.
    sold = f"i % {SOLD_SHARE} = {SOLD_SHARE - 1}"
    con.execute(
        "WITH RECURSIVE x(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM x WHERE i < ?) "
        "INSERT INTO serial_unit (id, product_id, serial, state, store_id, version, "
        "updated_at) "
        f"SELECT i + 1, i % {PRODUCTS} + 1, printf('SN%010d', (i * 2654435761) % 4294967291), "
        f"CASE WHEN {sold} THEN 'sold' ELSE 'in_stock' END, "
        f"CASE WHEN (i / {PRODUCTS}) % 2 = 0 THEN 1 ELSE 2 END, "
        f"CASE WHEN {sold} THEN 2 ELSE 1 END, ? FROM x",
        (units - 1, stored),
    )
    heads = _load_events(con, units, stamp, stored)
    con.execute(
        "INSERT INTO event_feed (seq, event_id, store_id) SELECT id, id, store_id FROM ledger_event"
    )
    con.executemany(
        "INSERT INTO ledger_chain (id, store_id, terminal, seq, hash) VALUES (?, ?, 'bench', ?, ?)",
        [(store, store, seq, digest) for store, (seq, digest) in sorted(heads.items())],
    )
    for _name, sql in saved:
        con.execute(sql)
    for _name, sql in triggers:
        con.execute(sql)
    # After the indexes: the levels are counted from (store, product, state) alone.
    con.execute(
        "INSERT INTO stock_level (product_id, store_id, quantity) SELECT product_id, "
        "store_id, count(*) FROM serial_unit WHERE state = 'in_stock' "
        "GROUP BY product_id, store_id"
    )
    con.execute("COMMIT")
    _check_layout(con, units)
    con.execute("PRAGMA journal_mode = WAL")


def _load_events(
    con: sqlite3.Connection, units: int, stamp: datetime, stored: str
) -> dict[int, tuple[int, str]]:
    """The receive event of every unit (ids 1..units, in unit order) and then the sell event
    of every sold unit, each in its store's chain ((store, "bench"): chain id = store id),
    hashed as ``event_hash`` hashes it. Returns each chain's head (seq, hash)."""
    at = stamp.isoformat(timespec="microseconds")
    receive = (
        '["{prev}",{seq},"' + at + '","receive","bench","bench",{store},{product},{unit},'
        '"{serial}",null,"in_stock",1,null,null,null,null]'
    )
    sell = (
        '["{prev}",{seq},"' + at + '","sell","bench","bench",{store},{product},{unit},'
        '"{serial}","in_stock","sold",-1,null,null,null,null]'
    )
    heads: dict[int, list[object]] = {1: [0, GENESIS], 2: [0, GENESIS]}
    sha = hashlib.sha256
    checked: set[tuple[int, str]] = set()

    def rows(template: str, action: str, only_sold: bool, first_id: int):
        event_id = first_id
        for i in range(units):
            if only_sold and i % SOLD_SHARE != SOLD_SHARE - 1:
                continue
            store = 1 if (i // PRODUCTS) % 2 == 0 else 2
            product = i % PRODUCTS + 1
            serial = _serial(i)
            head = heads[store]
            seq = head[0] + 1  # type: ignore[operator]
            body = template.format(
                prev=head[1], seq=seq, store=store, product=product, unit=i + 1, serial=serial
            )
            digest = sha(body.encode()).hexdigest()
            if (store, action) not in checked:  # the template is event_hash, exactly
                checked.add((store, action))
                fields = {
                    "at": stamp,
                    "action": action,
                    "user_name": "bench",
                    "terminal": "bench",
                    "store_id": store,
                    "product_id": product,
                    "unit_id": i + 1,
                    "serial": serial,
                    "from_state": "in_stock" if action == "sell" else None,
                    "to_state": "sold" if action == "sell" else "in_stock",
                    "quantity": -1 if action == "sell" else 1,
                }
                expected = event_hash(str(head[1]), seq, fields)  # type: ignore[arg-type]
                if digest != expected:
                    raise RuntimeError(f"the {action} template no longer hashes as event_hash")
            head[0], head[1] = seq, digest
            yield (event_id, store, product, i + 1, serial, store, seq, digest)
            event_id += 1

    columns = (
        "id, at, action, user_name, terminal, store_id, product_id, unit_id, serial, "
        "from_state, to_state, quantity, chain_id, chain_seq, hash"
    )
    con.executemany(
        f"INSERT INTO ledger_event ({columns}) VALUES (?, '{stored}', 'receive', 'bench', "
        "'bench', ?, ?, ?, ?, NULL, 'in_stock', 1, ?, ?, ?)",
        rows(receive, "receive", False, 1),
    )
    con.executemany(
        f"INSERT INTO ledger_event ({columns}) VALUES (?, '{stored}', 'sell', 'bench', "
        "'bench', ?, ?, ?, ?, 'in_stock', 'sold', -1, ?, ?, ?)",
        rows(sell, "sell", True, units + 1),
    )
    return {store: (int(h[0]), str(h[1])) for store, h in heads.items()}  # type: ignore[call-overload]


def _check_layout(con: sqlite3.Connection, units: int) -> None:
    """The SQL laid the units out as ``ledger_bench._unit`` does (a few spot checks)."""
    for i in {0, 1, 5, 9, units // 2, units - 1}:
        if i < 0 or i >= units:
            continue
        sku, serial, store, sold = _unit(i)
        row = con.execute(
            "SELECT p.sku, u.serial, s.code, u.state FROM serial_unit u JOIN product p "
            "ON p.id = u.product_id JOIN store s ON s.id = u.store_id WHERE u.id = ?",
            (i + 1,),
        ).fetchone()
        if row != (sku, serial, store, "sold" if sold else "in_stock"):
            raise RuntimeError(f"unit {i} laid out as {row}, expected {sku, serial, store}")


if __name__ == "__main__":
    main()
