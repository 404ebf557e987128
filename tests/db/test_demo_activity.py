"""The demo a new user opens: opening stock plus a day's work, so every flow has something to
show — made through the services, and leaving the ledger consistent."""

from __future__ import annotations

from serialpos.db.engine import Database
from serialpos.services import reports
from serialpos.services.asn.views import list_asns
from serialpos.services.demo import _imei, build_demo
from serialpos.services.fulfilment_report import fulfilment_rows
from serialpos.services.integrity import check_ledger
from serialpos.services.lookup import lookup_serial
from serialpos.services.report_filter import ReportFilter


def test_the_demo_has_sales_an_order_to_fulfil_and_an_asn(db_url: str) -> None:
    db = Database(db_url)
    try:
        build_demo(db)
        sales = reports.sales_report(db, ReportFilter(store="S01"))
        assert {row.invoice for row in sales.rows} == {"INV-S01-000001", "INV-S01-000002"}
        assert {row.serial for row in sales.rows} >= {_imei(9), "ZB24000104"}
        pending = fulfilment_rows(db, ReportFilter(store="S01", pending_serial=True))
        assert [(r.sku, r.customer) for r in pending] == [("AP-FRG300", "Sam Okafor")]
        [shipment] = list_asns(db, "S01", status="open")
        assert (shipment.asn, shipment.units) == ("ASN-DEMO-1", 23)
        assert [c.state for c in lookup_serial(db, _imei(11))] == ["expected"]
        # The units the README names are still in stock at S01.
        for n in range(1, 6):
            [card] = lookup_serial(db, _imei(n))
            assert (card.state, card.store) == ("in_stock", "S01")
        assert [f for f in check_ledger(db) if f.violation] == []
    finally:
        db.dispose()
