"""Invoice and refund PDFs, from plain data.

The invoice number is printed as a Code 128 barcode so a return starts with one scan. Serials
appear under their line when the store's "show serial on invoice" setting was on when the PDF
was made; the caller decides and passes ``show_serials``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from serialpos.files import write_atomically
from serialpos.printing.common import para as _p  # literal text, shared with the lists


@dataclass(frozen=True)
class InvoiceLine:
    sku: str
    description: str
    quantity: int
    unit_price: Decimal
    tax_rate: Decimal  # percent
    total: Decimal  # including tax
    serials: tuple[str, ...] = ()
    #: A discount or price override on the line, in words ("Discount -10%: loyal customer").
    note: str = ""
    #: The last day of the unit's warranty (sale date plus the product's months); None when
    #: the product has no warranty period.
    warranty_until: date | None = None


@dataclass(frozen=True)
class InvoicePayment:
    method: str
    amount: Decimal


@dataclass(frozen=True)
class InvoiceDocument:
    """Everything printed on one invoice (or refund note)."""

    number: str
    issued_at: datetime
    store_code: str
    store_name: str
    lines: tuple[InvoiceLine, ...]
    subtotal: Decimal  # before tax
    tax: Decimal
    total: Decimal
    payments: tuple[InvoicePayment, ...] = ()
    change_due: Decimal = Decimal("0.00")
    show_serials: bool = True
    kind: str = "Invoice"  # or "Refund"
    order: str | None = None
    sale_type: str | None = None
    delivery_mode: str | None = None
    customer_name: str | None = None
    customer_phone: str | None = None
    customer_address: str | None = None
    refers_to: str | None = None  # the original invoice of a refund
    store_address: str | None = None
    store_tax_number: str | None = None
    cashier: str | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def _money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):,.2f}"


REFUND = "Refund"
#: White space between the invoice number's bars and its caption.
CAPTION_GAP = 2 * mm


def _signed(doc: InvoiceDocument) -> Decimal:
    """A refund note shows its amounts negative: money going back to the customer. The
    stored document keeps them positive and says ``kind`` (as the reports read it)."""
    return Decimal(-1) if doc.kind == REFUND else Decimal(1)


def _payment_label(doc: InvoiceDocument, payment: InvoicePayment) -> str:
    if doc.kind == REFUND:
        return f"Refunded ({payment.method.removeprefix('refund, ')})"
    return f"Paid ({payment.method})"


def _story(doc: InvoiceDocument) -> list[Any]:
    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=10)
    serial_style = ParagraphStyle("serial", parent=small, leftIndent=4 * mm, fontName="Courier")
    title = ParagraphStyle("title", parent=styles["Title"], alignment=0, fontSize=18)

    head_left = [_p(doc.store_name, title)]
    if doc.store_address:
        head_left.append(_p(doc.store_address, body))
    head_left.append(_p(f"Store {doc.store_code}", body))
    if doc.store_tax_number:
        head_left.append(_p(f"Tax number: {doc.store_tax_number}", body))
    sign = _signed(doc)
    heading = "Refund note" if doc.kind == REFUND else doc.kind
    head_right = [
        _p(
            f"{heading} {doc.number}",
            ParagraphStyle("no", parent=body, fontSize=12, fontName="Helvetica-Bold"),
        ),
        _p(f"Date: {doc.issued_at:%Y-%m-%d %H:%M}", body),
    ]
    if doc.order:
        head_right.append(_p(f"Order: {doc.order}", body))
    if doc.refers_to:
        head_right.append(_p(f"Refund of invoice {doc.refers_to}", body))
    if doc.cashier:
        head_right.append(_p(f"Cashier: {doc.cashier}", body))
    # The caption is a paragraph of its own under the bars, a clear gap between them:
    # ReportLab's own human-readable text is drawn touching the bars (issue 14).
    barcode = Code128(doc.number, barHeight=12 * mm, barWidth=0.3 * mm, humanReadable=False)
    caption = _p(doc.number, ParagraphStyle("caption", parent=small, fontName="Courier"))
    header = Table(
        [[head_left, [*head_right, Spacer(1, 3 * mm), barcode, Spacer(1, CAPTION_GAP), caption]]],
        colWidths=[95 * mm, 80 * mm],
    )
    header.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story: list[Any] = [header, Spacer(1, 6 * mm)]

    facts = []
    if doc.sale_type:
        facts.append(f"Sale type: {doc.sale_type}")
    if doc.delivery_mode:
        facts.append(f"Delivery: {doc.delivery_mode}")
    if facts:
        story.append(_p("    ".join(facts), body))
    customer = [x for x in (doc.customer_name, doc.customer_phone, doc.customer_address) if x]
    if customer:
        story.append(_p("Customer: " + " · ".join(customer), body))
    story.append(Spacer(1, 4 * mm))

    rows: list[list[Any]] = [["SKU", "Description", "Qty", "Unit price", "Tax %", "Total"]]
    for line in doc.lines:
        description: list[Any] = [_p(line.description, small)]
        if line.note:
            description.append(_p(line.note, small))
        if doc.show_serials and line.serials:
            description += [_p(f"S/N {s}", serial_style) for s in line.serials]
        if line.warranty_until is not None:
            description.append(_p(f"Warranty until {line.warranty_until.isoformat()}", small))
        rows.append(
            [
                _p(line.sku, small),
                description,
                str(line.quantity),
                _money(line.unit_price),
                f"{line.tax_rate.normalize():f}",
                _money(sign * line.total),
            ]
        )
    table = Table(
        rows, colWidths=[28 * mm, 77 * mm, 12 * mm, 22 * mm, 14 * mm, 22 * mm], repeatRows=1
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
            ]
        )
    )
    story += [table, Spacer(1, 4 * mm)]

    totals = [
        ["Subtotal", _money(sign * doc.subtotal)],
        ["Tax", _money(sign * doc.tax)],
        ["Refund total" if doc.kind == REFUND else "Total", _money(sign * doc.total)],
    ]
    totals += [[_payment_label(doc, p), _money(sign * p.amount)] for p in doc.payments]
    if doc.change_due:
        totals.append(["Change", _money(doc.change_due)])
    total_table = Table(totals, colWidths=[40 * mm, 30 * mm], hAlign="RIGHT")
    total_table.setStyle(
        TableStyle(
            [
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("FONTNAME", (0, 2), (-1, 2), "Helvetica-Bold"),
                ("LINEABOVE", (0, 2), (-1, 2), 0.8, colors.black),
            ]
        )
    )
    story.append(total_table)
    for note in doc.notes:
        story.append(_p(note, small))
    return story


def invoice_pdf(doc: InvoiceDocument) -> bytes:
    """The PDF as bytes. ReportLab stamps a creation date; ``invariant`` keeps it stable so
    the same invoice always gives the same bytes."""
    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"{doc.kind} {doc.number}",
        author=doc.store_name,
        invariant=1,
    )
    pdf.build(_story(doc))
    return buffer.getvalue()


def write_invoice(doc: InvoiceDocument, path: str | Path) -> Path:
    """Write the PDF atomically: a failure never leaves half a file under ``path``."""
    target = Path(path)
    write_atomically(target, invoice_pdf(doc))
    return target
