"""A return or an exchange handed in at another store than the sale's is booked where it
happens: the unit back in that store's stock, the refund note in that store's series and
sales report, the refund in that store's till shift; the sale keeps its store (issue: a
return at S02 of an S01 sale was booked to S01)."""

from __future__ import annotations

from decimal import Decimal as D

from test_orders import IMEI, clean, setup_catalogue, state_of

from serialpos.db.engine import Database
from serialpos.domain.users import Role
from serialpos.services import exchanges, returns, shifts
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger
from serialpos.services.invoices import invoice_document
from serialpos.services.orders.checkout import fulfil
from serialpos.services.orders.header import open_order
from serialpos.services.orders.lines import add_item
from serialpos.services.orders.reading import get_order
from serialpos.services.report_filter import ReportFilter
from serialpos.services.reports import sales_report

#: The cashier's till at S2, where the customer brings back a phone bought at S1.
AT_S2 = Actor("cashier", Role.ADMIN, "T-S2")


def _sold_at_s1(db: Database, admin: Actor) -> tuple[str, int, str]:
    order = open_order(db, admin, "S1").order
    line = add_item(db, admin, order, sku="PH1", serial=IMEI[0]).line
    done = fulfil(db, admin, order, settle_in="card")
    return order, line, done.invoice


def _report(db: Database, store: str) -> list[tuple[str, str, D]]:
    return [(r.invoice, r.order, r.total) for r in sales_report(db, ReportFilter(store=store)).rows]


def test_a_return_at_another_store_is_booked_there(db: Database, admin: Actor) -> None:
    setup_catalogue(db, admin)
    order, line, invoice = _sold_at_s1(db, admin)
    shifts.open_shift(db, AT_S2, "S2", "100.00")

    done = returns.return_units(db, AT_S2, order, lines=[line], refund_method="cash", store="S2")

    assert done.refund_invoice == "RF-S2-000001"  # S2's series, not S1's
    assert state_of(db, IMEI[0]) == ("in_stock", "S2")
    note = invoice_document(db, done.refund_invoice)
    assert note.store_code == "S2" and note.refers_to == invoice
    # The sale stays S1's; the refund note is in S2's report, not S1's.
    assert _report(db, "S1") == [(invoice, order, D("599.99"))]
    assert _report(db, "S2") == [("RF-S2-000001", order, D("-599.99"))]
    # The cash left S2's drawer, in S2's shift.
    x = shifts.x_report(db, AT_S2, "S2")
    assert [(t.method, t.refunds) for t in x.takings] == [("cash", D("599.99"))]
    assert x.expected_cash == D("100.00") - D("599.99")
    assert get_order(db, order).store == "S1"
    assert check_ledger(db) == []
    clean(db)


def test_an_exchange_at_another_store_sells_from_its_stock(db: Database, admin: Actor) -> None:
    setup_catalogue(db, admin)
    order, line, _ = _sold_at_s1(db, admin)

    ex = exchanges.start_exchange(db, AT_S2, order, lines=[line], store="S2")

    assert ex.refund_note == "RF-S2-000001"
    assert ex.sale.store == "S2" and ex.sale.order.startswith("S2-")
    assert state_of(db, IMEI[0]) == ("in_stock", "S2")
    add_item(db, AT_S2, ex.sale.order, sku="PH1", serial=IMEI[3])  # S2's own phone
    fulfil(db, AT_S2, ex.sale.order)
    assert state_of(db, IMEI[3]) == ("sold", "S2")
    assert check_ledger(db) == []
    clean(db)


def test_apply_order_return_with_a_store_books_the_refund_there(db: Database, admin: Actor) -> None:
    setup_catalogue(db, admin)
    order, _, _ = _sold_at_s1(db, admin)
    done = apply_object(
        db,
        admin,
        {"op": "order_return", "order": order, "serials": [IMEI[0]], "store": "S2"},
    )
    assert done["ok"], done
    assert done["refund_invoice"] == "RF-S2-000001" and done["order"] == order
    assert done["units"] == [{"serial": IMEI[0], "state": "in_stock"}]
    assert state_of(db, IMEI[0]) == ("in_stock", "S2")
    assert invoice_document(db, "RF-S2-000001").store_code == "S2"
    clean(db)
