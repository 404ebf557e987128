"""Refund notes (issue 14): their own RF- number series, negative amounts and the word
"Refund" on the PDF (read back with pypdf), on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from pypdf import PdfReader

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import invoices, ledger, products, returns, settings
from serialpos.services.context import Actor
from serialpos.services.orders.checkout import fulfil
from serialpos.services.orders.host import NewLine, create_order
from serialpos.services.orders.reading import get_order


def _pdf_text(db: Database, number: str, path: Path) -> str:
    return "\n".join(
        p.extract_text() for p in PdfReader(invoices.write_invoice_pdf(db, number, path)).pages
    )


def test_refund_notes_have_their_own_series_and_print_negative(
    db: Database, admin: Actor, tmp_path: Path
) -> None:
    products.create_product(
        db, admin, sku="PH1", name="Phone", price=Decimal("799.00"), serial_mode="required"
    )
    with db.engine.begin() as conn:
        conn.execute(sa.update(repo.product_t).values(tax_rate=Decimal("20")))
    settings.set_setting(db, admin, "prices_include_tax", "on")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", serials=["X1", "X2", "X3"])
    sold, _ = create_order(db, admin, "S1", lines=[NewLine("PH1", "X1"), NewLine("PH1", "X2")])
    first = fulfil(db, admin, sold.order, settle_in="cash").invoice
    assert first == "INV-S1-000001"
    lines = {ln.serial: ln.line for ln in get_order(db, sold.order).lines}

    back = returns.return_units(db, admin, sold.order, lines=[lines["X1"]])
    assert back.refund_invoice == "RF-S1-000001" and back.amount == Decimal("799.00")
    again = returns.return_units(db, admin, sold.order, lines=[lines["X2"]])
    assert again.refund_invoice == "RF-S1-000002"
    other, _ = create_order(db, admin, "S1", lines=[NewLine("PH1", "X3")])
    # The invoice series went on without a gap: no invoice number was spent on a refund.
    assert fulfil(db, admin, other.order, settle_in="card").invoice == "INV-S1-000002"

    text = _pdf_text(db, back.refund_invoice, tmp_path / "rf.pdf")
    assert "Refund note RF-S1-000001" in text
    assert f"Refund of invoice {first}" in text
    for label, amount in (
        ("Subtotal", "-665.83"),
        ("Tax", "-133.17"),
        ("Refund total", "-799.00"),
        ("Refunded (cash)", "-799.00"),
    ):
        assert re.search(rf"{re.escape(label)}\s+{re.escape(amount)}", text), (label, text)
    assert "Paid" not in text  # the old "Paid (refund, cash)" with a positive amount

    sale = _pdf_text(db, first, tmp_path / "inv.pdf")
    assert "Invoice INV-S1-000001" in sale and "Refund" not in sale
    assert re.search(r"Total\s+1,598.00", sale) and "-" not in sale.split("Subtotal")[1]
