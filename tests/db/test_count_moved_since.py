"""A count approved later is judged at the time it counted, on SQLite and PostgreSQL: a unit
that arrived after the count is not written off, a quantity's variance measured then is
applied to today's on hand, and a unit moved after it was scanned is not put back."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from serialpos.db import ledger_writes, repo
from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import ledger, products
from serialpos.services.context import Actor
from serialpos.services.counts.approval import approve
from serialpos.services.counts.batches import open_count, start_batch
from serialpos.services.counts.reconciling import reconcile
from serialpos.services.counts.scanning import scan
from serialpos.services.integrity import check_ledger


def _state(db: Database, sku: str, serial: str) -> tuple[str, str]:
    u, p, s = repo.unit_t.c, repo.product_t.c, repo.store_t.c
    row = db.read(
        lambda conn: conn.execute(
            sa.select(u.state, s.code)
            .join(repo.product_t, p.id == u.product_id)
            .join(repo.store_t, s.id == u.store_id)
            .where(p.sku == sku, u.serial == serial)
        ).one()
    )
    return row[0], row[1]


def _quantity(db: Database, sku: str, store: str) -> int:
    def work(conn: sa.Connection) -> int:
        return ledger_writes.stock_quantity(
            conn, repo.product_by_sku(conn, sku).id, repo.store_id(db, conn, store)
        )

    return db.read(work)


def _violations(db: Database) -> list[str]:
    return [f"{f.rule} {f.store} {f.sku}: {f.detail}" for f in check_ledger(db) if f.violation]


@pytest.fixture
def shop(db: Database, admin: Actor) -> Database:
    products.create_product(db, admin, sku="LT", name="Laptop", serial_mode="required")
    products.create_product(db, admin, sku="CAB", name="Cable")
    products.create_product(db, admin, sku="BIKE", name="Bike", serial_mode="optional")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="LT", serials=["L1", "L2", "L3", "L4"])
    ledger.move(db, admin, Action.SELL, store="S1", sku="LT", serials=["L4"])
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="CAB", quantity=40)
    return db


def test_units_that_arrived_after_the_count_are_not_written_off(
    shop: Database, admin: Actor, tmp_path: Path
) -> None:
    db = shop
    number = open_count(db, admin, "S1", products=["LT"]).number
    start_batch(db, admin, number, "Ann")
    for serial in ("L1", "L2", "L3"):
        scan(db, admin, number, 1, sku="LT", serial=serial)
    assert reconcile(db, number).missing == ()
    # After the count: a new unit received, the sold one returned by its customer.
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="LT", serials=["L5"])
    ledger.move(db, admin, Action.RETURN, store="S1", sku="LT", serials=["L4"])
    review = reconcile(db, number)
    assert review.missing == ()
    assert [(u.sku, u.serial) for u in review.arrived_since] == [("LT", "L4"), ("LT", "L5")]
    assert review.quantities == ()
    done = approve(db, admin, number, tmp_path)
    assert (done.removed, done.added, done.quantity_change) == (0, 0, 0)
    assert _state(db, "LT", "L4") == ("in_stock", "S1")
    assert _state(db, "LT", "L5") == ("in_stock", "S1")
    assert _quantity(db, "LT", "S1") == 5
    assert _violations(db) == []
    # Reviewed later, the approved count still says which units arrived since.
    assert [u.serial for u in reconcile(db, number).arrived_since] == ["L4", "L5"]


def test_a_unit_on_the_shelf_before_the_count_and_not_found_is_still_missing(
    shop: Database, admin: Actor, tmp_path: Path
) -> None:
    db = shop
    number = open_count(db, admin, "S1", products=["LT"]).number
    start_batch(db, admin, number, "Ann")
    scan(db, admin, number, 1, sku="LT", serial="L1")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="LT", serials=["L5"])
    review = reconcile(db, number)
    assert [u.serial for u in review.missing] == ["L2", "L3"]
    assert [u.serial for u in review.arrived_since] == ["L5"]
    done = approve(db, admin, number, tmp_path)
    assert done.removed == 2
    assert _state(db, "LT", "L2") == ("written_off", "S1")
    assert _state(db, "LT", "L5") == ("in_stock", "S1")
    assert _quantity(db, "LT", "S1") == 2
    assert _violations(db) == []


def test_a_quantity_counted_then_sold_applies_the_variance_measured_at_count_time(
    shop: Database, admin: Actor, tmp_path: Path
) -> None:
    db = shop
    number = open_count(db, admin, "S1", products=["CAB"]).number
    start_batch(db, admin, number, "Ann")
    scan(db, admin, number, 1, sku="CAB", quantity=30)  # 40 on hand: 10 short
    ledger.move(db, admin, Action.SELL, store="S1", sku="CAB", quantity=5)
    review = reconcile(db, number)
    assert [
        (q.sku, q.counted, q.on_hand, q.difference, q.moved_since) for q in review.quantities
    ] == [("CAB", 30, 40, -10, -5)]
    done = approve(db, admin, number, tmp_path)
    assert done.quantity_change == -10
    assert _quantity(db, "CAB", "S1") == 25  # 35 on the shelf, less the 10 the count missed
    assert _violations(db) == []
    later = reconcile(db, number)
    assert [(q.counted, q.on_hand, q.moved_since) for q in later.quantities] == [(30, 40, -5)]


def test_a_quantity_that_moved_back_to_the_count_is_no_difference(
    shop: Database, admin: Actor, tmp_path: Path
) -> None:
    db = shop
    number = open_count(db, admin, "S1", products=["CAB"]).number
    start_batch(db, admin, number, "Ann")
    scan(db, admin, number, 1, sku="CAB", quantity=40)
    ledger.move(db, admin, Action.SELL, store="S1", sku="CAB", quantity=3)
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="CAB", quantity=10)
    assert reconcile(db, number).quantities == ()
    assert approve(db, admin, number, tmp_path).quantity_change == 0
    assert _quantity(db, "CAB", "S1") == 47


def test_an_optional_products_unlabelled_quantity_moved_since_is_kept(
    shop: Database, admin: Actor, tmp_path: Path
) -> None:
    db = shop
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="BIKE", serials=["K1"])
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="BIKE", quantity=3)  # no labels
    number = open_count(db, admin, "S1", products=["BIKE"]).number
    start_batch(db, admin, number, "Ann")
    scan(db, admin, number, 1, sku="BIKE", serial="K1")
    scan(db, admin, number, 1, sku="BIKE", quantity=2)  # 3 unlabelled known: 1 short
    ledger.move(db, admin, Action.SELL, store="S1", sku="BIKE", quantity=1)  # sold unlabelled
    review = reconcile(db, number)
    assert [(q.counted, q.on_hand, q.difference, q.moved_since) for q in review.quantities] == [
        (3, 4, -1, -1)
    ]
    approve(db, admin, number, tmp_path)
    assert _quantity(db, "BIKE", "S1") == 2  # K1 and one unlabelled bike
    assert _violations(db) == []


def test_a_unit_counted_then_moved_is_not_found_back_into_stock(
    shop: Database, admin: Actor, tmp_path: Path
) -> None:
    db = shop
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="LT", serials=["L6", "L7", "L8"])
    number = open_count(db, admin, "S1", products=["LT"]).number
    start_batch(db, admin, number, "Ann")
    for serial in ("L1", "L2", "L3", "L6", "L7", "L8"):
        scan(db, admin, number, 1, sku="LT", serial=serial)
    # After the count: one sold, one written off (dropped), one shipped, one back to vendor.
    ledger.move(db, admin, Action.SELL, store="S1", sku="LT", serials=["L1"])
    ledger.move(db, admin, Action.ADJUST_REMOVE, store="S1", sku="LT", serials=["L2"])
    ledger.move(db, admin, Action.TRANSFER_OUT, store="S1", sku="LT", serials=["L6"], to_store="S2")
    ledger.move(db, admin, Action.RTV, store="S1", sku="LT", serials=["L7"])
    review = reconcile(db, number)
    assert review.missing == () and review.never_seen == ()
    away = {e.serial: (e.state, e.action, e.moved_since) for e in review.elsewhere}
    assert away == {
        "L1": ("sold", "leave", True),
        "L2": ("written_off", "leave", True),
        "L6": ("in_transit", "leave", True),
        "L7": ("returned_to_vendor", "leave", True),
    }
    hint = next(e.hint for e in review.elsewhere if e.serial == "L2")
    assert hint == "written off at S1 since it was counted: left so (recount it if unsure)"
    done = approve(db, admin, number, tmp_path)
    assert (done.added, done.removed, done.quantity_change) == (0, 0, 0)
    assert _state(db, "LT", "L1") == ("sold", "S1")
    assert _state(db, "LT", "L2") == ("written_off", "S1")
    assert _state(db, "LT", "L7")[0] == "returned_to_vendor"
    assert _quantity(db, "LT", "S1") == 2  # L3 and L8
    assert _violations(db) == []
    assert {e.serial for e in reconcile(db, number).elsewhere if e.moved_since} == {
        "L1",
        "L2",
        "L6",
        "L7",
    }


def test_a_unit_written_off_before_its_scan_is_still_put_back(
    shop: Database, admin: Actor, tmp_path: Path
) -> None:
    db = shop
    number = open_count(db, admin, "S1", products=["LT"]).number
    start_batch(db, admin, number, "Ann")
    scan(db, admin, number, 1, sku="LT", serial="L1")
    # Written off while the count was under way, then found on the shelf: the scan is newer.
    ledger.move(db, admin, Action.ADJUST_REMOVE, store="S1", sku="LT", serials=["L2"])
    scan(db, admin, number, 1, sku="LT", serial="L2")
    scan(db, admin, number, 1, sku="LT", serial="L3")
    review = reconcile(db, number)
    assert [(e.serial, e.action, e.moved_since) for e in review.elsewhere] == [
        ("L2", "restore", False)
    ]
    assert approve(db, admin, number, tmp_path).added == 1
    assert _state(db, "LT", "L2") == ("in_stock", "S1")
    assert _violations(db) == []
