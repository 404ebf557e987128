"""Two terminals (two OS processes) racing for one unit, on SQLite and PostgreSQL.

The workers are started with the 'spawn' start method, so each has its own interpreter,
engine and connection pool, exactly like two counter terminals. A multiprocessing Barrier
releases both at the same moment for every round.
"""

from __future__ import annotations

import multiprocessing as mp
import sqlite3
import time
from collections import Counter
from typing import Any

import pytest
import sqlalchemy as sa

from serialpos.db import migrate, repo
from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.domain.users import Role
from serialpos.services import ledger, lookup, products, stores
from serialpos.services.context import SYSTEM, Actor
from serialpos.services.integrity import check_ledger
from serialpos.services.stock import stock_levels

ROUNDS = 10
SKU = "PH1"
CTX = mp.get_context("spawn")


# -- worker side (runs in the spawned processes) --------------------------------------
def _race_worker(
    url: str, terminal: str, action: str, store: str, serials: list[str], barrier: Any, results: Any
) -> None:
    """For each serial: wait for the other terminal, then both try the same action."""
    db = Database(url)
    actor = Actor(user="ada", role=Role.ADMIN, terminal=terminal)
    try:
        # Warm up: first connection and imports must not count as the race.
        db.read(lambda conn: conn.exec_driver_sql("SELECT 1").scalar())
        for i, serial in enumerate(serials):
            barrier.wait(timeout=60)
            try:
                ledger.move(db, actor, Action(action), store=store, sku=SKU, serials=[serial])
                outcome = "ok"
            except Exception as exc:
                outcome = f"{type(exc).__name__}:{getattr(exc, 'code', '')}:{exc}"
            results.put((i, terminal, outcome))
    finally:
        db.dispose()


def _sell_after_signal(url: str, serial: str, go: Any, results: Any) -> None:
    db = Database(url)
    actor = Actor(user="ada", role=Role.ADMIN, terminal="t2")
    try:
        db.read(lambda conn: conn.exec_driver_sql("SELECT 1").scalar())
        results.put(("ready", 0.0))
        go.wait(timeout=60)
        started = time.monotonic()
        try:
            ledger.move(db, actor, Action.SELL, store="S1", sku=SKU, serials=[serial])
            outcome = "ok"
        except Exception as exc:
            outcome = f"{type(exc).__name__}:{exc}"
        results.put((outcome, time.monotonic() - started))
    finally:
        db.dispose()


# -- test side ------------------------------------------------------------------------
def _setup(db: Database, admin: Actor) -> None:
    products.create_product(db, admin, sku=SKU, name="Phone", serial_mode="required")


def _race(url: str, action: Action, serials: list[str]) -> list[list[str]]:
    """Run ROUNDS races of two processes; returns the two outcomes of each round."""
    barrier = CTX.Barrier(2)
    results = CTX.Queue()
    workers = [
        CTX.Process(
            target=_race_worker, args=(url, name, action.value, "S1", serials, barrier, results)
        )
        for name in ("t1", "t2")
    ]
    for w in workers:
        w.start()
    try:
        outcomes: dict[int, list[str]] = {i: [] for i in range(len(serials))}
        for _ in range(2 * len(serials)):
            i, _terminal, outcome = results.get(timeout=120)
            outcomes[i].append(outcome)
    finally:
        for w in workers:
            w.join(timeout=30)
            if w.is_alive():
                w.kill()
    assert all(w.exitcode == 0 for w in workers), [w.exitcode for w in workers]
    return [sorted(outcomes[i]) for i in range(len(serials))]


def _events_per_unit(db: Database, action: str) -> Counter[str]:
    e = repo.event_t.c
    with db.engine.connect() as conn:
        rows = conn.execute(sa.select(e.serial).where(e.action == action)).scalars().all()
    return Counter(rows)


