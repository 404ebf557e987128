"""A counter step answers with the order as it now stands without reading back what it
wrote (the first scan's order and line come back from their inserts; a fulfilment builds
its lines, payments and invoices from what it read and wrote): each answer must equal the
order read afresh, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest
from test_orders import IMEI, PH_BARCODE, setup_catalogue

from serialpos.db.engine import Database
from serialpos.services import users
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger
from serialpos.services.orders import (
    NewOrder,
    OrderView,
    add_item,
    add_payment,
    add_scan,
    fulfil,
    get_order,
    set_serial,
)


@pytest.fixture
def shop(db: Database, admin: Actor) -> Actor:
    setup_catalogue(db, admin)
    users.add_user(db, admin, "cam", "cashier", "1111")
    return users.actor_for(db, "cam", "till-1")


def same(answer: OrderView, db: Database) -> OrderView:
    assert answer == get_order(db, answer.order)
    return answer


def test_each_step_of_a_sale_answers_with_the_order_as_read_afresh(
    db: Database, shop: Actor
) -> None:
    cam = shop
    first = add_scan(db, cam, None, PH_BARCODE, start=NewOrder("S1"))
    assert first.prompt_serial and same(first.order, db).lines[0].serial is None
    order = first.order.order
    view = same(set_serial(db, cam, order, first.line, IMEI[0]), db)
    assert view.lines[0].serial == IMEI[0]
    view = same(add_scan(db, cam, order, "CB1").order, db)
    view = same(add_scan(db, cam, order, "CB1").order, db)  # merged: quantity 2
    assert [ln.quantity for ln in view.lines] == [1, 2]
    view = same(add_payment(db, cam, order, "card", Decimal("100.00")), db)
    cash = view.totals.total - Decimal("100.00") + Decimal("20.00")
    done = fulfil(db, cam, order, payments=[("cash", cash)])
    view = same(done.order, db)
    assert done.change_due == Decimal("20.00") and view.status.value == "fulfilled"
    assert view.invoices == (done.invoice,)
    assert {p.invoice for p in view.payments} == {done.invoice}
    assert [f for f in check_ledger(db) if f.violation] == []


def test_a_first_scan_with_its_serial_and_a_first_item_by_sku(db: Database, shop: Actor) -> None:
    cam = shop
    with_serial = add_item(db, cam, None, sku="PH1", serial=IMEI[1], start=NewOrder("S1"))
    assert same(with_serial.order, db).lines[0].serial == IMEI[1]
    by_sku = add_item(db, cam, None, sku="LT1", start=NewOrder("S1", "layby", "pickup"))
    assert same(by_sku.order, db).type.value == "layby"


def test_a_second_fulfilment_names_the_first_invoice(db: Database, shop: Actor) -> None:
    """A lay-by fulfilled line by line: the second answer lists both invoices and keeps the
    first line's invoice and the earlier payments' own."""
    cam = shop
    first = add_item(db, cam, None, sku="CB1", start=NewOrder("S1", "layby", "pickup"))
    order = first.order.order
    second = add_item(db, cam, order, sku="LT1", serial="LT-A")
    cable, laptop = (ln.line for ln in second.order.lines)
    one = fulfil(db, cam, order, lines=[cable], payments=[("cash", Decimal("9.50"))])
    assert same(one.order, db).status.value == "open"
    two = fulfil(db, cam, order, lines=[laptop], settle_in="card")
    view = same(two.order, db)
    assert view.invoices == (one.invoice, two.invoice)
    assert [ln.invoice for ln in view.lines] == [one.invoice, two.invoice]
    assert [p.invoice for p in view.payments] == [one.invoice, two.invoice]
