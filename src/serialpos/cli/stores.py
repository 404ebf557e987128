"""``serialpos store`` and ``serialpos stock``."""

from __future__ import annotations

import typer

from serialpos.cli.context import refuse_on_terminal, state
from serialpos.cli.output import print_json, print_table, say

app = typer.Typer(help="Stores of the chain.", no_args_is_help=True)


@app.command("add")
def add(ctx: typer.Context, code: str, name: str) -> None:
    """Add a store (admin)."""
    from serialpos.services.stores import add_store

    st = state(ctx)
    refuse_on_terminal(st, "store add")
    store = add_store(st.database(), st.require_actor(), code, name)
    say(f"store {store.code} ({store.name}) added")


@app.command("list")
def list_(ctx: typer.Context, json_out: bool = typer.Option(False, "--json")) -> None:
    """List the stores."""
    from serialpos.services.stores import list_stores

    found = list_stores(state(ctx).database())
    if json_out:
        print_json(found)
    else:
        print_table(["code", "name"], [(s.code, s.name) for s in found], empty="no stores yet")


def stock(
    ctx: typer.Context,
    store: str | None = typer.Option(None, "--store", help="Only this store."),
    sku: str | None = typer.Option(None, "--sku", help="Only this product."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """On-hand quantity per product and store, with the in-stock serial units beside it."""
    from serialpos.services.stock import stock_levels

    lines = stock_levels(state(ctx).database(), store, sku)
    if json_out:
        print_json(lines)
        return
    print_table(
        ["store", "sku", "name", "serials", "quantity", "units in stock"],
        [
            (
                x.store,
                x.sku,
                x.name,
                x.serial_mode,
                x.quantity,
                "" if x.serial_mode == "disabled" else x.units_in_stock,
            )
            for x in lines
        ],
        empty="no stock recorded",
    )
