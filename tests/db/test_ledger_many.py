"""Several ledger steps in one transaction, and the bounds every step is checked against."""

from __future__ import annotations

import pytest

from serialpos.db.engine import Database
from serialpos.domain.errors import BadRequest, DuplicateSerial
from serialpos.domain.events import DocumentRef
from serialpos.domain.states import Action
from serialpos.services import ledger, lookup, products, stock
from serialpos.services.context import Actor
from serialpos.services.ledger import Step


@pytest.fixture
def shop(db: Database, admin: Actor) -> Database:
    products.create_product(db, admin, sku="PH", name="Phone", serial_mode="required")
    products.create_product(db, admin, sku="CAB", name="Cable")
    return db


def _state(db: Database, serial: str) -> str | None:
    cards = lookup.lookup_serial(db, serial, "PH")
    return cards[0].state if cards else None


def test_all_steps_commit_together(shop: Database, admin: Actor) -> None:
    results = ledger.move_many(
        shop,
        admin,
        [
            Step(Action.RECEIVE, "S1", "PH", ["A", "B"]),
            Step(Action.RECEIVE, "S1", "CAB", quantity=4),
            Step(Action.TRANSFER_OUT, "S1", "PH", ["B"], to_store="S2"),
        ],
        document=DocumentRef("receipt", "R-1"),
    )
    assert [r.quantity for r in results] == [2, 4, -1]
    assert (_state(shop, "A"), _state(shop, "B")) == ("in_stock", "in_transit")
    events = lookup.lookup_serial(shop, "B", "PH")[0].events
    assert [(e.action, e.document_id) for e in events] == [
        ("receive", "R-1"),
        ("transfer_out", "R-1"),
    ]


def test_a_refused_step_undoes_the_steps_before_it(shop: Database, admin: Actor) -> None:
    ledger.move(shop, admin, Action.RECEIVE, store="S1", sku="PH", serials=["A"])
    with pytest.raises(DuplicateSerial):
        ledger.move_many(
            shop,
            admin,
            [
                Step(Action.RECEIVE, "S1", "PH", ["NEW"]),
                Step(Action.RECEIVE, "S1", "CAB", quantity=3),
                Step(Action.RECEIVE, "S2", "PH", ["A"]),  # already in stock at S1
            ],
        )
    assert _state(shop, "NEW") is None
    assert [line.sku for line in stock.stock_levels(shop, "S1")] == ["PH"]


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"quantity": 0}, "positive"),
        ({"quantity": 1_000_001}, "up to 1,000,000"),
        ({"reason": "x" * 201}, "reason"),
        ({"document": DocumentRef("receipt", "R" * 65)}, "document id"),
        ({"document": DocumentRef("receipt", "R-1", "L" * 33)}, "document line"),
        ({"reason": "bad\x1b[2J"}, "control characters"),
    ],
)
def test_out_of_bounds_values_are_refused_before_anything_changes(
    shop: Database, admin: Actor, kwargs: dict[str, object], words: str
) -> None:
    with pytest.raises(BadRequest) as refused:
        ledger.move(shop, admin, Action.RECEIVE, store="S1", sku="CAB", **kwargs)  # type: ignore[arg-type]
    assert words in refused.value.message
    assert stock.stock_levels(shop, "S1") == []
