"""``serialpos asn``: advance shipping notices (import, list, show).

Receiving against an ASN is done in the console (Receiving) or by a host system through
``serialpos apply`` (op ``asn_receive``); the formats are in docs/asn.md.
"""

from __future__ import annotations

from pathlib import Path

import typer

from serialpos.cli.context import CliState, refuse_on_terminal, state
from serialpos.cli.output import EXIT_REFUSED, EXIT_USAGE, fail, print_json, print_table, say

app = typer.Typer(help="Advance shipping notices: import, list, show.", no_args_is_help=True)

STORE_HELP = (
    "Store code; default: this terminal's store (SERIALPOS_STORE, or store under "
    "[terminal] in the terminal config)."
)


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


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Path = typer.Argument(..., metavar="FILE", help="ASN file: CSV or JSON (docs/asn.md)."),
    store: str | None = typer.Option(None, "--store", metavar="CODE", help=STORE_HELP),
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Import the ASNs in FILE for a store: their listed serials become expected units.

    The file is imported whole or not at all; a refused file exits 1 and lists every problem
    with its line.
    """
    from serialpos.domain.asn_rows import AsnFileRefused
    from serialpos.domain.text import visible
    from serialpos.services.asn.importing import import_asn_file

    st = state(ctx)
    refuse_on_terminal(st, "asn import")
    code = _store(st, store)
    if not file.is_file():
        fail(
            f"cannot read {file}: {'it is a folder' if file.is_dir() else 'no such file'}",
            EXIT_USAGE,
        )
    try:
        result = import_asn_file(st.database(), st.require_actor(), file, code)
    except AsnFileRefused as exc:
        count = len(exc.problems)
        typer.echo(
            f"error: {visible(str(file))} refused, nothing imported "
            f"({count} problem{'s' if count != 1 else ''}):",
            err=True,
        )
        for problem in exc.problems:
            typer.echo(f"  {visible(str(problem))}", err=True)
        raise typer.Exit(EXIT_REFUSED) from None
    if json_out:
        print_json(
            {"store": result.store, "serial_tracked": result.serial_tracked, "asns": result.asns}
        )
        return
    for asn in result.asns:
        say(
            f"ASN {asn.asn} from {asn.vendor}: {asn.lines} line{'s' if asn.lines != 1 else ''}, "
            f"{asn.units} unit{'s' if asn.units != 1 else ''}, {asn.serials} serial"
            f"{'s' if asn.serials != 1 else ''} expected at {result.store}"
        )
    if not result.serial_tracked:
        say(
            f"serialized inventory is off at {result.store}: the listed serials are kept on "
            "the events, and the ASN is received by counting"
        )


@app.command("list")
def list_(
    ctx: typer.Context,
    store: str | None = typer.Option(
        None, "--store", metavar="CODE", help="Only this store (default: every store)."
    ),
    status: str | None = typer.Option(None, "--status", help="open or received."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """List ASNs, newest first."""
    from serialpos.services.asn.views import list_asns

    found = list_asns(state(ctx).database(), store.strip() if store else None, status)
    if json_out:
        print_json(found)
        return
    print_table(
        ["ASN", "vendor", "store", "status", "lines", "units", "imported"],
        [
            (
                a.asn,
                a.vendor,
                a.store,
                a.status,
                a.lines,
                a.units,
                a.created_at.strftime("%Y-%m-%d %H:%M"),
            )
            for a in found
        ],
        empty="no ASNs",
    )


@app.command("show")
def show(
    ctx: typer.Context,
    asn: str = typer.Argument(..., help="The ASN id."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """One ASN: its lines, expected and received (scanned so far while open), and status."""
    from serialpos.services.asn.views import asn_detail

    detail = asn_detail(state(ctx).database(), asn)
    if json_out:
        print_json(detail)
        return
    head = (
        f"ASN {detail.asn} from {detail.vendor} at {detail.store}: {detail.status}, "
        f"{detail.received} of {detail.units} "
        f"{'received' if detail.status == 'received' else 'scanned'}"
    )
    say(head)
    print_table(
        [
            "line",
            "sku",
            "name",
            "expected",
            "serials listed",
            "case pack",
            "received" if detail.status == "received" else "scanned",
        ],
        [
            (ln.number, ln.sku, ln.name, ln.quantity, ln.listed, ln.case_pack, ln.received)
            for ln in detail.lines
        ],
    )
    for d in detail.discrepancies:
        missing = d.get("missing") or []
        extra = f"; missing {', '.join(missing[:10])}" if missing else ""
        more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        say(f"difference: {d['sku']} {d['received']} of {d['expected']} received{extra}{more}")