def test_two_terminals_sell_the_same_unit(db: Database, admin: Actor) -> None:
    _setup(db, admin)
    serials = [f"RACE-SELL-{i:02d}" for i in range(ROUNDS)]
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku=SKU, serials=serials)

    rounds = _race(db.url, Action.SELL, serials)

    for serial, (first, second) in zip(serials, rounds, strict=True):
        # exactly one wins; the other is told the unit is already sold (not a conflict,
        # not a database error)
        assert first.startswith("AlreadySold:already_sold:"), (serial, first, second)
        assert second == "ok", (serial, first, second)
        cards = lookup.lookup_serial(db, serial)
        assert [(c.state, c.store) for c in cards] == [("sold", "S1")]
        assert [e.action for e in cards[0].events] == ["receive", "sell"]
    assert _events_per_unit(db, "sell") == Counter(dict.fromkeys(serials, 1))
    assert check_ledger(db) == []
    assert [(x.store, x.quantity, x.units_in_stock) for x in stock_levels(db)] == [("S1", 0, 0)]


def test_two_terminals_receive_the_same_new_serial(db: Database, admin: Actor) -> None:
    _setup(db, admin)
    serials = [f"RACE-NEW-{i:02d}" for i in range(ROUNDS)]

    rounds = _race(db.url, Action.RECEIVE, serials)

    for serial, (first, second) in zip(serials, rounds, strict=True):
        assert first.startswith("DuplicateSerial:duplicate_serial:"), (serial, first, second)
        assert second == "ok", (serial, first, second)
        cards = lookup.lookup_serial(db, serial)
        assert [(c.state, c.store) for c in cards] == [("in_stock", "S1")]
        assert [e.action for e in cards[0].events] == ["receive"]
    assert _events_per_unit(db, "receive") == Counter(dict.fromkeys(serials, 1))
    assert check_ledger(db) == []
    assert [(x.store, x.quantity, x.units_in_stock) for x in stock_levels(db)] == [
        ("S1", ROUNDS, ROUNDS)
    ]


def test_sqlite_busy_is_waited_for(tmp_path: Any) -> None:
    """One terminal holds a write transaction for a second; the other's sale of a different
    unit waits for it and succeeds, it is never refused."""
    path = tmp_path / "busy.sqlite"
    url = f"sqlite:///{path}"
    db = Database(url)
    migrate.upgrade(db)
    stores.add_store(db, SYSTEM, "S1", "Main Street")
    products.create_product(db, SYSTEM, sku=SKU, name="Phone", serial_mode="required")
    ledger.move(db, SYSTEM, Action.RECEIVE, store="S1", sku=SKU, serials=["HELD", "FREE"])

    go, results = CTX.Event(), CTX.Queue()
    seller = CTX.Process(target=_sell_after_signal, args=(url, "FREE", go, results))
    seller.start()
    try:
        assert results.get(timeout=60)[0] == "ready"
        holder = sqlite3.connect(path, isolation_level=None, timeout=10)
        holder.execute("BEGIN IMMEDIATE")  # the write lock, as a terminal mid-sale holds it
        holder.execute("UPDATE stock_level SET quantity = quantity WHERE 1 = 0")
        go.set()
        time.sleep(1.0)
        holder.execute("COMMIT")
        holder.close()
        outcome, waited = results.get(timeout=60)
    finally:
        seller.join(timeout=30)
        if seller.is_alive():
            seller.kill()
    assert outcome == "ok"
    assert waited >= 0.7, f"the sale did not wait for the lock (took {waited:.2f}s)"
    assert [(c.state, c.store) for c in lookup.lookup_serial(db, "FREE")] == [("sold", "S1")]
    assert [(c.state, c.store) for c in lookup.lookup_serial(db, "HELD")] == [("in_stock", "S1")]
    assert check_ledger(db) == []
    db.dispose()


@pytest.fixture(autouse=True)
def _no_leftover_children() -> Any:
    yield
    for child in mp.active_children():
        child.kill()
