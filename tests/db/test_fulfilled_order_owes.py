"""A payment on a fulfilled order that owes money (issue 16): the balance a till's void
left once ``refund`` booked it at central (services/conflict_closed_money.py).

Before, a fulfilled order refused every payment (``order_closed``), so the 100.00 the till
paid the customer back while they kept the unit could be collected nowhere. Now a fulfilled
order takes a payment up to what it owes, at central (``apply`` ``order_pay``, the
console's payment: both are ``add_payment``) and from a till (the same rule when central
applies the till's entry). More than owed, or anything on an order owing nothing, is still
``order_closed``; a till's payment central's order no longer owes is a conflict, not lost."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

from test_closed_order_money import FULFIL, REFUNDED, _void
from test_conflict_offers import Shop, _conflict, _shop
from till_push import entry, push

from serialpos.db.engine import Database
from serialpos.services import conflicts
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.integrity import check_ledger
from serialpos.services.orders.reading import get_order


def _owing(db: Database) -> tuple[Shop, str]:
    """A layby of U1 (299.00) fulfilled at central, voided at till 1 meanwhile (its drawer
    paid the 100.00 deposit back), settled by ``refund``: central's order owes 100.00."""
    shop = _shop(db)
    number = _void(shop, FULFIL, refunds=REFUNDED)
    order = str(conflicts.show(db, number)["entry"]["line"]["order"])
    conflicts.resolve(db, shop[1], number, "refund", apply_object=apply_object)
    view = get_order(db, order)
    assert (view.status.value, view.totals.total - view.totals.paid) == ("fulfilled", D("100"))
    return shop, order


def _pay(shop: Shop, order: str, *amounts: tuple[str, str]) -> dict[str, Any]:
    money = [{"method": m, "amount": a} for m, a in amounts]
    return apply_object(shop[0], shop[1], {"op": "order_pay", "order": order, "payments": money})


def test_a_fulfilled_order_takes_what_it_owes(db: Database) -> None:
    shop, order = _owing(db)
    assert _pay(shop, order, ("cash", "60.00"))["ok"]
    done = _pay(shop, order, ("card", "40.00"))
    assert done["ok"], done
    view = get_order(db, order)
    assert view.status.value == "fulfilled"
    assert view.totals.paid == view.totals.total == D("299.00")
    assert [(p.kind, p.method, p.amount) for p in view.payments][-2:] == [
        ("payment", "cash", D("60.00")),
        ("payment", "card", D("40.00")),
    ]
    assert check_ledger(db) == []
    # Paid up: it owes nothing, and refuses as any fulfilled order does.
    again = _pay(shop, order, ("cash", "0.01"))
    assert again["error"] == "order_closed", again
    assert "is fulfilled: return it and re-issue on a new invoice" in again["message"]


def test_more_than_owed_is_refused_naming_what_is_owed(db: Database) -> None:
    shop, order = _owing(db)
    refused = _pay(shop, order, ("cash", "150.00"))
    assert refused["error"] == "order_closed", refused
    assert "owes 100.00" in refused["message"], refused
    assert "at most 100.00" in refused["message"], refused
    # Several tenders in one line: the second one over what is left refuses the whole line.
    refused = _pay(shop, order, ("cash", "60.00"), ("card", "50.00"))
    assert refused["error"] == "order_closed", refused
    assert "owes 40.00" in refused["message"], refused
    view = get_order(db, order)
    assert view.totals.total - view.totals.paid == D("100.00")
    assert check_ledger(db) == []


def test_a_fulfilled_order_owing_nothing_refuses_as_before(db: Database) -> None:
    shop = _shop(db)
    made = apply_object(
        db,
        shop[1],
        {
            "op": "order_create",
            "store": "S1",
            "lines": [{"sku": "PH1", "serial": "U2"}],
            "payments": [{"method": "card", "amount": "299.00"}],
            "fulfil": True,
        },
    )
    assert made["ok"], made
    refused = _pay(shop, str(made["order"]), ("cash", "10.00"))
    assert refused["error"] == "order_closed", refused
    assert refused["message"] == (
        f"order {made['order']} is fulfilled: return it and re-issue on a new invoice"
    )


def test_a_tills_payment_of_the_balance_is_taken_or_a_conflict(db: Database) -> None:
    """The till's ``order_pay`` of what central's order owes is applied by the same rule; a
    second one, arriving when central's order owes nothing any more, is a conflict
    ``order_closed`` (the till's drawer holds it), never dropped."""
    shop, order = _owing(db)
    pay = {"op": "order_pay", "order": order}
    [taken] = push(
        db,
        shop[2][0],
        [entry("l4", "till-1", 4, **pay, payments=[{"method": "cash", "amount": "100"}])],
    )
    assert taken["ok"], taken
    assert get_order(db, order).totals.paid == D("299.00")
    twice = push(
        db,
        shop[2][0],
        [entry("l5", "till-1", 5, **pay, payments=[{"method": "cash", "amount": "100"}])],
    )
    number = _conflict(twice)
    assert conflicts.show(db, number)["error"] == "order_closed"
    assert get_order(db, order).totals.paid == D("299.00")
    assert check_ledger(db) == []
