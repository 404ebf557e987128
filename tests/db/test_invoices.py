"""Invoice PDFs read back: the number, the lines, and serials printed only while the store's
"show serial on invoice" setting is on when the PDF is made."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from test_orders import IMEI, setup_catalogue

from serialpos.db.engine import Database
from serialpos.domain.errors import DomainError
from serialpos.services import settings
from serialpos.services.context import Actor
from serialpos.services.invoices import invoice_document, write_invoice_pdf
from serialpos.services.orders.checkout import fulfil
from serialpos.services.orders.header import open_order
from serialpos.services.orders.lines import add_item
from serialpos.services.orders.views import Customer


def _text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_invoice_pdf_follows_the_setting_in_force(
    db: Database, admin: Actor, tmp_path: Path
) -> None:
    setup_catalogue(db, admin)
    order = open_order(
        db,
        admin,
        "S1",
        type="special_order",
        delivery="pickup",
        customer=Customer("Ann Lee", "555-1", None),
    ).order
    add_item(db, admin, order, sku="PH1", serial=IMEI[0])
    add_item(db, admin, order, sku="CB1")
    done = fulfil(db, admin, order, payments=[("cash", Decimal("620.00"))])

    doc = invoice_document(db, done.invoice)
    assert (doc.kind, doc.order, doc.sale_type, doc.delivery_mode) == (
        "Invoice",
        order,
        "Special Order",
        "Pickup Later",
    )
    assert doc.total == Decimal("609.49") and doc.change_due == Decimal("10.51")
    assert [(p.method, p.amount) for p in doc.payments] == [("cash", Decimal("620.00"))]

    shown = write_invoice_pdf(db, done.invoice, tmp_path / "shown.pdf")
    text = _text(shown)
    assert done.invoice in text and "Main Street" in text and "Ann Lee" in text
    assert IMEI[0] in text and "609.49" in text

    settings.set_setting(db, admin, "show_serial_on_invoice", "false", "S1")
    hidden = _text(write_invoice_pdf(db, done.invoice, tmp_path / "hidden.pdf"))
    assert done.invoice in hidden and "PH1" in hidden
    assert IMEI[0] not in hidden

    settings.set_setting(db, admin, "show_serial_on_invoice", "true", "S1")
    assert IMEI[0] in _text(write_invoice_pdf(db, done.invoice, tmp_path / "again.pdf"))


def test_unknown_invoice(db: Database) -> None:
    with pytest.raises(DomainError) as none:
        invoice_document(db, "INV-S1-999999")
    assert none.value.code == "unknown_invoice"
