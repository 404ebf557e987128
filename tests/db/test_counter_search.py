"""The sale field's search (services/counter_search.py via counter_scan), on SQLite and
PostgreSQL: a SKU in any case, words of a name (one match adds it, several are listed with
price and stock here), order and invoice numbers in any case, and a serial that cannot be sold
here explained as the serial dialog explains it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import ledger, products
from serialpos.services.context import Actor
from serialpos.services.counter_scan import scan_at_counter
from serialpos.services.orders import add_item, fulfil, open_order, set_serial
from serialpos.services.orders.lines import NewOrder

START = NewOrder("S1", "sale", "cash_and_carry")


@pytest.fixture
def shop(db: Database, admin: Actor) -> Database:
    for sku, name, price in (
        ("PH-AUR15", "Aurora 15 phone", "799.00"),
        ("PH-AUR16", "Aurora 16 phone", "899.00"),
        ("CB-USB", "USB-C cable 100%", "9.50"),
    ):
        products.create_product(
            db,
            admin,
            sku=sku,
            name=name,
            price=Decimal(price),
            serial_mode="required" if sku.startswith("PH") else "disabled",
        )
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH-AUR15", serials=["A-1", "A-2"])
    ledger.move(db, admin, Action.RECEIVE, store="S2", sku="PH-AUR16", serials=["B-1"])
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="CB-USB", quantity=4)
    return db


def test_sku_in_any_case_and_one_name_match_add_the_product(shop: Database, admin: Actor) -> None:
    done = scan_at_counter(shop, admin, None, "ph-aur15", waiting=None, start=START)
    assert done.added is not None and done.view is not None
    order = done.view.order
    assert [ln.sku for ln in done.view.lines] == ["PH-AUR15"]
    cable = scan_at_counter(shop, admin, order, "usb-c CABLE", waiting=None, start=None)
    assert cable.view is not None and [ln.sku for ln in cable.view.lines][-1] == "CB-USB"
    literal = scan_at_counter(shop, admin, order, "100%", waiting=None, start=None)
    assert literal.added is not None  # % is a character, not a wildcard


def test_several_matches_are_listed_with_price_and_stock_here(shop: Database, admin: Actor) -> None:
    listed = scan_at_counter(shop, admin, None, "aurora", waiting=None, start=START)
    assert listed.added is None and listed.view is None  # no order opened for a list
    assert [(c.sku, c.price, c.in_stock) for c in listed.choices] == [
        ("PH-AUR15", Decimal("799.00"), 2),
        ("PH-AUR16", Decimal("899.00"), 0),  # its unit is at S2
    ]
    with pytest.raises(Exception, match="nothing matches 'zebra'"):
        scan_at_counter(shop, admin, None, "zebra", waiting=None, start=START)


def test_order_and_invoice_numbers_in_any_case(shop: Database, admin: Actor) -> None:
    order = open_order(shop, admin, "S1").order
    add_item(shop, admin, order, sku="CB-USB")
    found = scan_at_counter(shop, admin, None, order.lower(), waiting=None, start=START)
    assert found.order_found is not None and found.order_found.order == order
    invoice = fulfil(shop, admin, order, settle_in="cash").invoice
    by_invoice = scan_at_counter(shop, admin, None, invoice.lower(), waiting=None, start=START)
    assert by_invoice.order_found is not None
    assert (by_invoice.order_found.order, by_invoice.order_found.invoice) == (order, invoice)
    assert by_invoice.order_found.status == "fulfilled"


def test_a_serial_that_cannot_be_sold_here_is_explained(shop: Database, admin: Actor) -> None:
    # At another store: the serial dialog's sentence, not "nothing matches".
    with pytest.raises(Exception, match="serial B-1 is in stock at S2, not at S1") as there:
        scan_at_counter(shop, admin, None, "B-1", waiting=None, start=START)
    assert getattr(there.value, "code", None) == "not_in_stock"
    order = open_order(shop, admin, "S1").order
    line = int(add_item(shop, admin, order, sku="PH-AUR15").line)
    set_serial(shop, admin, order, line, "A-1")
    with pytest.raises(Exception, match=f"serial A-1 is reserved on order {order}"):
        scan_at_counter(shop, admin, None, "A-1", waiting=None, start=START)
    # Scanned again on the same sale: said so, with its line (it named the sale as another's).
    with pytest.raises(Exception, match=r"serial A-1 is already on this sale, line 1$"):
        scan_at_counter(shop, admin, order, "A-1", waiting=None, start=START)
    fulfil(shop, admin, order, settle_in="cash")
    with pytest.raises(Exception, match="serial A-1 is already sold") as sold:
        scan_at_counter(shop, admin, None, "A-1", waiting=None, start=START)
    assert getattr(sold.value, "code", None) == "already_sold"
    # The same sentence the serial dialog gives on a line.
    other = open_order(shop, admin, "S1").order
    line2 = int(add_item(shop, admin, other, sku="PH-AUR15").line)
    with pytest.raises(Exception, match="serial A-1 is already sold; a return brings it back"):
        set_serial(shop, admin, other, line2, "A-1")
