"""``serialpos shift``: open the till with a float, the X report, close with the cash counted
and the Z report (on paper, as a PDF, or both)."""

from __future__ import annotations

from pathlib import Path

import typer

from serialpos.cli.context import CliState, state
from serialpos.cli.output import EXIT_USAGE, fail, print_json, print_table, say
from serialpos.domain.text import named

app = typer.Typer(
    help="Till shifts of this terminal: open, X report, close, Z report.", no_args_is_help=True
)

STORE_HELP = (
    "Store code; default: this terminal's store (SERIALPOS_STORE, or store under "
    "[terminal] in the terminal config)."
)
_STORE = typer.Option(None, "--store", metavar="CODE", help=STORE_HELP)
_OUT = typer.Option(None, "--out", help="Also write the report as a PDF to this file.")
_PRINT = typer.Option(False, "--print", help="Also print it on the receipt printer.")
_JSON = typer.Option(False, "--json")


def _store(cli: CliState, given: str | None) -> str:
    if given and given.strip():
        return given.strip()
    configured = cli.config().store
    if configured:
        return configured
    fail("say which store: --store CODE (or set store under [terminal])", EXIT_USAGE)


@app.command("open")
def open_(
    ctx: typer.Context,
    opening_float: str = typer.Option(
        ..., "--float", metavar="AMOUNT", help="The cash in the drawer at the start (0 or more)."
    ),
    store: str | None = _STORE,
    json_out: bool = _JSON,
) -> None:
    """Open this terminal's shift with the opening float."""
    from serialpos.services.shifts import open_shift

    cli = state(ctx)
    view = open_shift(cli.database(), cli.require_actor(), _store(cli, store), opening_float)
    if json_out:
        print_json(view)
        return
    say(
        f"shift {view.number} open on {named('terminal', view.terminal)} at {view.store} "
        f"with a float of {view.opening_float:,.2f}"
    )


@app.command("status")
def status(ctx: typer.Context, store: str | None = _STORE, json_out: bool = _JSON) -> None:
    """Whether this terminal has an open shift."""
    from serialpos.services.shifts import current_shift

    cli = state(ctx)
    where = _store(cli, store)
    view = current_shift(cli.database(), cli.require_actor(), where)
    if json_out:
        print_json(view)
        return
    if view is None:
        say(f"no shift is open on {named('terminal', cli.config().terminal_id)} at {where}")
        return
    say(
        f"shift {view.number} open since {view.opened_at:%Y-%m-%d %H:%M} UTC "
        f"(opened by {view.opened_by}, float {view.opening_float:,.2f})"
    )


def _show(cli: CliState, report: object, out: Path | None, print_it: bool, as_json: bool) -> None:
    from serialpos.domain.shifts import ShiftReport
    from serialpos.printing.shift_rows import report_rows, title

    assert isinstance(report, ShiftReport)
    if out is not None:
        from serialpos.printing.shift_report import write_shift_report

        write_shift_report(report, out)
    if print_it:
        _print(cli, report)
    if as_json:
        print_json(
            {
                "kind": report.kind,
                "store": report.store_code,
                "terminal": report.terminal,
                "number": report.number,
                "opened_at": report.opened_at,
                "closed_at": report.closed_at,
                "opening_float": report.opening_float,
                "takings": [
                    {
                        "method": t.method,
                        "payments": t.payments,
                        "change": t.change,
                        "refunds": t.refunds,
                        "net": t.net,
                        "count": t.count,
                    }
                    for t in report.takings
                ],
                "expected_cash": report.expected_cash,
                "counted_cash": report.counted_cash,
                "difference": report.difference,
                "not_taken": [
                    {"invoice": n.document, "amount": n.amount} for n in report.not_taken
                ],
                "not_taken_total": report.not_taken_total,
            }
        )
        _not_taken_note(report)
        return
    print_table(["", ""], report_rows(report), title=title(report))
    if out is not None:
        say(f"wrote {out}")
    _not_taken_note(report)


def _not_taken_note(report: object) -> None:
    """On a store terminal, the shift's sales central did not take, named on stderr as the
    sales reports name them (they stay in the drawer figures here: docs/reports.md)."""
    from serialpos.domain.shifts import ShiftReport
    from serialpos.services.not_taken import shift_note

    assert isinstance(report, ShiftReport)
    notes = [n.document for n in report.not_taken if n.refund_note]
    words = shift_note([n.document for n in report.not_taken], notes)
    if words is not None:
        typer.echo(f"note: {words}", err=True)


def _print(cli: CliState, report: object) -> None:
    from serialpos.devices.receipt_printer import receipt_printer_settings
    from serialpos.domain.shifts import ShiftReport
    from serialpos.services.receipts import print_shift_report

    assert isinstance(report, ShiftReport)
    printer = receipt_printer_settings(cli.config())
    if printer is None:
        fail("no receipt printer is configured ([receipt_printer]); use --out FILE.pdf")
    print_shift_report(printer, report)


@app.command("x")
def x(
    ctx: typer.Context,
    store: str | None = _STORE,
    out: Path | None = _OUT,
    print_it: bool = _PRINT,
    json_out: bool = _JSON,
) -> None:
    """The X report: takings by payment method so far; the shift stays open."""
    from serialpos.services.shifts import x_report

    cli = state(ctx)
    report = x_report(cli.database(), cli.require_actor(), _store(cli, store))
    _show(cli, report, out, print_it, json_out)


@app.command("close")
def close(
    ctx: typer.Context,
    counted: str = typer.Option(
        ..., "--counted", metavar="AMOUNT", help="The cash counted in the drawer."
    ),
    store: str | None = _STORE,
    out: Path | None = _OUT,
    print_it: bool = _PRINT,
    json_out: bool = _JSON,
) -> None:
    """Close this terminal's shift with the cash counted: the Z report, with the expected
    cash and the difference."""
    from serialpos.services.shifts import close_shift

    cli = state(ctx)
    report = close_shift(cli.database(), cli.require_actor(), _store(cli, store), counted)
    _show(cli, report, out, print_it, json_out)


@app.command("z")
def z(
    ctx: typer.Context,
    number: int | None = typer.Argument(
        None, metavar="[SHIFT]", help="The shift's number; default: this terminal's last."
    ),
    store: str | None = _STORE,
    out: Path | None = _OUT,
    print_it: bool = _PRINT,
    json_out: bool = _JSON,
) -> None:
    """A closed shift's Z report again (to the screen, a PDF or the receipt printer)."""
    from serialpos.services.shifts import z_report

    cli = state(ctx)
    report = z_report(cli.database(), cli.require_actor(), _store(cli, store), number)
    _show(cli, report, out, print_it, json_out)
