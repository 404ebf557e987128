"""Counter receipts on the terminal's ESC/POS printer, and the cash drawer.

Decisions:

* A receipt is printed after the sale's transaction has committed, never inside it: a printer
  that is unplugged or out of paper cannot undo a sale. Its failure is a
  :class:`~serialpos.devices.receipt_printer.PrinterFailed` whose sentence says the sale is
  recorded and how to print the receipt again.
* The receipt is made from the recorded invoice (:func:`services.invoices.invoice_document`),
  so a reprint prints what was sold, under today's "show serial on invoice" setting, exactly
  as the invoice PDF does.
* The drawer opens when cash moved on that document (a cash payment, or a refund paid in
  cash), and only when the receipt is printed at the sale: a reprint never opens it.
* A reprint is asked for by order or invoice number (any case): an order's receipt is its
  latest invoice or refund note.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_repo as orepo
from serialpos.db.engine import Database
from serialpos.devices.receipt_printer import (
    PrinterFailed,
    ReceiptPrinterSettings,
    send_receipt,
)
from serialpos.domain.errors import DomainError
from serialpos.domain.shifts import ShiftReport
from serialpos.domain.text import clip
from serialpos.printing.invoice import InvoiceDocument
from serialpos.printing.receipt import drawer_kick_bytes, receipt_bytes
from serialpos.printing.shift_report import shift_report_bytes
from serialpos.services.invoices import invoice_document


class NoReceipt(DomainError):
    code = "unknown_invoice"


@dataclass(frozen=True)
class ReceiptPrinted:
    invoice: str
    drawer_opened: bool
    printer: str


def invoice_for(db: Database, number: str) -> str:
    """The invoice number a receipt is printed for: ``number`` itself when it is an invoice or
    refund note, else the latest document of order ``number`` (case ignored either way)."""
    wanted = number.strip().upper()

    def work(conn: Connection) -> str:
        i, o = orepo.invoice_t.c, orepo.order_t.c
        found = conn.execute(sa.select(i.number).where(sa.func.upper(i.number) == wanted)).scalar()
        if found is not None:
            return str(found)
        latest = conn.execute(
            sa.select(i.number)
            .join(orepo.order_t, o.id == i.order_id)
            .where(sa.func.upper(o.number) == wanted)
            .order_by(i.id.desc())
            .limit(1)
        ).scalar()
        if latest is None:
            raise NoReceipt(
                f"there is no invoice or order '{clip(number.strip())}' with an invoice "
                "to print (an order has one once it is paid and handed over)"
            )
        return str(latest)

    return db.read(work)


def paid_in_cash(doc: InvoiceDocument) -> bool:
    return any(p.method.removeprefix("refund, ") == "cash" for p in doc.payments)


def print_receipt(
    db: Database,
    printer: ReceiptPrinterSettings,
    number: str,
    *,
    at_sale: bool,
) -> ReceiptPrinted:
    """Print the receipt of invoice (or order) ``number``. ``at_sale``: printed as the sale
    completes, so the drawer opens when cash moved; False for a reprint (marked as such)."""
    invoice = invoice_for(db, number)
    doc = invoice_document(db, invoice)
    drawer = at_sale and paid_in_cash(doc)
    data = receipt_bytes(
        doc,
        profile=printer.profile,
        columns=printer.columns,
        open_drawer=drawer,
        drawer_pin=printer.drawer_pin,
        reprint=not at_sale,
    )
    try:
        send_receipt(
            printer, data, drawer_kick=drawer_kick_bytes(printer.drawer_pin) if drawer else b""
        )
    except PrinterFailed as exc:
        order = doc.order or invoice
        raise PrinterFailed(
            f"{exc.message}. The sale is recorded ({invoice}); print the receipt again "
            f"once the printer is ready: serialpos receipt print {order}"
        ) from exc
    return ReceiptPrinted(invoice, drawer, printer.where)


def print_shift_report(printer: ReceiptPrinterSettings, report: ShiftReport) -> None:
    """An X or Z report on the receipt printer (the shift is already recorded)."""
    send_receipt(
        printer, shift_report_bytes(report, profile=printer.profile, columns=printer.columns)
    )


def receipt_at_counter(
    db: Database,
    printer: ReceiptPrinterSettings | None,
    invoice: str,
    *,
    at_sale: bool,
    again: str,
) -> str:
    """The counter's receipt after a sale or refund, or on request, as words to add to the
    screen's message: "" when the terminal has no receipt printer (the PDF path stays), what
    was printed, or why not and ``again`` (how to print it again there). Never raises for the
    printer: the sale is recorded whatever the printer does."""
    if printer is None:
        return ""
    try:
        done = print_receipt(db, printer, invoice, at_sale=at_sale)
    except PrinterFailed as exc:
        cause = exc.__cause__ if isinstance(exc.__cause__, PrinterFailed) else exc
        return f"; RECEIPT NOT PRINTED: {cause.message}; the sale is recorded; {again}"
    return "; receipt printed" + ("; drawer open" if done.drawer_opened else "")
