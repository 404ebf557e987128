"""``order_refund``: money a fulfilled order holds over its total given back (issue 16).

A till offline while central took part of its layby's balance took the rest its copy showed;
central books the till's tenders and the change it gave (services/orders/checkout.py
``change_given``), never change of its own, so the order holds what the customer paid
twice and ``db check`` says ``order_overpaid`` ("refund it to the customer"). Nothing could:
a fulfilled order took no refund but a return's. Now ``order_refund`` gives it back, by a
manager, up to the surplus, and the check is clean again. Both databases.
"""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

from test_conflict_offers import Shop, _shop

from serialpos.db.engine import Database
from serialpos.services import users
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.context import SYSTEM
from serialpos.services.integrity import check_ledger
from serialpos.services.orders.checkout import fulfil
from serialpos.services.orders.reading import get_order


def _overpaid(shop: Shop) -> str:
    """A layby of U1 (299.00), 100.00 paid, then fulfilled as a till does that gave no change
    on 299.00 more (its copy did not know of the 100.00): 100.00 over its total."""
    db, mia, _tills = shop
    made = apply_object(
        db,
        mia,
        {
            "op": "order_create",
            "store": "S1",
            "type": "layby",
            "lines": [{"sku": "PH1", "serial": "U1"}],
        },
    )
    assert made["ok"], made
    order = str(made["order"])
    paid = apply_object(
        db,
        mia,
        {"op": "order_pay", "order": order, "payments": [{"method": "cash", "amount": "100"}]},
    )
    assert paid["ok"], paid
    done = fulfil(db, mia, order, payments=[("cash", D("299.00"))], change_given=D("0.00"))
    assert (done.change_due, done.paid_over) == (D("0.00"), D("100.00"))
    return order


def _refund(shop: Shop, order: str, *amounts: tuple[str, str], who: Any = None) -> dict[str, Any]:
    money = [{"method": m, "amount": a} for m, a in amounts]
    line = {"op": "order_refund", "order": order, "refunds": money}
    return apply_object(shop[0], who or shop[1], line)


def test_the_surplus_is_given_back_and_the_check_is_clean(db: Database) -> None:
    shop = _shop(db)
    order = _overpaid(shop)
    assert [f.rule for f in check_ledger(db)] == ["order_overpaid"]
    done = _refund(shop, order, ("cash", "60.00"), ("card", "40.00"))
    assert done["ok"], done
    view = get_order(db, order)
    assert view.status.value == "fulfilled"
    assert view.totals.paid == view.totals.total == D("299.00")
    assert [(p.kind, p.method, p.amount) for p in view.payments][-2:] == [
        ("refund", "cash", D("-60.00")),
        ("refund", "card", D("-40.00")),
    ]
    assert check_ledger(db) == []
    # Nothing left over: refused, nothing written.
    again = _refund(shop, order, ("cash", "0.01"))
    assert again["error"] == "order_closed", again
    assert "holds nothing over its total" in again["message"], again


def test_more_than_the_surplus_is_refused_naming_it(db: Database) -> None:
    shop = _shop(db)
    order = _overpaid(shop)
    refused = _refund(shop, order, ("cash", "60.00"), ("card", "50.00"))
    assert refused["error"] == "order_closed", refused
    assert "holds 100.00 over its total" in refused["message"], refused
    assert "at most 100.00" in refused["message"], refused
    view = get_order(db, order)
    assert view.totals.paid - view.totals.total == D("100.00")  # nothing given back


def test_an_open_order_and_a_cashier_are_refused(db: Database) -> None:
    shop = _shop(db)
    _db, mia, _tills = shop
    made = apply_object(
        db,
        mia,
        {
            "op": "order_create",
            "store": "S1",
            "type": "layby",
            "lines": [{"sku": "PH1", "serial": "U2"}],
        },
    )
    paid = apply_object(
        db,
        mia,
        {
            "op": "order_pay",
            "order": made["order"],
            "payments": [{"method": "cash", "amount": "400"}],
        },
    )
    assert paid["ok"], paid
    refused = _refund(shop, str(made["order"]), ("cash", "50.00"))
    assert refused["error"] == "order_closed", refused
    assert "is open: only a fulfilled order's money over its total" in refused["message"]
    order = _overpaid(shop)
    users.add_user(db, SYSTEM, "cal", "cashier", "4321")
    cal = users.actor_for(db, "cal", "setup")
    denied = _refund(shop, order, ("cash", "10.00"), who=cal)
    assert denied["ok"] is False and denied["error"] == "permission_denied", denied
    assert "cal (cashier) may not give money back on an order" in denied["message"], denied
    # A line that names no refunds, or a bad amount, says so.
    empty = apply_object(db, mia, {"op": "order_refund", "order": order, "refunds": []})
    assert empty["error"] == "bad_request" and "'refunds'" in empty["message"], empty
    bad = _refund(shop, order, ("cash", "-5"))
    assert bad["ok"] is False and "refunds[1]" in bad["message"], bad
