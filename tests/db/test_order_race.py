"""Two terminals (two spawned processes) sell the same serial at the same moment, on SQLite
and PostgreSQL: exactly one sale wins, the other is refused clearly, the ledger stays clean."""

from __future__ import annotations

import multiprocessing as mp
from typing import Any

import pytest

from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.domain.users import Role
from serialpos.services import ledger, lookup, products
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger
from serialpos.services.orders.checkout import fulfil
from serialpos.services.orders.header import open_order
from serialpos.services.orders.lines import add_item
from serialpos.services.orders.serials import set_serial

ROUNDS = 6
CTX = mp.get_context("spawn")


def _worker(url: str, terminal: str, serials: list[str], barrier: Any, results: Any) -> None:
    db = Database(url)
    actor = Actor(user="ada", role=Role.ADMIN, terminal=terminal)
    try:
        db.read(lambda conn: conn.exec_driver_sql("SELECT 1").scalar())
        for i, serial in enumerate(serials):
            order = open_order(db, actor, "S1").order
            line = add_item(db, actor, order, sku="PH1").line if i % 2 else None
            barrier.wait(timeout=60)
            try:
                if line is None:  # even rounds: scan product and serial at once
                    add_item(db, actor, order, sku="PH1", serial=serial)
                else:  # odd rounds: the serial typed into an existing line
                    set_serial(db, actor, order, line, serial)
                outcome = "ok:" + fulfil(db, actor, order, settle_in="cash").invoice
            except Exception as exc:
                outcome = f"{type(exc).__name__}:{getattr(exc, 'code', '')}:{exc}"
            results.put((i, terminal, outcome))
    finally:
        db.dispose()


def test_two_terminals_sell_the_same_serial(db: Database, admin: Actor) -> None:
    products.create_product(db, admin, sku="PH1", name="Phone", serial_mode="required")
    serials = [f"RACE-{i:02d}" for i in range(ROUNDS)]
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", serials=serials)

    barrier, results = CTX.Barrier(2), CTX.Queue()
    workers = [
        CTX.Process(target=_worker, args=(db.url, name, serials, barrier, results))
        for name in ("t1", "t2")
    ]
    for w in workers:
        w.start()
    try:
        outcomes: dict[int, list[str]] = {i: [] for i in range(ROUNDS)}
        for _ in range(2 * ROUNDS):
            i, _terminal, outcome = results.get(timeout=120)
            outcomes[i].append(outcome)
    finally:
        for w in workers:
            w.join(timeout=30)
            if w.is_alive():
                w.kill()
    assert all(w.exitcode == 0 for w in workers), [w.exitcode for w in workers]

    invoices = set()
    for i, serial in enumerate(serials):
        won = [o for o in outcomes[i] if o.startswith("ok:")]
        lost = [o for o in outcomes[i] if not o.startswith("ok:")]
        assert len(won) == 1 and len(lost) == 1, (serial, outcomes[i])
        code = lost[0].split(":")[1]
        assert code in ("reserved", "already_sold"), (serial, lost[0])
        assert serial in lost[0]
        invoices.add(won[0])
        cards = lookup.lookup_serial(db, serial)
        assert [(c.state, c.store) for c in cards] == [("sold", "S1")]
        assert [e.action for e in cards[0].events] == ["receive", "reserve", "sell"]
    assert len(invoices) == ROUNDS  # every invoice number given once
    assert check_ledger(db) == []


def _numbers_worker(url: str, terminal: str, rounds: int, barrier: Any, results: Any) -> None:
    db = Database(url)
    actor = Actor(user="ada", role=Role.ADMIN, terminal=terminal)
    try:
        db.read(lambda conn: conn.exec_driver_sql("SELECT 1").scalar())
        for _ in range(rounds):
            barrier.wait(timeout=60)
            try:
                order = open_order(db, actor, "S1").order
                add_item(db, actor, order, sku="CB1")
                outcome = order + " " + fulfil(db, actor, order, settle_in="cash").invoice
            except Exception as exc:
                outcome = f"{type(exc).__name__}:{exc}"
            results.put(outcome)
    finally:
        db.dispose()


def test_two_terminals_never_get_the_same_number(db: Database, admin: Actor) -> None:
    products.create_product(db, admin, sku="CB1", name="Cable")
    barrier, results = CTX.Barrier(2), CTX.Queue()
    workers = [
        CTX.Process(target=_numbers_worker, args=(db.url, name, ROUNDS, barrier, results))
        for name in ("t1", "t2")
    ]
    for w in workers:
        w.start()
    try:
        outcomes = [results.get(timeout=120) for _ in range(2 * ROUNDS)]
    finally:
        for w in workers:
            w.join(timeout=30)
            if w.is_alive():
                w.kill()
    pairs = [o.split(" ") for o in outcomes]
    assert all(len(p) == 2 for p in pairs), outcomes
    assert sorted(p[0] for p in pairs) == [f"S1-{i:06d}" for i in range(1, 2 * ROUNDS + 1)]
    assert sorted(p[1] for p in pairs) == [f"INV-S1-{i:06d}" for i in range(1, 2 * ROUNDS + 1)]
    # The cables were sold with none received: a note (allowed), never a violation.
    assert [(f.rule, f.sku, f.detail.split(":")[0]) for f in check_ledger(db)] == [
        ("negative_on_hand", "CB1", f"on hand -{2 * ROUNDS}")
    ]


@pytest.fixture(autouse=True)
def _no_leftover_children() -> Any:
    yield
    for child in mp.active_children():
        child.kill()
