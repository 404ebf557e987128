"""Returns and refunds: find the sale by order, invoice or serial; take one exact unit back
(to stock, or written off when damaged); refund note and refund payment."""

from __future__ import annotations

from decimal import Decimal

import pytest
from test_orders import IMEI, clean, events_of, setup_catalogue, state_of

from serialpos.db.engine import Database
from serialpos.domain.errors import DomainError
from serialpos.domain.orders import LineStatus
from serialpos.services import returns
from serialpos.services.context import Actor
from serialpos.services.invoices import invoice_document
from serialpos.services.orders.checkout import fulfil
from serialpos.services.orders.header import open_order
from serialpos.services.orders.lines import add_item
from serialpos.services.orders.views import OrderView
from serialpos.services.stock import stock_levels


def _sold(db: Database, actor: Actor) -> tuple[OrderView, str]:
    order = open_order(db, actor, "S1").order
    for serial in IMEI[:3]:
        add_item(db, actor, order, sku="PH1", serial=serial)
    add_item(db, actor, order, sku="CB1")
    done = fulfil(db, actor, order, settle_in="card")
    return done.order, done.invoice


def test_find_sale_by_order_invoice_or_serial(db: Database, admin: Actor) -> None:
    setup_catalogue(db, admin)
    view, invoice = _sold(db, admin)
    assert returns.find_sale(db, view.order).order == view.order
    assert returns.find_sale(db, f" {invoice} ").order == view.order
    assert returns.find_sale(db, IMEI[1]).order == view.order
    # Typed in lower case (a handheld's keys): the same documents.
    assert returns.find_sale(db, view.order.lower()).order == view.order
    assert returns.find_sale(db, invoice.lower()).order == view.order
    lines = [view.lines[0].line]
    note = returns.return_units(db, admin, view.order, lines=lines).refund_invoice
    assert note.startswith("RF-")
    assert returns.find_sale(db, note.lower()).order == view.order
    with pytest.raises(DomainError) as none:
        returns.find_sale(db, IMEI[3])  # in stock at S2, never sold
    assert none.value.code == "unknown_order"


def test_return_one_unit_of_three_and_a_damaged_one(db: Database, admin: Actor) -> None:
    setup_catalogue(db, admin)
    view, invoice = _sold(db, admin)
    by_serial = {ln.serial: ln.line for ln in view.lines}
    back = returns.return_units(db, admin, view.order, lines=[by_serial[IMEI[1]]])
    assert back.units == ((IMEI[1], "in_stock"),)
    assert back.amount == Decimal("599.99")
    assert back.refund_invoice == "RF-S1-000001"  # its own series (issue 14)
    assert state_of(db, IMEI[1]) == ("in_stock", "S1")
    assert state_of(db, IMEI[0]) == ("sold", "S1")
    assert events_of(db, IMEI[1])[-1] == ("return", "order", "2")
    statuses = {ln.serial: ln.status for ln in back.order.lines}
    assert statuses[IMEI[1]] is LineStatus.RETURNED and statuses[IMEI[0]] is LineStatus.FULFILLED
    assert back.order.payments[-1].amount == Decimal("-599.99")
    assert back.order.payments[-1].kind == "refund"
    assert back.order.totals.paid == back.order.totals.total

    refund = invoice_document(db, back.refund_invoice)
    assert (refund.kind, refund.refers_to, refund.total) == ("Refund", invoice, Decimal("599.99"))
    assert [ln.serials for ln in refund.lines] == [(IMEI[1],)]

    with pytest.raises(DomainError) as twice:
        returns.return_units(db, admin, view.order, lines=[by_serial[IMEI[1]]])
    assert twice.value.code == "not_returnable"

    # a damaged unit (returned at the other store) and the cable
    cable = by_serial[None]
    broke = returns.return_units(
        db,
        admin,
        view.order,
        lines=[cable],
        damaged=[by_serial[IMEI[2]]],
        refund_method="cash",
        store="S2",
    )
    assert broke.units == ((IMEI[2], "written_off"),)
    assert state_of(db, IMEI[2]) == ("written_off", "S2")
    assert broke.amount == Decimal("609.49")
    levels = {(s.sku, s.store): s.quantity for s in stock_levels(db)}
    assert levels[("CB1", "S2")] == 1

    # the returned unit can be sold again on a new order (re-issue)
    again = open_order(db, admin, "S1").order
    add_item(db, admin, again, sku="PH1", serial=IMEI[1])
    fulfil(db, admin, again, settle_in="cash")
    assert state_of(db, IMEI[1]) == ("sold", "S1")
    assert returns.find_sale(db, IMEI[1]).order == again
    clean(db)


def test_return_refusals(db: Database, admin: Actor) -> None:
    setup_catalogue(db, admin)
    order = open_order(db, admin, "S1").order
    line = add_item(db, admin, order, sku="PH1", serial=IMEI[0]).line
    with pytest.raises(DomainError) as open_line:
        returns.return_units(db, admin, order, lines=[line])
    assert open_line.value.code == "not_returnable"
    with pytest.raises(DomainError) as none:
        returns.return_units(db, admin, order, lines=[])
    assert none.value.code == "bad_request"
    with pytest.raises(DomainError) as unknown:
        returns.return_units(db, admin, order, lines=[99999])
    assert unknown.value.code == "unknown_line"
    with pytest.raises(DomainError) as nostore:
        returns.return_units(db, admin, order, lines=[line], store="S9")
    assert nostore.value.code == "unknown_store"
