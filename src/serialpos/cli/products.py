"""``serialpos products``: show, search and bulk-edit the catalogue."""

from __future__ import annotations

import typer

from serialpos.cli.context import state
from serialpos.cli.output import print_json, print_table, say

app = typer.Typer(help="The product catalogue.", no_args_is_help=True)


def _rows(found: list) -> list[tuple[object, ...]]:  # type: ignore[type-arg]
    return [(p.sku, p.name, p.price, p.serial_mode.value, p.serial_format or "",
             " ".join(p.barcodes), p.bin or "") for p in found]


COLUMNS = ["sku", "name", "price", "serials", "format", "barcodes", "bin"]


@app.command("show")
def show(
    ctx: typer.Context,
    query: str = typer.Argument("", help="SKU, part of a name, or a barcode; empty lists all."),
    limit: int = typer.Option(200, "--limit", min=1, max=100_000),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Show products: one SKU exactly, or every product matching the text."""
    from serialpos.services.products import search_products

    found = search_products(state(ctx).database(), query, limit)
    exact = [p for p in found if p.sku == query.strip()]
    found = exact or found
    if json_out:
        print_json(found)
    else:
        print_table(COLUMNS, _rows(found), empty="no product matches")


@app.command("set")
def set_(
    ctx: typer.Context,
    skus: list[str] = typer.Argument(..., help="One or more SKUs."),
    serial_mode: str = typer.Option(..., "--serial-mode", help="required, optional or disabled"),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Change the serial mode of several products at once (managers and admins)."""
    from serialpos.services.products import set_serial_mode

    st = state(ctx)
    changed = set_serial_mode(st.database(), st.require_actor(), skus, serial_mode)
    if json_out:
        print_json(changed)
    else:
        say(f"{len(set(skus))} product(s) now have serial mode {serial_mode.strip().lower()}")
