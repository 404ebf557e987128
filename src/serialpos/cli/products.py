"""``serialpos products``: show, search and bulk-edit the catalogue; import and export it as
CSV (product feed or mass upload in, mass upload out)."""

from __future__ import annotations

import typer

from serialpos.cli.context import refuse_on_terminal, state
from serialpos.cli.output import fail, print_json, print_table, say
from serialpos.domain.text import visible

app = typer.Typer(help="The product catalogue.", no_args_is_help=True)


def _rows(found: list) -> list[tuple[object, ...]]:  # type: ignore[type-arg]
    return [
        (
            p.sku,
            p.name,
            p.price,
            p.serial_mode.value,
            p.serial_format or "",
            " ".join(p.barcodes),
            p.bin or "",
            p.package_type or "",
            " ".join(f"{sku}*{qty}" for sku, qty in p.components),
        )
        for p in found
    ]


#: A package's components show as SKU*qty, as the CSV writes them (--json: package_type and
#: components, a list of [SKU, quantity]).
COLUMNS = ["sku", "name", "price", "serials", "format", "barcodes", "bin", "package", "components"]


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
    refuse_on_terminal(st, "products set")
    changed = set_serial_mode(st.database(), st.require_actor(), skus, serial_mode)
    if json_out:
        print_json(changed)
    else:
        say(f"{len(set(skus))} product(s) now have serial mode {serial_mode.strip().lower()}")


@app.command("import")
def import_(
    ctx: typer.Context,
    file: str = typer.Argument(..., help="A product feed or mass upload CSV; - reads stdin."),
    json_out: bool = typer.Option(False, "--json"),
    force_format: bool = typer.Option(
        False,
        "--force-format",
        help="Set a serial format that units already recorded do not match (refused without).",
    ),
) -> None:
    """Create and update products from a CSV (managers and admins). A file with any bad row
    imports nothing: every problem is listed on stderr and the exit status is 1."""
    from serialpos.services.product_import import (
        ImportRefused,
        import_products,
        import_products_bytes,
    )

    st = state(ctx)
    refuse_on_terminal(st, "products import")
    db, actor = st.database(), st.require_actor()
    try:
        if file == "-":
            report = import_products_bytes(
                db, actor, typer.get_binary_stream("stdin").read(), force_format=force_format
            )
        else:
            report = import_products(db, actor, file, force_format=force_format)
    except ImportRefused as refused:
        _warn(refused.warnings)
        problems = refused.problems
        if len(problems) > 1 or problems[0].row is not None:  # else the summary says it all
            for problem in problems:  # one per line, so they can be grepped and counted
                typer.echo(visible(str(problem)), err=True)
        fail(refused.message)
    _warn(report.warnings)
    if json_out:
        print_json(report)
    else:
        kind = "product feed" if report.format == "feed" else "mass upload"
        say(
            f"imported {report.rows} product(s) from the {kind}: {report.created} created, "
            f"{report.updated} updated, {report.unchanged} unchanged"
        )


def _warn(warnings: tuple[str, ...]) -> None:
    for warning in warnings:
        typer.echo(f"warning: {visible(warning)}", err=True)


@app.command("export")
def export(
    ctx: typer.Context,
    file: str = typer.Argument(..., help="Where to write the mass-upload CSV; - for stdout."),
) -> None:
    """Write every product as a mass-upload CSV (sorted by SKU), ready to edit and import."""
    from serialpos.services.product_import import export_products, export_products_text

    db = state(ctx).database()
    if file == "-":
        text, _count = export_products_text(db)
        stdout = typer.get_binary_stream("stdout")
        stdout.write(text.encode("utf-8"))
        stdout.flush()
        return
    count = export_products(db, file)
    say(f"wrote {count} product(s) to {file}")
