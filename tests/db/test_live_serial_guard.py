"""The database's own guard (migration 0016): a serial is never live under two products, even
when two terminals create it under two products at the same instant, on SQLite and PostgreSQL.
Only a manager's acceptance of a shared serial (recorded on the unit) is let through."""

from __future__ import annotations

import multiprocessing as mp
from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.errors import DomainError
from serialpos.domain.states import Action
from serialpos.domain.users import Role
from serialpos.services import ledger, ledger_units, products
from serialpos.services.context import Actor

ROUNDS = 6
CTX = mp.get_context("spawn")
BOSS = Actor("mia", Role.MANAGER, "office")
u = repo.unit_t.c


@pytest.fixture
def shop(db: Database, admin: Actor) -> Database:
    for sku in ("DRILL", "SAW"):
        products.create_product(db, admin, sku=sku, name=sku.title(), serial_mode="required")
    return db


def live(db: Database, serial: str) -> list[tuple[str | None, str]]:
    """(shared_by, state) of each unit with ``serial``, by id."""
    return db.read(
        lambda conn: [
            (r.shared_by, r.state)
            for r in conn.execute(
                sa.select(u.shared_by, u.state).where(u.serial == serial).order_by(u.id)
            )
        ]
    )


def _insert(
    db: Database, product: str, serial: str, state: str, shared_by: str | None = None
) -> None:
    def work(conn: Any) -> None:
        pid = repo.product_by_sku(conn, product).id
        conn.execute(
            sa.insert(repo.unit_t).values(
                product_id=pid,
                serial=serial,
                state=state,
                store_id=repo.store_id(db, conn, "S1"),
                version=1,
                updated_at=datetime(2026, 12, 2),
                shared_by=shared_by,
            )
        )

    db.write(work)


def test_the_database_refuses_a_second_live_unit_of_one_serial(
    shop: Database, admin: Actor
) -> None:
    ledger.move(shop, admin, Action.RECEIVE, store="S1", sku="DRILL", serials=["X1"])
    with pytest.raises(sa.exc.IntegrityError):  # past every service: SQL alone
        _insert(shop, "SAW", "X1", "in_stock")
    _insert(shop, "SAW", "X1", "sold")  # not live: no clash
    assert live(shop, "X1") == [(None, "in_stock"), (None, "sold")]


def test_a_manager_accepted_shared_serial_is_recorded_on_its_unit(
    shop: Database, admin: Actor
) -> None:
    ledger.move(shop, admin, Action.RECEIVE, store="S1", sku="DRILL", serials=["X2"])
    ledger.move(shop, admin, Action.RECEIVE, store="S1", sku="SAW", serials=["X2"], shared_by=BOSS)
    assert live(shop, "X2") == [(None, "in_stock"), ("mia", "in_stock")]
    # Sold and back again without a manager: the earlier acceptance does not carry over.
    ledger.move(shop, admin, Action.SELL, store="S1", sku="SAW", serials=["X2"])
    with pytest.raises(DomainError, match="serial X2 is already DRILL Drill, in stock at S1"):
        ledger.move(shop, admin, Action.RETURN, store="S1", sku="SAW", serials=["X2"])
    assert live(shop, "X2") == [(None, "in_stock"), ("mia", "sold")]


def test_the_index_holds_when_the_service_check_was_passed(
    shop: Database, admin: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a second terminal sees at the same instant: the other's unit is not committed
    yet, so its service check passes. The index refuses the unit all the same."""
    ledger.move(shop, admin, Action.RECEIVE, store="S1", sku="DRILL", serials=["X3"])
    monkeypatch.setattr(ledger_units, "refuse_live_elsewhere", lambda *a, **k: None)
    monkeypatch.setattr(ledger_units, "refuse_new_serial", lambda *a, **k: None)
    with pytest.raises(DomainError) as refused:
        ledger.move(shop, admin, Action.RECEIVE, store="S1", sku="SAW", serials=["X3"])
    assert refused.value.code == "conflict"
    assert "serial X3" in refused.value.message
    assert live(shop, "X3") == [(None, "in_stock")]


def _worker(url: str, sku: str, serials: list[str], barrier: Any, results: Any) -> None:
    db = Database(url)
    actor = Actor(user="ada", role=Role.ADMIN, terminal=f"t-{sku}")
    try:
        db.read(lambda conn: conn.exec_driver_sql("SELECT 1").scalar())
        for i, serial in enumerate(serials):
            barrier.wait(timeout=60)
            try:
                ledger.move(db, actor, Action.RECEIVE, store="S1", sku=sku, serials=[serial])
                outcome = "ok"
            except DomainError as exc:
                outcome = f"{exc.code}:{exc.message}"
            results.put((i, sku, outcome))
    finally:
        db.dispose()


def test_two_terminals_create_one_serial_under_two_products(shop: Database) -> None:
    serials = [f"RACE-{i:02d}" for i in range(ROUNDS)]
    barrier, results = CTX.Barrier(2), CTX.Queue()
    workers = [
        CTX.Process(target=_worker, args=(shop.url, sku, serials, barrier, results))
        for sku in ("DRILL", "SAW")
    ]
    for w in workers:
        w.start()
    try:
        outcomes: dict[int, list[str]] = {i: [] for i in range(ROUNDS)}
        for _ in range(2 * ROUNDS):
            i, _sku, outcome = results.get(timeout=120)
            outcomes[i].append(outcome)
    finally:
        for w in workers:
            w.join(timeout=30)
            if w.is_alive():
                w.kill()
    assert all(w.exitcode == 0 for w in workers), [w.exitcode for w in workers]
    for i, serial in enumerate(serials):
        won = [o for o in outcomes[i] if o == "ok"]
        lost = [o for o in outcomes[i] if o != "ok"]
        assert len(won) == 1 and len(lost) == 1, (serial, outcomes[i])
        assert lost[0].split(":")[0] in ("duplicate_serial", "conflict"), lost[0]
        assert serial in lost[0]
        assert live(shop, serial) == [(None, "in_stock")]
