"""Receipts from recorded sales on SQLite and PostgreSQL, sent to a TCP printer stand-in and
decoded back: the lines and serials, the Code 128 invoice number, the drawer kicked only for
cash and never on a reprint; an unplugged printer mid-receipt leaves the sale recorded and says
how to reprint it from the order (found by order number in any case)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from test_orders import IMEI, setup_catalogue

from escpos_standin import PAPER_OUT, TcpPrinter, decode
from serialpos.db.engine import Database
from serialpos.devices.receipt_printer import PrinterFailed, ReceiptPrinterSettings
from serialpos.services import orders, returns, settings, store_details
from serialpos.services.context import Actor
from serialpos.services.receipts import NoReceipt, invoice_for, print_receipt, receipt_at_counter


def _printer(port: int) -> ReceiptPrinterSettings:
    return ReceiptPrinterSettings("network", host="127.0.0.1", port=port, timeout=2)


def _sell(db: Database, admin: Actor, method: str, serial: str) -> tuple[str, str]:
    order, _ = orders.create_order(
        db, admin, "S1", lines=[orders.NewLine("PH1", serial), orders.NewLine("CB1")]
    )
    if method == "cash":
        done = orders.fulfil(db, admin, order.order, payments=[("cash", Decimal("1000.00"))])
    else:
        done = orders.fulfil(db, admin, order.order, settle_in=method)
    return order.order, done.invoice


def test_a_cash_sale_prints_and_opens_the_drawer_a_card_sale_does_not(
    db: Database, admin: Actor
) -> None:
    setup_catalogue(db, admin)
    store_details.set_store_detail(db, admin, "store_address", "1 High Street", "S1")
    cash_order, cash_invoice = _sell(db, admin, "cash", IMEI[0])
    _, card_invoice = _sell(db, admin, "card", IMEI[1])

    with TcpPrinter() as printer:
        done = print_receipt(db, _printer(printer.port), cash_invoice, at_sale=True)
        got = decode(bytes(printer.received))
    assert (done.invoice, done.drawer_opened) == (cash_invoice, True)
    assert got.drawer_kicks == [(0, 50, 50)]
    assert got.barcodes == [(73, b"{B" + cash_invoice.encode())]
    for expected in ("Main Street", "1 High Street", f"Invoice {cash_invoice}", "Cashier: ada"):
        assert expected in got.lines, (expected, got.lines)
    assert f"  S/N {IMEI[0]}" in got.lines and "Phone" in got.lines
    assert any(line.startswith("Paid (cash)") for line in got.lines)
    assert any(line.startswith("Change") for line in got.lines)

    with TcpPrinter() as printer:
        card = print_receipt(db, _printer(printer.port), card_invoice, at_sale=True)
        got = decode(bytes(printer.received))
    assert card.drawer_opened is False and got.drawer_kicks == []
    assert got.barcodes == [(73, b"{B" + card_invoice.encode())]

    # The serial lines follow the invoice setting, on a reprint too; a reprint never opens
    # the drawer and is found by its order number in lower case.
    settings.set_setting(db, admin, "show_serial_on_invoice", "off", "S1")
    with TcpPrinter() as printer:
        again = print_receipt(db, _printer(printer.port), cash_order.lower(), at_sale=False)
        got = decode(bytes(printer.received))
    assert again.invoice == cash_invoice and again.drawer_opened is False
    assert got.drawer_kicks == [] and "** REPRINT **" in got.lines
    assert not any(IMEI[0] in line for line in got.lines)


def test_a_cash_refund_opens_the_drawer_and_prints_negative(db: Database, admin: Actor) -> None:
    setup_catalogue(db, admin)
    order, _ = _sell(db, admin, "cash", IMEI[0])
    lines = {ln.serial: ln.line for ln in orders.get_order(db, order).lines}
    back = returns.return_units(db, admin, order, lines=[lines[IMEI[0]]])
    assert invoice_for(db, order) == back.refund_invoice  # the order's latest document
    with TcpPrinter() as printer:
        done = print_receipt(db, _printer(printer.port), order, at_sale=True)
        got = decode(bytes(printer.received))
    assert done.drawer_opened is True and got.drawer_kicks
    assert f"Refund note {back.refund_invoice}" in got.lines
    assert any(
        ln.startswith("REFUND TOTAL") and ln.endswith(f"-{back.amount:,.2f}") for ln in got.lines
    )


def test_unplugged_mid_receipt_keeps_the_sale_and_the_reprint_works(
    db: Database, admin: Actor
) -> None:
    setup_catalogue(db, admin)
    order, invoice = _sell(db, admin, "cash", IMEI[0])
    # The cable is pulled after 40 bytes.
    with TcpPrinter(drop_after=40) as printer, pytest.raises(PrinterFailed) as failed:
        print_receipt(db, _printer(printer.port), invoice, at_sale=True)
    message = failed.value.message
    assert "mid-receipt" in message and f"The sale is recorded ({invoice})" in message
    assert f"serialpos receipt print {order}" in message
    assert orders.get_order(db, order).status == "fulfilled"

    with TcpPrinter() as printer:
        print_receipt(db, _printer(printer.port), order, at_sale=False)
        got = decode(bytes(printer.received))
    assert got.barcodes == [(73, b"{B" + invoice.encode())] and got.cuts == 1


def test_an_order_without_an_invoice_has_no_receipt(db: Database, admin: Actor) -> None:
    setup_catalogue(db, admin)
    open_order = orders.open_order(db, admin, "S1").order
    with pytest.raises(NoReceipt, match="no invoice or order"):
        invoice_for(db, open_order)
    with pytest.raises(NoReceipt, match="'INV-S1-999999'"):
        invoice_for(db, "INV-S1-999999")


def test_the_counter_note_says_what_the_printer_did(db: Database, admin: Actor) -> None:
    setup_catalogue(db, admin)
    _, invoice = _sell(db, admin, "cash", IMEI[0])
    again = "F8/^G prints it again"
    assert receipt_at_counter(db, None, invoice, at_sale=True, again=again) == ""
    with TcpPrinter() as printer:
        said = receipt_at_counter(db, _printer(printer.port), invoice, at_sale=True, again=again)
    assert said == "; receipt printed; drawer open"
    with TcpPrinter(paper=PAPER_OUT) as printer:
        said = receipt_at_counter(db, _printer(printer.port), invoice, at_sale=True, again=again)
    got = decode(bytes(printer.received))  # read once closed: every byte sent has arrived
    # Out of paper: nothing printed, but the drawer opens for the change.
    assert got.lines == [] and got.drawer_kicks == [(0, 50, 50)]
    assert said == (
        f"; RECEIPT NOT PRINTED: the receipt printer at 127.0.0.1:{printer.port} is out of "
        "paper; the cash drawer was opened; the sale is recorded; F8/^G prints it again"
    )
    with TcpPrinter(paper=PAPER_OUT) as printer:  # a reprint never opens the drawer
        receipt_at_counter(db, _printer(printer.port), invoice, at_sale=False, again=again)
    assert decode(bytes(printer.received)).drawer_kicks == []
