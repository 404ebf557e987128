"""An optional-serial product's stock by quantity: only its unlabelled pieces leave that way.

The walk: TL-DRL18 on hand 5, two of them units by serial. ``rtv`` of 5 (or ``adjust`` -4,
``transfer_out`` 5, the kit sold without the drill's serial) took the labelled units' count
too: quantity 0 with DRL18-A001 and -A002 still in stock, and selling A001 by serial then
left quantity -1. ``db check`` only noted it.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import ledger, products
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger
from serialpos.services.stock import stock_levels


@pytest.fixture
def drills(db: Database, admin: Actor) -> Database:
    products.create_product(
        db, admin, sku="DR", name="Drill", price=Decimal("99.00"), serial_mode="optional"
    )
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="DR", serials=["D1", "D2"])
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="DR", quantity=3)
    return db


def _on_hand(db: Database) -> int:
    return next(s.quantity for s in stock_levels(db) if (s.sku, s.store) == ("DR", "S1"))


@pytest.mark.parametrize(
    "move",
    [
        {"op": "rtv", "quantity": 5, "reason": "faulty batch"},
        {"op": "adjust", "quantity": -4, "reason": "damaged"},
        {"op": "transfer_out", "quantity": 4, "to": "S2"},
        {"op": "sell", "quantity": 4},
    ],
)
def test_a_move_by_quantity_takes_only_the_unlabelled_pieces(
    drills: Database, admin: Actor, move: dict[str, object]
) -> None:
    got = apply_object(drills, admin, {**move, "store": "S1", "sku": "DR"})
    assert not got["ok"] and got["error"] == "not_in_stock", got
    n = abs(int(str(move["quantity"])))
    assert got["message"] == (
        f"DR: {n} to take by quantity at S1 but only 3 of its 5 on hand are without a serial; "
        "2 are units in stock by serial (D1, D2): scan their serials to move them"
    )
    assert _on_hand(drills) == 5  # nothing moved
    assert [f for f in check_ledger(drills) if f.violation] == []


def test_the_unlabelled_pieces_go_then_the_units_by_serial(drills: Database, admin: Actor) -> None:
    assert apply_object(drills, admin, {"op": "sell", "store": "S1", "sku": "DR", "quantity": 3})[
        "ok"
    ]
    again = apply_object(drills, admin, {"op": "sell", "store": "S1", "sku": "DR"})
    assert again["error"] == "not_in_stock" and "only 0 of its 2" in again["message"], again
    sold = apply_object(drills, admin, {"op": "sell", "store": "S1", "sku": "DR", "serial": "D1"})
    assert sold["ok"], sold
    assert _on_hand(drills) == 1  # D2 on the shelf, counted
    assert [f for f in check_ledger(drills) if f.violation] == []


def test_units_in_stock_over_the_quantity_is_a_violation(drills: Database, admin: Actor) -> None:
    """What the old moves left (fewer on hand than units in stock): db check only noted it."""
    with drills.engine.begin() as conn:
        conn.execute(sa.update(repo.stock_t).values(quantity=1))
    [found] = [f for f in check_ledger(drills) if f.rule == "optional_units_differ"]
    assert found.violation
    assert found.detail == "quantity 1 but 2 units in stock by serial: count it"
