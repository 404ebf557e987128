"""The receipt printed at the counter after a sale, refund or on request, as words for the
screen's message; the one place the console asks for the terminal's receipt printer.

Runs on a screen's worker thread (it talks to the printer). Nothing here can undo a sale:
a printer that fails, or a ``[receipt_printer]`` table that cannot be used, becomes words
saying the receipt was not printed and how to print it again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from serialpos.db.engine import Database
    from serialpos.tui.app import SerialposApp

AGAIN = "F8/^G prints it again"


def counter_receipt(
    console: SerialposApp, db: Database, invoice: str, *, at_sale: bool, again: str = AGAIN
) -> str:
    """ "" without a receipt printer (the PDF path stays); else what the printer did."""
    from serialpos.config import ConfigError
    from serialpos.devices.receipt_printer import receipt_printer_settings
    from serialpos.services.receipts import receipt_at_counter

    try:
        printer = receipt_printer_settings(console.terminal_config())
    except ConfigError as exc:
        return f"; RECEIPT NOT PRINTED: {exc}"
    return receipt_at_counter(db, printer, invoice, at_sale=at_sale, again=again)
