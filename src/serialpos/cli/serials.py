"""``serialpos serial``: the whole life of one unit."""

from __future__ import annotations

import typer

from serialpos.cli.context import state
from serialpos.cli.output import EXIT_REFUSED, fail, print_json, print_table, say

app = typer.Typer(help="Look up serial units.", no_args_is_help=True)


@app.command("show")
def show(
    ctx: typer.Context,
    serial: str,
    sku: str | None = typer.Option(None, "--sku", help="Only the unit of this product."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """State, store, product and every event of the unit(s) with this serial."""
    from serialpos.domain.text import clip
    from serialpos.services.lookup import lookup_serial

    cards = lookup_serial(state(ctx).database(), serial, sku)
    if json_out:
        print_json([
            {"sku": c.sku, "serial": c.serial, "state": c.state, "store": c.store,
             "product": c.product_name,
             "package": c.package,
             "components": [{"sku": sku, "name": name, "quantity": qty}
                            for sku, name, qty in c.components],
             "sale": None if c.sale is None else vars(c.sale),
             "events": [{k: v for k, v in vars(e).items() if k not in ("sku", "serial")}
                        for e in c.events]}
            for c in cards
        ])
        if not cards:
            raise typer.Exit(EXIT_REFUSED)
        return
    if not cards:
        fail(f"no unit with serial '{clip(serial.strip())}'"
             + (f" for {sku}" if sku else ""))
    for card in cards:
        say(f"{card.serial} — {card.sku} {card.product_name}: {card.state.replace('_', ' ')} "
            f"at {card.store}")
        if card.sale is not None:
            sale = card.sale
            words = f"  order {sale.order} line {sale.line} ({sale.status})"
            words += f", invoice {sale.invoice}" if sale.invoice else ""
            if sale.package_sku:
                words += f", in package {sale.package_sku} {sale.package_name or ''}"
            say(words.rstrip())
        if card.components:
            say(f"  {card.package} package of " + ", ".join(
                f"{qty}x {sku} {name}" for sku, name, qty in card.components))
        print_table(
            ["when (UTC)", "action", "store", "from", "to", "user", "terminal", "document",
             "reason"],
            [(e.at.strftime("%Y-%m-%d %H:%M:%S"), e.action, e.store, e.from_state or "",
              e.to_state or "", e.user, e.terminal,
              " ".join(x for x in (e.document_type, e.document_id, e.document_line) if x),
              e.reason or "") for e in card.events],
            empty="no events",
        )
