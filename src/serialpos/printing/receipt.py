"""The 80 mm counter receipt as ESC/POS bytes (python-escpos), from the same plain data as the
invoice PDF.

Decisions:

* One document, two renderings: the receipt is made from :class:`InvoiceDocument`, so the
  serial lines follow the same "show serial on invoice" decision (``show_serials``), a refund
  note prints negative amounts under its ``RF-`` number, and the warranty end dates match.
* Every text comes through :func:`_plain`: control characters (a customer name holding ESC)
  are printed as ``\\x1b``, never sent as printer commands.
* The invoice number is a Code 128 barcode printed by the printer itself (code set B), its
  number in words under the bars, so a return starts with one scan.
* The drawer is kicked first, while the receipt prints, and only when the caller says so (a
  cash payment); a reprint never opens the drawer.
* python-escpos writes a line about its barcode renderer to stdout; that line is swallowed so
  ``--json`` output stays clean.
"""

from __future__ import annotations

import contextlib
import io
import textwrap
from decimal import Decimal

from serialpos.domain.text import visible
from serialpos.escpos_lib import Dummy
from serialpos.printing.invoice import REFUND, InvoiceDocument, InvoicePayment

DEFAULT_COLUMNS = 42


def _money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):,.2f}"


def _plain(text: str) -> str:
    return visible(text)


def _pair(left: str, right: str, columns: int) -> str:
    """``left`` and ``right`` on one line, right flush; a long ``left`` wraps above."""
    room = columns - len(right) - 1
    parts = textwrap.wrap(_plain(left), max(room, 1)) or [""]
    head, last = parts[:-1], parts[-1]
    return "\n".join([*head, f"{last:<{room}} {right}"])


def _wrapped(text: str, columns: int, indent: str = "") -> list[str]:
    return textwrap.wrap(
        _plain(text),
        columns,
        initial_indent=indent,
        subsequent_indent=indent,
        break_long_words=True,
    ) or [indent]


def _payment_label(doc: InvoiceDocument, payment: InvoicePayment) -> str:
    if doc.kind == REFUND:
        return f"Refunded ({payment.method.removeprefix('refund, ')})"
    return f"Paid ({payment.method})"


def receipt_lines(doc: InvoiceDocument, columns: int = DEFAULT_COLUMNS) -> list[str]:
    """The receipt's body as text lines (what the bytes print between header and barcode)."""
    sign = Decimal(-1) if doc.kind == REFUND else Decimal(1)
    out: list[str] = []
    heading = "Refund note" if doc.kind == REFUND else doc.kind
    out += _wrapped(f"{heading} {doc.number}", columns)
    out.append(f"Date: {doc.issued_at:%Y-%m-%d %H:%M}")
    if doc.order:
        out.append(f"Order: {_plain(doc.order)}")
    if doc.refers_to:
        out += _wrapped(f"Refund of invoice {doc.refers_to}", columns)
    if doc.cashier:
        out.append(f"Cashier: {_plain(doc.cashier)}")
    customer = [x for x in (doc.customer_name, doc.customer_phone) if x]
    if customer:
        out += _wrapped("Customer: " + ", ".join(customer), columns)
    out.append("-" * columns)
    for line in doc.lines:
        out += _wrapped(line.description, columns)
        out.append(
            _pair(
                f"  {line.quantity} x {_money(line.unit_price)}",
                _money(sign * line.total),
                columns,
            )
        )
        if line.note:  # a discount or price override, on the unit price's basis
            out += _wrapped(line.note, columns, "  ")
        if doc.show_serials:
            out += [s for serial in line.serials for s in _wrapped(f"S/N {serial}", columns, "  ")]
        if line.warranty_until is not None and doc.kind != REFUND:
            out.append(f"  Warranty until {line.warranty_until.isoformat()}")
    out.append("-" * columns)
    out.append(_pair("Subtotal", _money(sign * doc.subtotal), columns))
    out.append(_pair("Tax", _money(sign * doc.tax), columns))
    total = "REFUND TOTAL" if doc.kind == REFUND else "TOTAL"
    out.append(_pair(total, _money(sign * doc.total), columns))
    out += [_pair(_payment_label(doc, p), _money(sign * p.amount), columns) for p in doc.payments]
    if doc.change_due:
        out.append(_pair("Change", _money(doc.change_due), columns))
    out += [w for note in doc.notes for w in _wrapped(note, columns)]
    return "\n".join(out).split("\n")


def receipt_bytes(
    doc: InvoiceDocument,
    *,
    profile: str = "default",
    columns: int | None = None,
    open_drawer: bool = False,
    drawer_pin: int = 2,
    reprint: bool = False,
) -> bytes:
    """The whole receipt as the printer receives it: header, lines, totals, the invoice
    number as Code 128, the cut; the drawer kick first when ``open_drawer``."""
    printer = Dummy(profile=profile)
    width = columns or int(printer.profile.profile_data["fonts"]["0"]["columns"])
    printer.hw("INIT")
    if open_drawer:
        printer.cashdraw(drawer_pin)
    printer.set(align="center", bold=True, double_height=True, double_width=True)
    printer.textln(_plain(doc.store_name))
    printer.set(align="center", normal_textsize=True)
    for text in (doc.store_address or "").splitlines():
        for part in _wrapped(text, width):
            printer.textln(part)
    if doc.store_tax_number:
        printer.textln(f"Tax no. {_plain(doc.store_tax_number)}")
    printer.textln(f"Store {_plain(doc.store_code)}")
    if reprint:
        printer.set(align="center", bold=True)
        printer.textln("** REPRINT **")
    printer.set(align="left", bold=False, normal_textsize=True)
    for text in receipt_lines(doc, width):
        printer.textln(text)
    printer.ln()
    with contextlib.redirect_stdout(io.StringIO()):
        printer.barcode(
            "{B" + doc.number, "CODE128", height=64, width=2, pos="BELOW", function_type="B"
        )
    printer.set(align="left")
    printer.cut()
    return bytes(printer.output)


def drawer_kick_bytes(drawer_pin: int = 2) -> bytes:
    """The drawer kick alone, for a printer that cannot print the receipt (out of paper)."""
    printer = Dummy()
    printer.cashdraw(drawer_pin)
    return bytes(printer.output)
