"""A count's quantity is ``+N``: a bare number typed by a person while a product counted by
quantity is chosen is that quantity without its sign, refused naming ``+N``, on SQLite and
PostgreSQL. It was counted as a serial: ``3`` typed for 3 drills (serials optional, no
format) became a drill with the serial "3", which the approval put in stock as a new unit.
A scanned label, a unit the ledger knows and a product whose serials are required are
taken as before."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from serialpos.db import ledger_writes, repo
from serialpos.db.engine import Database
from serialpos.domain.errors import BadRequest
from serialpos.domain.states import Action
from serialpos.services import ledger, products
from serialpos.services.context import Actor
from serialpos.services.counts.approval import approve
from serialpos.services.counts.batches import open_count, start_batch
from serialpos.services.counts.console import take
from serialpos.services.counts.reconciling import reconcile


@pytest.fixture
def counting(db: Database, admin: Actor) -> tuple[Database, str]:
    products.create_product(db, admin, sku="DRILL", name="Drill", serial_mode="optional")
    products.create_product(db, admin, sku="CAB", name="Cable")
    products.create_product(db, admin, sku="PH", name="Phone", serial_mode="required")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="DRILL", serials=["D1", "12"])
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="DRILL", quantity=3)
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="CAB", quantity=5)
    number = open_count(db, admin, "S1").number
    start_batch(db, admin, number, "Ann")
    return db, number


def _units(db: Database, serial: str) -> int:
    u = repo.unit_t.c
    return int(
        db.read(
            lambda conn: conn.execute(
                sa.select(sa.func.count()).where(u.serial == serial)
            ).scalar_one()
        )
    )


def _on_hand(db: Database, sku: str) -> int:
    def work(conn: sa.Connection) -> int:
        return ledger_writes.stock_quantity(
            conn, repo.product_by_sku(conn, sku).id, repo.store_id(db, conn, "S1")
        )

    return db.read(work)


def test_a_number_typed_for_drills_is_no_serial(
    counting: tuple[Database, str], admin: Actor, tmp_path: Path
) -> None:
    db, number = counting
    with pytest.raises(BadRequest) as refused:
        take(db, admin, number, 1, text="3", current="DRILL", typed=True)
    assert str(refused.value) == (
        "'3' not counted: type +3 to count 3 DRILL without a label; a serial is scanned "
        "from its label"
    )
    assert reconcile(db, number).never_seen == ()
    # Typed with its +, the 3 unlabelled drills; a known unit's serial typed is that unit.
    take(db, admin, number, 1, text="+3", current="DRILL", typed=True)
    known = take(db, admin, number, 1, text="12", current="DRILL", typed=True)
    assert known.outcome is not None and known.outcome.serial == "12"
    take(db, admin, number, 1, text="D1", current="DRILL", typed=True)
    done = approve(db, admin, number, tmp_path)
    assert (done.added, done.removed) == (0, 0)
    assert _units(db, "3") == 0
    assert _on_hand(db, "DRILL") == 5  # D1, 12 and the 3 without a label, as counted


def test_a_number_typed_for_cables_says_plus_n(
    counting: tuple[Database, str], admin: Actor
) -> None:
    db, number = counting
    with pytest.raises(BadRequest) as refused:
        take(db, admin, number, 1, text="4", current="CAB", typed=True)
    assert str(refused.value) == "'4' not counted: CAB is counted by quantity: type +4 to count 4"
    assert [q.counted for q in reconcile(db, number).quantities if q.sku == "CAB"] == [0]


def test_a_scanned_label_and_a_required_serial_are_serials(
    counting: tuple[Database, str], admin: Actor
) -> None:
    db, number = counting
    # A label scanned at a scanner's pace is a serial, short or not: a new drill here.
    scanned = take(db, admin, number, 1, text="7", current="DRILL")
    assert scanned.outcome is not None and scanned.outcome.serial == "7"
    # Serials required: every entry is a serial (no quantity is counted for a phone).
    phone = take(db, admin, number, 1, text="5", current="PH", typed=True)
    assert phone.outcome is not None and (phone.outcome.sku, phone.outcome.serial) == ("PH", "5")
    assert {(u.sku, u.serial) for u in reconcile(db, number).never_seen} == {
        ("DRILL", "7"),
        ("PH", "5"),
    }
