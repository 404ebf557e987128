"""``serialpos receipt``: print (or reprint) a counter receipt on the terminal's ESC/POS
printer."""

from __future__ import annotations

import typer

from serialpos.cli.context import state
from serialpos.cli.output import fail, print_json, say

app = typer.Typer(help="Counter receipts on the receipt printer.", no_args_is_help=True)


@app.command("print")
def print_(
    ctx: typer.Context,
    number: str = typer.Argument(
        ..., metavar="ORDER_OR_INVOICE", help="An order (SO-…) or invoice (INV-…/RF-…) number."
    ),
    open_drawer: bool = typer.Option(
        False,
        "--open-drawer",
        help="Print as at the sale: open the cash drawer when the document was paid in cash.",
    ),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Print the receipt of an order's latest invoice or refund note (marked REPRINT unless
    --open-drawer), on the printer under [receipt_printer] in the terminal config."""
    from serialpos.devices.receipt_printer import receipt_printer_settings
    from serialpos.services.receipts import print_receipt

    cli = state(ctx)
    printer = receipt_printer_settings(cli.config())
    if printer is None:
        where = cli.config().path or "the terminal config"
        fail(
            f"no receipt printer is configured: add a [receipt_printer] table to {where} "
            "(or use: serialpos invoice INVOICE_NO --out FILE.pdf)"
        )
    cli.require_actor()
    done = print_receipt(cli.database(), printer, number, at_sale=open_drawer)
    if json_out:
        print_json(done)
        return
    drawer = "; cash drawer opened" if done.drawer_opened else ""
    say(f"receipt {done.invoice} printed on {done.printer}{drawer}")
