"""``serialpos print``: the stockroom's pick list and the driver's run sheet, as PDFs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer

from serialpos.cli.context import CliState, state
from serialpos.cli.output import EXIT_USAGE, fail, say

if TYPE_CHECKING:
    from serialpos.services.picking import Printed

app = typer.Typer(help="Pick lists and run sheets as PDF files.", no_args_is_help=True)

STORE_HELP = (
    "Store code; default: this terminal's store (SERIALPOS_STORE, or store under "
    "[terminal] in the terminal config)."
)
OUT_HELP = "Write the PDF to this file (replaced whole, never left half-written)."


def _store(cli: CliState, given: str | None) -> str:
    """The store asked for, else the terminal's own, as the console does at login."""
    if given and given.strip():
        return given.strip()
    configured = cli.config().store
    if configured:
        return configured
    fail(
        "say which store: --store CODE (or set store under [terminal] in the terminal config)",
        EXIT_USAGE,
    )


def _check_out(out: Path) -> None:
    """Refuse an output path that cannot be written before reading anything."""
    if out.is_dir():
        fail(f"cannot write {out}: it is a folder; give a file name, e.g. {out / 'list.pdf'}")
    folder = out.parent
    if not folder.is_dir():
        fail(f"cannot write {out}: the folder {folder} does not exist")


def _written(printed: Printed, what: str, empty: str) -> None:
    if printed.lines == 0:
        say(f"wrote {printed.path}: {empty}")
        return
    say(
        f"wrote {printed.path}: {printed.lines} {what}{'s' * (printed.lines != 1)} from "
        f"{printed.orders} order{'s' * (printed.orders != 1)}, {printed.pages} "
        f"page{'s' * (printed.pages != 1)}"
    )


def _cannot_write(out: Path, exc: OSError) -> NoReturn:
    fail(f"cannot write {out}: {exc.strerror or exc}")


@app.command("picklist")
def picklist(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help=OUT_HELP),
    store: str | None = typer.Option(None, "--store", help=STORE_HELP),
    order: list[str] = typer.Option(
        [], "--order", metavar="NUMBER", help="Only this order (repeat for several)."
    ),
    day: str | None = typer.Option(
        None, "--date", metavar="YYYY-MM-DD", help="Only orders opened on this day (local time)."
    ),
    delivery: str | None = typer.Option(
        None,
        "--delivery",
        help="Only orders of this delivery mode: cash_and_carry, pickup, delivery.",
    ),
) -> None:
    """Open order lines to fetch, by bin then SKU, with their serials or a box for the serial
    to scan. Needs the receive permission (stockroom, manager, admin). When nothing matches,
    the PDF says "nothing to pick" (so an old list under the same name is never reused) and
    the command succeeds."""
    from serialpos.services.picking import parse_day, write_pick_list

    cli = state(ctx)
    code = _store(cli, store)
    on = parse_day(day) if day is not None else None
    _check_out(out)
    db, actor = cli.database(), cli.require_actor()
    try:
        printed = write_pick_list(db, actor, out, code, orders=order, on=on, delivery=delivery)
    except OSError as exc:
        _cannot_write(out, exc)
    _written(printed, "line", "nothing to pick")


@app.command("runsheet")
def runsheet(
    ctx: typer.Context,
    day: str = typer.Option(
        ...,
        "--date",
        metavar="YYYY-MM-DD",
        help="The day: delivery orders OPENED on it (local time).",
    ),
    out: Path = typer.Option(..., "--out", help=OUT_HELP),
    store: str | None = typer.Option(None, "--store", help=STORE_HELP),
) -> None:
    """A store's delivery orders for a day: customer, address, phone, items with serials,
    amount to collect, a line to sign. Orders carry no delivery date, so an order's day is the
    day it was opened. Open and fulfilled orders are listed; parked and voided ones are not.
    Needs the reports permission (manager, admin). A day without deliveries gives a PDF that
    says "nothing to deliver"."""
    from serialpos.services.picking import parse_day, write_run_sheet

    cli = state(ctx)
    code = _store(cli, store)
    on = parse_day(day)
    _check_out(out)
    db, actor = cli.database(), cli.require_actor()
    try:
        printed = write_run_sheet(db, actor, out, code, on)
    except OSError as exc:
        _cannot_write(out, exc)
    _written(printed, "item", "nothing to deliver")
