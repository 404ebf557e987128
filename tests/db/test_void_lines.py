"""A voided order holds no unit: its lines keep status "open" in the table (the void only
marks the order), and before this fix every reader of "the unit's latest order line" took
them at their word. The serial card said "in stock … order S01-000004 line 1 (open)", the
console's lookup "on open order …", the prefix search "on order …" and the customer's card
listed the line as still on order. Now no reader counts a voided order's line, on SQLite and
PostgreSQL, and ``db check`` finds nothing to contradict it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from serialpos.db.engine import Database
from serialpos.domain.customers import CustomerFields
from serialpos.domain.states import Action
from serialpos.services import customers, ledger, products
from serialpos.services.context import Actor
from serialpos.services.fulfilment_report import fulfilment_rows
from serialpos.services.integrity import check_ledger
from serialpos.services.lookup import lookup_serial
from serialpos.services.order_customer import attach_customer
from serialpos.services.order_void import void_order
from serialpos.services.orders.checkout import fulfil
from serialpos.services.orders.host import NewLine, create_order
from serialpos.services.report_filter import ReportFilter
from serialpos.services.returns import return_units
from serialpos.services.serial_search import search_serials


@pytest.fixture
def shop(db: Database, admin: Actor) -> Database:
    products.create_product(
        db, admin, sku="PH", name="Phone", price=Decimal("100.00"), serial_mode="required"
    )
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH", serials=["P1", "P2"])
    return db


def _voided(db: Database, admin: Actor, serial: str) -> int:
    """An order for ``serial`` with a customer, voided; the customer's record id."""
    view, _ = create_order(db, admin, "S1", lines=[NewLine("PH", serial)])
    who = customers.add_customer(db, admin, CustomerFields("Ann Voided", "020 7946 0001"))
    attach_customer(db, admin, view.order, who.id)
    assert void_order(db, admin, view.order).order.lines[0].status.value == "open"
    return who.id


def test_a_voided_orders_line_is_on_no_card_search_report_or_customer(
    shop: Database, admin: Actor
) -> None:
    who = _voided(shop, admin, "P1")
    (card,) = lookup_serial(shop, "P1")
    assert card.state == "in_stock"
    assert card.sale is None, card.sale  # was SaleLink(order, 1, "open", …)
    assert card.customer is None
    (match,) = search_serials(shop, "P1").matches
    assert (match.order, match.line_status, match.customer) == (None, None, None)
    assert [r.order for r in fulfilment_rows(shop, ReportFilter())] == []
    assert customers.show_customer(shop, admin, who).bought == ()
    assert [f"{f.rule}: {f.detail}" for f in check_ledger(shop) if f.violation] == []


def test_after_a_void_the_card_shows_the_units_real_last_sale(shop: Database, admin: Actor) -> None:
    sold, _ = create_order(shop, admin, "S1", lines=[NewLine("PH", "P2")])
    fulfil(shop, admin, sold.order, settle_in="card")
    return_units(shop, admin, sold.order, lines=[sold.lines[0].line])
    _voided(shop, admin, "P2")  # reserved again after the return, then voided
    (card,) = lookup_serial(shop, "P2")
    assert card.sale is not None
    assert (card.sale.order, card.sale.status) == (sold.order, "returned")
    (match,) = search_serials(shop, "P2").matches
    assert (match.order, match.line_status) == (sold.order, "returned")
