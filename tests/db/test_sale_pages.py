"""The index pages a counter sale writes (migration 0029): every index a step's rows enter is
one more page its commit writes and fsyncs. Read from the SQLite file itself: the WAL's
frames (which pages each commit wrote) and ``dbstat`` (which table or index owns a page, and
how many entries an index holds). The plans of the queries that used the dropped indexes
are checked to use the ones kept."""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from test_orders import IMEI, setup_catalogue

from serialpos.db.engine import Database
from serialpos.services import users
from serialpos.services.context import Actor
from serialpos.services.counter_scan import scan_at_counter
from serialpos.services.orders import NewOrder
from serialpos.services.orders.checkout import fulfil

#: Indexes no sale step may write: gone (0029, 0036), or partial and not set by a counter sale.
NEVER_WRITTEN = {
    "ix_order_line_order_id",
    "ix_order_line_product_serial",
    "ix_serial_unit_reserved_line",
    "ix_sale_order_customer_id",
    "ix_order_payment_shift_id",
}
#: Partial indexes and the rows they must hold, as (index, rows counted).
PARTIAL = (
    ("ix_sale_order_customer_id", "SELECT count(*) FROM sale_order WHERE customer_id"),
    ("ix_order_payment_shift_id", "SELECT count(*) FROM order_payment WHERE shift_id"),
)


#: The WAL and ``dbstat`` are SQLite's: the tests that read them run on SQLite only (not
#: skipped on PostgreSQL: CI runs nothing it could skip); the migration's test runs on both.
on_sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def sqlite_file(db: Database) -> Path:
    assert db.dialect == "sqlite" and db.engine.url.database is not None
    return Path(db.engine.url.database)


@pytest.fixture
def cashier(db: Database, admin: Actor) -> Actor:
    setup_catalogue(db, admin)
    users.add_user(db, admin, "cam", "cashier", "1111")
    return users.actor_for(db, "cam", "till-1")


def _written(path: Path, step: Callable[[], Any]) -> set[str]:
    """The tables and indexes whose pages ``step``'s commit wrote: the WAL emptied first
    (nothing else is open on the file between steps), then its frames read."""
    raw = sqlite3.connect(path)
    try:
        raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        step()
        wal = Path(f"{path}-wal").read_bytes()
        page_size = raw.execute("PRAGMA page_size").fetchone()[0]
        pages = {
            struct.unpack(">I", wal[at : at + 4])[0]
            for at in range(32, len(wal) - 24, 24 + page_size)
        }
        owners = dict(raw.execute("SELECT pageno, name FROM dbstat"))
    finally:
        raw.close()
    return {owners.get(page, "") for page in pages}


def _partial_indexes_hold_only_set_rows(path: Path) -> None:
    with sqlite3.connect(path) as raw:
        for index, count in PARTIAL:
            (entries,) = raw.execute(
                "SELECT coalesce(sum(ncell), 0) FROM dbstat WHERE name = ? AND pagetype = 'leaf'",
                (index,),
            ).fetchone()
            (rows,) = raw.execute(f"{count} IS NOT NULL").fetchone()
            assert entries == rows, index


@on_sqlite_only
def test_a_counter_sale_writes_no_index_it_does_not_need(
    db: Database, cashier: Actor, sqlite_file: Path
) -> None:
    _partial_indexes_hold_only_set_rows(sqlite_file)  # units in stock: none in the index
    got: dict[str, Any] = {}

    # The product scanned first is held (services/held_line.py): it writes nothing; its
    # serial next writes the order, the line holding the serial and the unit's claim.
    def add() -> None:
        got["add"] = scan_at_counter(db, cashier, None, "PH1", waiting=None, start=NewOrder("S1"))
        assert got["add"].held is not None and got["add"].added is None

    def serial() -> None:
        got["serial"] = scan_at_counter(
            db, cashier, None, IMEI[0], waiting=None, start=NewOrder("S1"), held=got["add"].held
        )

    def tender() -> None:
        order = got["serial"].added.order.order
        due = got["serial"].view.totals.due
        assert due >= Decimal("499.99")
        assert fulfil(db, cashier, order, payments=[("cash", due)]).invoice

    for name, step in (("add", add), ("serial", serial), ("tender", tender)):
        written = _written(sqlite_file, step)
        assert written & NEVER_WRITTEN == set(), name
        if name == "add":
            assert written == set(), written  # held: nothing written
        else:
            assert "order_line" in written or name == "tender", name  # the step did write
        _partial_indexes_hold_only_set_rows(sqlite_file)
    with sqlite3.connect(sqlite_file) as raw:
        held = "SELECT count(*) FROM serial_unit WHERE reserved_line_id IS NOT NULL"
        assert raw.execute(held).fetchone() == (0,)  # sold: the unit left the index again


_PLANS = {
    # lookup.py's sale of a (product, serial), returns' and reports' lines of a serial
    "SELECT id FROM order_line WHERE product_id = 1 AND serial = 'x' AND status != 'removed'": (
        "ix_order_line_serial"
    ),
    "SELECT id FROM order_line WHERE serial = 'x' AND status = 'fulfilled'": "ix_order_line_serial",
    # an order's lines
    "SELECT id FROM order_line WHERE order_id = 1": "sqlite_autoindex_order_line_1",
    "SELECT id FROM sale_order WHERE customer_id = 1": "ix_sale_order_customer_id",
    "SELECT id FROM order_payment WHERE shift_id = 1": "ix_order_payment_shift_id",
}


@on_sqlite_only
@pytest.mark.parametrize("query", sorted(_PLANS))
def test_the_lookups_of_the_dropped_and_partial_indexes_keep_an_index(
    db: Database, sqlite_file: Path, query: str
) -> None:
    with sqlite3.connect(sqlite_file) as raw:
        plan = " ".join(row[3] for row in raw.execute(f"EXPLAIN QUERY PLAN {query}"))
    assert f"USING INDEX {_PLANS[query]}" in plan or (
        f"USING COVERING INDEX {_PLANS[query]}" in plan
    ), plan


def _indexes(db: Database) -> dict[str, bool]:
    """The sale tables' indexes by name: whether each is partial (has a WHERE)."""
    inspector = sa.inspect(db.engine)
    return {
        ix["name"]: any(k.endswith("_where") for k in ix.get("dialect_options", {}))
        for table in ("order_line", "sale_order", "order_payment", "serial_unit")
        for ix in inspector.get_indexes(table)
        if ix["name"]
    }


def test_migration_0029_both_ways(db: Database) -> None:
    """On SQLite and PostgreSQL: the two order-line indexes dropped and the three made
    partial; the downgrade (to 0028) puts them back as they were. Taken from 0035 (0036
    dropped the reserved-line index since: tests/db/test_migration_0036_sale_pages.py)."""
    from alembic import command

    from serialpos.db import migrate

    partial = {"ix_serial_unit_reserved_line", "ix_sale_order_customer_id"}
    partial.add("ix_order_payment_shift_id")
    dropped = {"ix_order_line_order_id", "ix_order_line_product_serial"}
    cfg = migrate._config()
    with db.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0035_journal_orders")
        conn.commit()
    now = _indexes(db)
    assert all(now[name] for name in partial) and not dropped & now.keys()
    assert not now["ix_order_line_serial"]
    with db.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0028_central3")
        conn.commit()
    before = _indexes(db)
    assert not any(before[name] for name in partial) and dropped <= before.keys()
    migrate.upgrade(db, "0035_journal_orders")
    assert _indexes(db) == now
    migrate.upgrade(db)
