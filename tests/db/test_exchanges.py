"""Exchanges on SQLite and PostgreSQL: a unit returned and its replacement sold on one
document; the refund carried as credit so only the difference changes hands; each unit its own
event; both serials on the exchange PDF."""

from __future__ import annotations

from decimal import Decimal as D
from pathlib import Path

import pytest
from pypdf import PdfReader
from test_orders import IMEI, clean, events_of, setup_catalogue, state_of

from serialpos.db.engine import Database
from serialpos.domain.errors import DomainError
from serialpos.domain.orders import LineStatus
from serialpos.services import exchanges, invoices
from serialpos.services.context import Actor
from serialpos.services.orders.checkout import fulfil
from serialpos.services.orders.header import open_order
from serialpos.services.orders.lines import add_item
from serialpos.services.orders.reading import get_order, list_orders


def _sold_phone(db: Database, admin: Actor) -> tuple[str, int]:
    order = open_order(db, admin, "S1").order
    line = add_item(db, admin, order, sku="PH1", serial=IMEI[0]).line
    fulfil(db, admin, order, settle_in="card")
    return order, line


def test_exchange_for_a_dearer_unit_pays_the_difference(
    db: Database, admin: Actor, tmp_path: Path
) -> None:
    setup_catalogue(db, admin)
    order, line = _sold_phone(db, admin)  # 499.99 + 20% = 599.99
    ex = exchanges.start_exchange(db, admin, order, lines=[line])
    assert (ex.refund_note, ex.credit, ex.units) == (
        "RF-S1-000001",
        D("599.99"),
        ((IMEI[0], "in_stock"),),
    )
    assert ex.returned.line_by_id(line).status is LineStatus.RETURNED
    assert ex.returned.payments[-1].method == "exchange" and ex.returned.totals.paid == D("0.00")
    assert ex.sale.exchange_of == "RF-S1-000001" and ex.sale.totals.paid == D("599.99")

    add_item(db, admin, ex.sale.order, sku="PH1", serial=IMEI[1])
    add_item(db, admin, ex.sale.order, sku="CB1")
    view = get_order(db, ex.sale.order)
    assert view.totals.due == D("9.50")  # only the difference
    done = fulfil(db, admin, ex.sale.order, payments=[("cash", D("10.00"))])
    assert done.change_due == D("0.50")
    assert state_of(db, IMEI[0]) == ("in_stock", "S1")
    assert state_of(db, IMEI[1]) == ("sold", "S1")
    assert events_of(db, IMEI[0])[-1] == ("return", "order", "1")
    assert events_of(db, IMEI[1])[-1][0] == "sell"

    doc = invoices.invoice_document(db, done.invoice)
    assert doc.kind == "Exchange"
    assert [(ln.sku, ln.total, ln.serials) for ln in doc.lines] == [
        ("PH1", D("-599.99"), (IMEI[0],)),
        ("PH1", D("599.99"), (IMEI[1],)),
        ("CB1", D("9.50"), ()),
    ]
    assert (doc.subtotal, doc.tax, doc.total) == (D("9.50"), D("0.00"), D("9.50"))
    assert [(p.method, p.amount) for p in doc.payments] == [("cash", D("10.00"))]
    pdf = invoices.write_invoice_pdf(db, done.invoice, tmp_path / "x.pdf")
    text = "".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert IMEI[0] in text and IMEI[1] in text and "Exchange" in text and "RF-S1-000001" in text
    clean(db)


def test_exchange_for_a_cheaper_item_gives_change(db: Database, admin: Actor) -> None:
    setup_catalogue(db, admin)
    order, line = _sold_phone(db, admin)
    ex = exchanges.start_exchange(db, admin, order, lines=[line])
    add_item(db, admin, ex.sale.order, sku="CB1")
    done = fulfil(db, admin, ex.sale.order)
    assert done.change_due == D("590.49")  # the customer gets only the difference
    assert state_of(db, IMEI[0]) == ("in_stock", "S1")
    clean(db)


def test_a_refused_exchange_changes_nothing(db: Database, admin: Actor) -> None:
    setup_catalogue(db, admin)
    order, line = _sold_phone(db, admin)
    before = get_order(db, order)
    for kwargs, code in (
        ({"lines": [line], "store": "NOPE"}, "unknown_store"),
        ({"lines": [line + 99]}, "unknown_line"),
        ({"lines": []}, "bad_request"),
    ):
        with pytest.raises(DomainError) as refused:
            exchanges.start_exchange(db, admin, order, **kwargs)  # type: ignore[arg-type]
        assert refused.value.code == code
    assert get_order(db, order) == before
    assert len(list_orders(db, "S1")) == 1
    assert state_of(db, IMEI[0]) == ("sold", "S1")
