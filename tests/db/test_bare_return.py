"""A bare ledger ``return`` of a unit sold on an order is refused ``sold_on_order``
(services/sold_on_order.py): it put the unit back in stock and left the sale in the books —
no refund note, the invoice still in the sales report, the order line still sold, and the
order's own return then refused. A unit no order holds still comes back by ``return``; a
store terminal's journaled ``return`` of such a unit is a conflict, never dropped, and its
resolution by ``return`` books it through the order."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from till_push import entry, push

from serialpos.db.engine import Database
from serialpos.domain.errors import DomainError
from serialpos.domain.states import Action
from serialpos.services import conflicts, ledger, lookup, products, snapshot, users
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.context import SYSTEM, Actor
from serialpos.services.integrity import check_ledger
from serialpos.services.orders.reading import get_order
from serialpos.services.report_filter import ReportFilter
from serialpos.services.reports import sales_report


def _shop(db: Database) -> Actor:
    users.add_user(db, SYSTEM, "mia", "manager", "1234")
    mia = users.actor_for(db, "mia", "setup")
    products.create_product(
        db, mia, sku="PH1", name="Phone", price=D("299.00"), serial_mode="required"
    )
    ledger.move(db, mia, Action.RECEIVE, store="S1", sku="PH1", serials=["U1", "U2"])
    return mia


def _state(db: Database, serial: str) -> tuple[str, str]:
    card = lookup.lookup_serial(db, serial, "PH1")[0]
    return card.state, card.store


def test_a_unit_sold_before_sales_were_orders_still_comes_back_by_return(db: Database) -> None:
    """The documented use stays: a sold unit no order holds (sold by the ledger alone, before
    a sale was an order) is taken back by ``return``."""
    mia = _shop(db)
    ledger.move(db, mia, Action.SELL, store="S1", sku="PH1", serials=["U1"])
    back = apply_object(db, mia, {"op": "return", "store": "S2", "sku": "PH1", "serial": "U1"})
    assert back["ok"], back
    assert back["units"] == [{"serial": "U1", "from": "sold", "to": "in_stock"}]
    assert _state(db, "U1") == ("in_stock", "S2")


def test_a_bare_return_of_a_sold_unit_changes_nothing_and_order_return_books_it(
    db: Database,
) -> None:
    mia = _shop(db)
    sold = apply_object(
        db, mia, {"op": "sell", "store": "S1", "sku": "PH1", "serial": "U1", "payment": "card"}
    )
    order, invoice = sold["order"], sold["invoice"]
    refused = apply_object(db, mia, {"op": "return", "store": "S1", "sku": "PH1", "serial": "U1"})
    assert (refused["ok"], refused["error"]) == (False, "sold_on_order")
    assert f"sold on order {order}" in refused["message"]
    assert "order_return" in refused["message"]
    assert _state(db, "U1") == ("sold", "S1")
    back = apply_object(db, mia, {"op": "order_return", "order": order, "serials": ["U1"]})
    assert back["ok"], back
    assert _state(db, "U1") == ("in_stock", "S1")
    rows = sales_report(db, ReportFilter(store="S1")).rows
    assert [(r.invoice, r.total) for r in rows] == [
        (invoice, D("299.00")),
        (back["refund_invoice"], D("-299.00")),
    ]
    assert check_ledger(db) == []


def test_a_tills_journaled_return_of_a_unit_sold_on_an_order_is_a_conflict(db: Database) -> None:
    """A till's ``return`` entry (journaled before the rule, or by a till without the
    order's copy) of a unit central holds sold on an order: recorded as a conflict, the
    unit still sold at central; resolved by ``return``, the order takes it back with a
    refund note and the refund paid."""
    mia = _shop(db)
    tills = [users.actor_for(db, "mia", f"api-till-{n}") for n in (1, 2)]
    for n, token in enumerate(tills, start=1):
        snapshot.link(db, token, "S1", f"till-{n}")
    [sold] = push(
        db, tills[0], [entry("t1-1", "till-1", 1, op="sell", store="S1", sku="PH1", serial="U1")]
    )
    assert sold["ok"], sold
    back = entry("t2-1", "till-2", 1, op="return", store="S1", sku="PH1", serial="U1")
    [answer] = push(db, tills[1], [back])
    assert (answer["ok"], answer["error"]) == (False, "sync_conflict"), answer
    assert f"U1 was sold on order {sold['order']}" in answer["message"]
    assert _state(db, "U1") == ("sold", "S1")
    [again] = push(db, tills[1], [back])  # a resend replays the conflict, never drops it
    assert again.get("replayed") and again["error"] == "sync_conflict"
    [listed] = [c for c in conflicts.list_conflicts(db) if c["serial"] == "U1"]
    done = conflicts.resolve(db, mia, int(listed["id"]), "return", apply_object=apply_object)
    assert done["status"] == "resolved"
    assert _state(db, "U1") == ("in_stock", "S1")
    view = get_order(db, sold["order"])
    assert [line.status.value for line in view.lines] == ["returned"]
    assert [p.amount for p in view.payments if p.amount < 0] == [D("-299.00")]
    refunds = [r for r in sales_report(db, ReportFilter(store="S1")).rows if r.total < 0]
    assert [r.total for r in refunds] == [D("-299.00")]  # the refund note, in S1's report
    assert check_ledger(db) == []


def test_a_return_resolved_from_a_till_says_where_its_refund_shift_is(db: Database) -> None:
    """Where the store requires a shift, resolving by ``return`` pays the refund at central
    in a shift there: from a till's token it was refused with the sale's words ("open one
    first"), which a till cannot do (its shifts are its own); the words now say to resolve
    it at central's console in a shift, and there the refund lands in that shift."""
    from serialpos.services import acting_at_till, shifts
    from serialpos.services import settings as store_settings

    mia = _shop(db)
    store_settings.set_setting(db, mia, "require_shift", "on", store_code="S1")
    tills = [users.actor_for(db, "mia", f"api-till-{n}") for n in (1, 2)]
    for n, token in enumerate(tills, start=1):
        snapshot.link(db, token, "S1", f"till-{n}")
    sale = entry("t1-1", "till-1", 1, op="sell", store="S1", sku="PH1", serial="U1")
    [sold] = push(db, tills[0], [sale])
    # Sold at the other till too (a conflict of two tills); resolved by return, the sale
    # that stands is taken back through its order.
    again = entry("t2-1", "till-2", 1, op="sell", store="S1", sku="PH1", serial="U1")
    [answer] = push(db, tills[1], [again])
    number = int(answer["conflict"]["id"])
    at_till = acting_at_till.resolver_for(db, tills[1], None)
    with pytest.raises(DomainError, match="open a shift at central's console") as refused:
        conflicts.resolve(db, at_till, number, "return", apply_object=apply_object)
    assert refused.value.code == "shift_required"
    assert conflicts.show(db, number)["status"] == "open"  # nothing changed
    assert _state(db, "U1") == ("sold", "S1")
    shifts.open_shift(db, mia, "S1", "100.00")
    done = conflicts.resolve(db, mia, number, "return", apply_object=apply_object)
    assert done["status"] == "resolved"
    x = shifts.x_report(db, mia, "S1")  # the shift open at central's terminal
    assert x.terminal == mia.terminal
    assert [(t.method, t.refunds) for t in x.takings] == [("other", D("299.00"))]
    assert get_order(db, sold["order"]).lines[0].status.value == "returned"
