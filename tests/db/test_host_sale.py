"""A host's ``sell`` is invoiced as at the counter (issue 10, case 9), on SQLite and
PostgreSQL: the sale is in the sales report (with its serial filter), the sales detail export
and the serial lookup, and a refused sell records no order either."""

from __future__ import annotations

from decimal import Decimal

import pytest

from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import ledger, lookup, products, reports
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger
from serialpos.services.orders.reading import get_order, list_orders
from serialpos.services.report_filter import ReportFilter


@pytest.fixture
def shop(db: Database, admin: Actor) -> Database:
    products.create_product(
        db, admin, sku="PH", name="Phone", price=Decimal("100.00"), serial_mode="required"
    )
    products.create_product(db, admin, sku="CB", name="Cable", price=Decimal("9.50"))
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH", serials=["P1", "P2", "P3"])
    return db


def test_a_host_sell_is_in_the_sales_report_and_export(shop: Database, admin: Actor) -> None:
    sold = apply_object(
        shop,
        admin,
        {"op": "sell", "store": "S1", "sku": "PH", "serials": ["P2", "P1"], "document": "WEB-7"},
    )
    assert sold["ok"] and (sold["order"], sold["invoice"]) == ("S1-000001", "INV-S1-000001")
    cables = apply_object(
        shop, admin, {"op": "sell", "store": "S1", "sku": "CB", "quantity": 3, "payment": "card"}
    )
    assert cables["ok"] and cables["invoice"] == "INV-S1-000002"

    found = reports.sales_report(shop, ReportFilter(serial="P1"))
    assert [(r.invoice, r.order, r.sku, r.serial, r.quantity, r.total) for r in found.rows] == [
        ("INV-S1-000001", "S1-000001", "PH", "P1", 1, Decimal("100.00"))
    ]
    everything = reports.sales_report(shop, ReportFilter(store="S1"))
    assert sorted((r.sku, r.serial, r.quantity) for r in everything.rows) == [
        ("CB", None, 3),
        ("PH", "P1", 1),
        ("PH", "P2", 1),
    ]
    assert everything.total == Decimal("228.50")
    detail = list(reports.sales_detail_rows(shop, ReportFilter(sku="PH")))
    assert len(detail) == 2 and {"P1", "P2"} <= {c for row in detail for c in row}

    order = get_order(shop, "S1-000001")
    assert order.status.value == "fulfilled" and order.totals.due == 0
    assert [(p.method, p.amount) for p in order.payments] == [("other", Decimal("200.00"))]
    assert [(p.method, p.amount) for p in get_order(shop, "S1-000002").payments] == [
        ("card", Decimal("28.50"))
    ]
    card = lookup.lookup_serial(shop, "P2")[0]
    assert card.state == "sold" and card.sale is not None
    assert (card.sale.order, card.sale.invoice) == ("S1-000001", "INV-S1-000001")
    # The events carry the host's document, as before.
    assert [(e.action, e.document_type, e.document_id) for e in card.events][-1] == (
        "sell",
        "integration",
        "WEB-7",
    )
    assert [f for f in check_ledger(shop) if f.violation] == []


def test_a_refused_host_sell_records_no_order(shop: Database, admin: Actor) -> None:
    refused = apply_object(
        shop, admin, {"op": "sell", "store": "S1", "sku": "PH", "serials": ["P1", "NOPE"]}
    )
    assert (refused["ok"], refused["error"]) == (False, "not_in_stock")
    bad_method = apply_object(
        shop, admin, {"op": "sell", "store": "S1", "sku": "PH", "serial": "P1", "payment": "shells"}
    )
    assert (bad_method["ok"], bad_method["error"]) == (False, "bad_value")
    assert list_orders(shop, "S1") == []
    assert reports.sales_report(shop, ReportFilter()).rows == []
    sold = apply_object(shop, admin, {"op": "sell", "store": "S1", "sku": "PH", "serial": "P1"})
    assert sold["order"] == "S1-000001"  # no number was used up by the refusals
