"""``order_pay`` and ``order_park`` from a host (services/apply/order_money.py): a deposit on
an open or parked order, parking as a state; bad input refused naming the problem, with
nothing recorded."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from test_orders import setup_catalogue

from serialpos.db.engine import Database
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.context import Actor
from serialpos.services.orders import get_order


def run(db: Database, actor: Actor, **data: Any) -> dict[str, Any]:
    return apply_object(db, actor, data)


def _order(db: Database, admin: Actor) -> str:
    setup_catalogue(db, admin)
    made = run(db, admin, op="order_create", store="S1", type="layby", lines=[{"sku": "CB1"}])
    assert made["ok"], made
    return str(made["order"])


def test_a_deposit_and_parking_as_a_state(db: Database, admin: Actor) -> None:
    order = _order(db, admin)
    paid = run(db, admin, op="order_pay", order=order, payments=[{"method": "cash", "amount": "5"}])
    assert paid["ok"] and paid["paid"] == "5.00", paid
    parked = run(db, admin, op="order_park", order=order, parked=True)
    assert parked["ok"] and parked["status"] == "parked", parked
    again = run(db, admin, op="order_park", order=order, parked=True)  # a state: no change
    assert again["ok"] and again["status"] == "parked", again
    # A parked order takes a deposit too (as at the counter); both on one transaction.
    more = run(
        db,
        admin,
        op="order_pay",
        order=order,
        payments=[{"method": "card", "amount": "1.50"}, {"method": "cash", "amount": "1"}],
    )
    assert more["ok"] and more["paid"] == "7.50", more
    assert run(db, admin, op="order_park", order=order, parked=False)["status"] == "open"


def test_bad_input_is_refused_naming_it_and_records_nothing(db: Database, admin: Actor) -> None:
    order = _order(db, admin)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"op": "order_park", "order": order, "parked": "yes"}, "'parked' must be true or false"),
        ({"op": "order_park", "order": order}, "'parked' must be true or false"),
        ({"op": "order_pay", "order": order}, "'payments' names the money taken"),
        ({"op": "order_pay", "order": order, "payments": []}, "'payments' names the money taken"),
        (
            {"op": "order_pay", "order": order, "payments": [{"method": "cash", "amount": True}]},
            "'amount' must be a number or text",
        ),
        (
            {
                "op": "order_pay",
                "order": order,
                "payments": [
                    {"method": "cash", "amount": "2"},
                    {"method": "gold", "amount": "2"},
                ],
            },
            "gold",
        ),
    ]
    for line, words in cases:
        verdict = apply_object(db, admin, line)
        assert not verdict["ok"] and words in verdict["message"], (line, verdict)
    view = get_order(db, order)
    assert view.status.value == "open" and view.totals.paid == Decimal("0"), view
    # A fulfilled order takes no deposit and is not parked.
    assert run(db, admin, op="order_fulfil", order=order)["ok"]
    for line in (
        {"op": "order_pay", "order": order, "payments": [{"method": "cash", "amount": "1"}]},
        {"op": "order_park", "order": order, "parked": True},
    ):
        verdict = apply_object(db, admin, line)
        assert not verdict["ok"] and "fulfilled" in verdict["message"], verdict
