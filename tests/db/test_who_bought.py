"""Who bought serial X (issue 14): the order's customer on the serial card, the sales report
and the sales-detail export, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import ledger, lookup, products, returns
from serialpos.services.context import Actor
from serialpos.services.orders.checkout import fulfil
from serialpos.services.orders.host import NewLine, create_order
from serialpos.services.orders.reading import get_order
from serialpos.services.orders.views import Customer
from serialpos.services.report_filter import ReportFilter
from serialpos.services.reports import SALES_DETAIL_COLUMNS, sales_detail_rows, sales_report

NAME = "Zoë [b]O'Brien[/b]"  # markup stays the customer's own text


def test_the_customer_answers_who_bought_the_serial(db: Database, admin: Actor) -> None:
    products.create_product(
        db, admin, sku="PH1", name="Phone", price=Decimal("100.00"), serial_mode="required"
    )
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", serials=["X1", "X2", "X3"])
    sold, _ = create_order(
        db,
        admin,
        "S1",
        customer=Customer(NAME, None, None),
        lines=[NewLine("PH1", "X1")],
    )
    invoice = fulfil(db, admin, sold.order, settle_in="cash").invoice
    anonymous, _ = create_order(db, admin, "S1", lines=[NewLine("PH1", "X2")])
    fulfil(db, admin, anonymous.order, settle_in="cash")

    (card,) = lookup.lookup_serial(db, "X1")
    assert card.customer == NAME and card.sale is not None and card.sale.invoice == invoice
    assert lookup.lookup_serial(db, "X2")[0].customer is None  # sold, to nobody named
    assert lookup.lookup_serial(db, "X3")[0].customer is None  # never sold

    rows = sales_report(db, ReportFilter(serial="X1")).rows
    assert [(r.invoice, r.serial, r.customer) for r in rows] == [(invoice, "X1", NAME)]
    detail = [
        dict(zip(SALES_DETAIL_COLUMNS, r, strict=True))
        for r in sales_detail_rows(db, ReportFilter())
    ]
    assert [(d["Serial Number"], d["Customer"]) for d in detail] == [("X1", NAME), ("X2", None)]

    line = get_order(db, sold.order).lines[0].line
    refund = returns.return_units(db, admin, sold.order, lines=[line]).refund_invoice
    after = sales_report(db, ReportFilter(serial="X1")).rows
    assert [(r.invoice, r.kind, r.customer) for r in after] == [
        (invoice, "Invoice", NAME),
        (refund, "Refund", NAME),
    ]
    assert lookup.lookup_serial(db, "X1")[0].customer == NAME  # still who bought it
