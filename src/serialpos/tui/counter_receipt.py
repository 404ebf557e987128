"""The receipt printed at the counter after a sale, refund or on request, as words for the
screen's message; the one place the console asks for the terminal's receipt printer.

Runs on a screen's worker thread (it talks to the printer). Nothing here can undo a sale:
a printer that fails, or a ``[receipt_printer]`` table that cannot be used, becomes words
saying the receipt was not printed and how to print it again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from serialpos.db.engine import Database
    from serialpos.tui.app import SerialposApp

AGAIN = "F8/^G prints it again"


def counter_receipt(
    console: SerialposApp, db: Database, invoice: str, *, at_sale: bool, again: str = AGAIN
) -> str:
    """ "" without a receipt printer (the PDF path stays); else what the printer did. On a
    store terminal a sale is first sent to central (a short wait at most): the receipt
    follows central's answer, or the timeout (terminal/online.py)."""
    from serialpos.config import ConfigError
    from serialpos.devices.receipt_printer import receipt_printer_settings
    from serialpos.services.receipts import receipt_at_counter

    said = _central_answer(console, db, invoice) if at_sale else ""
    try:
        printer = receipt_printer_settings(console.terminal_config())
    except ConfigError as exc:
        return f"{said}; RECEIPT NOT PRINTED: {exc}"
    return said + receipt_at_counter(db, printer, invoice, at_sale=at_sale, again=again)


def _central_answer(console: SerialposApp, db: Database, invoice: str) -> str:
    """ "" off a store terminal; else what central said of the sale, in words. A conflict
    (the unit was sold at another till meanwhile) rings the bell for the cashier."""
    from serialpos.services import journal_sink

    if not journal_sink.on_terminal(db):
        return ""
    chain = console.chain()
    session = console.session
    if chain is None or session is None:
        return ""
    from serialpos.terminal.link import read_state
    from serialpos.terminal.online import confirm_sale
    from serialpos.tui.messages import LinkChanged

    answer = confirm_sale(db, chain, invoice, user=session.user)
    console.post_message(LinkChanged(read_state(db, answer.message)))
    if answer.state in ("conflict", "refused"):
        console.call_from_thread(console.bell)
    return f"; {answer.message}"


def refund_receipt(console: SerialposApp, db: Database, done: dict[str, Any]) -> str:
    """After a conflict resolved by ``refund`` at this till (``done``: the conflict after):
    the customer's refund document, the till's cancelled invoice with the tender and its
    refund (db/refund_sql.py), printed as a counter's refund is and the drawer opened for
    cash; words for the message ("" for any other resolution, or before the till took the
    sale: the next sync round takes it, and it is printed from the order then)."""
    from serialpos.config import ConfigError
    from serialpos.devices.receipt_printer import receipt_printer_settings
    from serialpos.services.invoices import cancelled_invoice_of
    from serialpos.services.receipts import receipt_at_counter
    from serialpos.terminal.resolved_here import refund_document

    order = refund_document(done)
    invoice = None if order is None else cancelled_invoice_of(db, order)
    if invoice is None:
        return ""
    try:
        printer = receipt_printer_settings(console.terminal_config())
    except ConfigError as exc:
        return f"; RECEIPT NOT PRINTED: {exc}"
    again = f"serialpos receipt print {order} prints it again"
    return f"; refund {invoice}" + receipt_at_counter(
        db, printer, invoice, at_sale=True, again=again
    )
