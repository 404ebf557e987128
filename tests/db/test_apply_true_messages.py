"""``apply`` says what is true: an adjust by quantity carrying a stray ``serial`` key is told
the key was ignored, never that serialized inventory is off at a store where it is on; an
``order_return`` by ``line_numbers`` with ``"damaged": true`` writes those lines off (it was
refused "give 'serials' or 'line_numbers', not both" though no serials were given), and a
``damaged`` that cannot go with line numbers is refused naming what to give instead."""

from __future__ import annotations

from typing import Any

from test_orders import IMEI, setup_catalogue, state_of

from serialpos.db.engine import Database
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.context import Actor


def run(db: Database, actor: Actor, **data: Any) -> dict[str, Any]:
    return apply_object(db, actor, data)


def test_an_adjust_by_quantity_with_a_stray_serial_key_is_not_told_serials_are_off(
    db: Database, admin: Actor
) -> None:
    setup_catalogue(db, admin)
    done = run(
        db, admin, op="adjust", store="S1", sku="CB1", quantity=2, serial="ZZ-1", reason="found"
    )
    assert done["ok"], done
    assert done["warnings"] == ["unknown key 'serial' ignored"]
    stray_add = run(db, admin, op="receive", store="S1", sku="CB1", quantity=1, add=["ZZ-2"])
    assert stray_add["ok"] and stray_add["warnings"] == ["unknown key 'add' ignored"]


def _sold_order(db: Database, admin: Actor) -> str:
    """A fulfilled order of two phones (in stock at S1 from setup_catalogue)."""
    made = run(
        db,
        admin,
        op="order_create",
        store="S1",
        lines=[{"sku": "PH1", "serial": IMEI[0]}, {"sku": "PH1", "serial": IMEI[1]}],
    )
    assert run(db, admin, op="order_fulfil", order=made["order"])["ok"]
    return str(made["order"])


def test_an_order_return_by_line_numbers_takes_damaged_true(db: Database, admin: Actor) -> None:
    setup_catalogue(db, admin)
    order = _sold_order(db, admin)
    back = run(db, admin, op="order_return", order=order, line_numbers=[2], damaged=True)
    assert back["ok"], back
    assert back["units"] == [{"serial": IMEI[1], "state": "written_off"}]
    assert state_of(db, IMEI[1])[0] == "written_off"
    kept = run(db, admin, op="order_return", order=order, line_numbers=[1], damaged=False)
    assert kept["ok"] and kept["units"] == [{"serial": IMEI[0], "state": "in_stock"}]


def test_an_order_return_by_line_numbers_refuses_a_damaged_it_cannot_take(
    db: Database, admin: Actor
) -> None:
    setup_catalogue(db, admin)
    order = _sold_order(db, admin)
    listed = run(db, admin, op="order_return", order=order, line_numbers=[1], damaged=[IMEI[0]])
    assert (listed["error"], listed["message"]) == (
        "bad_request",
        "with 'line_numbers', 'damaged' is true or false: name the damaged lines in "
        "'damaged_line_numbers'",
    )
    both = run(
        db,
        admin,
        op="order_return",
        order=order,
        line_numbers=[1],
        damaged_line_numbers=[1],
        damaged=True,
    )
    assert (both["error"], both["message"]) == (
        "bad_request",
        "give 'damaged': true or 'damaged_line_numbers', not both",
    )
    mixed = run(db, admin, op="order_return", order=order, line_numbers=[1], serials=[IMEI[0]])
    assert mixed["message"] == "give 'serials' or 'line_numbers', not both"
    assert [state_of(db, s)[0] for s in IMEI[:2]] == ["sold", "sold"]
