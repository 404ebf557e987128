"""The invoice PDF (read back with pypdf) shows the store's address and tax number, the cashier,
each unit's warranty end date where its product has a warranty period, and the invoice number's
caption clear of its bars; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pypdf import PdfReader
from test_orders import IMEI, setup_catalogue

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.errors import BadValue
from serialpos.domain.warranty import add_months
from serialpos.services import orders, settings, store_details, users
from serialpos.services.context import Actor
from serialpos.services.invoices import invoice_document, write_invoice_pdf


def _sale(db: Database, admin: Actor) -> tuple[str, Actor]:
    setup_catalogue(db, admin)
    with db.engine.begin() as conn:
        conn.execute(
            sa.update(repo.product_t)
            .where(repo.product_t.c.sku == "PH1")
            .values(warranty_months=24)
        )
    users.add_user(db, admin, "sam", "cashier", "4321")
    sam = users.actor_for(db, "sam", "till-1")
    order = orders.open_order(db, sam, "S1").order
    orders.add_item(db, sam, order, sku="PH1", serial=IMEI[0])
    orders.add_item(db, sam, order, sku="CB1")
    return orders.fulfil(db, sam, order, settle_in="card").invoice, sam


def test_invoice_shows_store_details_cashier_and_warranty(
    db: Database, admin: Actor, tmp_path: Path
) -> None:
    invoice, _ = _sale(db, admin)
    store_details.set_store_detail(db, admin, "store_address", "1 High Street, Leeds LS1 4AB", "S1")
    store_details.set_store_detail(db, admin, "tax_number", "GB 123 4567 89", "S1")

    doc = invoice_document(db, invoice)
    ends = add_months(date.today(), 24)  # the sale was issued today (local date)
    assert [(ln.sku, ln.warranty_until) for ln in doc.lines] == [("PH1", ends), ("CB1", None)]
    assert (doc.cashier, doc.store_address, doc.store_tax_number) == (
        "sam",
        "1 High Street, Leeds LS1 4AB",
        "GB 123 4567 89",
    )
    text = "\n".join(
        p.extract_text()
        for p in PdfReader(write_invoice_pdf(db, invoice, tmp_path / "i.pdf")).pages
    )
    for expected in (
        "1 High Street, Leeds LS1 4AB",
        "Tax number: GB 123 4567 89",
        "Cashier: sam",
        f"Warranty until {ends.isoformat()}",
    ):
        assert expected in text, (expected, text)
    assert text.count("Warranty until") == 1  # the cable has no warranty period


def test_store_details_refuse_bad_text_and_change_nothing(db: Database, admin: Actor) -> None:
    store_details.set_store_detail(db, admin, "tax_number", "GB1", "S1")
    for value, said in (
        ("", "blank"),
        ("GB\x1b[2J", "control character"),
        ("9" * 41, "at most 40"),
    ):
        with pytest.raises(BadValue, match=said):
            store_details.set_store_detail(db, admin, "tax_number", value, "S1")
    assert store_details.get_store_details(db, "S1").tax_number == "GB1"
    assert store_details.get_store_details(db, "S2").tax_number is None
    # Switches and details live side by side; the switches read as before.
    assert settings.get_settings(db, "S1").show_serial_on_invoice is True
    assert settings.get_settings(db, "S1").require_shift is False


def _bars_and_caption(path: Path, number: str) -> tuple[list[tuple[float, float]], list[float]]:
    """The barcode's bars as (bottom, top) and the caption's baseline, in page coordinates."""
    bars: list[tuple[float, float]] = []
    captions: list[float] = []
    page = PdfReader(path).pages[0]

    def before(op: bytes, args: list[Any], cm: list[float], tm: list[float]) -> None:
        if op == b"re":
            _x, y, w, h = (float(a) for a in args)
            if 0 < w < 3 and h > 20:  # a bar: thin and tall
                bottom = cm[3] * y + cm[5]
                bars.append((bottom, bottom + cm[3] * h))

    def text(t: str, cm: list[float], tm: list[float], font: Any, size: float) -> None:
        if t.strip() == number:
            captions.append(cm[3] * tm[5] + cm[5])

    page.extract_text(visitor_operand_before=before, visitor_text=text)
    return bars, captions


def test_the_barcode_caption_is_clear_of_the_bars(
    db: Database, admin: Actor, tmp_path: Path
) -> None:
    invoice, _ = _sale(db, admin)
    bars, captions = _bars_and_caption(write_invoice_pdf(db, invoice, tmp_path / "c.pdf"), invoice)
    assert len(bars) > 20 and len(captions) == 1
    lowest = min(bottom for bottom, _ in bars)
    caption_top = captions[0] + 8 * 0.75  # an 8 pt caption's capitals stand about 6 pt high
    assert lowest - caption_top >= 4, (lowest, captions)  # at least 4 pt (1.4 mm) of white
