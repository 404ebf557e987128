"""``serialpos leases list|release``: a manager at central sees and ends the units leased to
store terminals (services/leases.py); a store terminal uses ``serialpos terminal lease``."""

from __future__ import annotations

import json

import typer

from serialpos.cli.context import state
from serialpos.cli.output import EXIT_USAGE, fail, print_json

app = typer.Typer(
    help="Units leased to store terminals (at central, for managers).", no_args_is_help=True
)


@app.command("list")
def list_(
    ctx: typer.Context,
    terminal: str | None = typer.Option(None, "--terminal", help="Only this terminal's."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (this command always does)."),
) -> None:
    """The leases in force (JSON array: serial, sku, store, terminal, expires_at...)."""
    from serialpos.services.leases import listed

    del json_out  # the output is JSON either way; the README: every report takes --json
    st = state(ctx)
    typer.echo(json.dumps(listed(st.database(), st.require_actor(), terminal), ensure_ascii=False))


@app.command("release")
def release(
    ctx: typer.Context,
    serials: list[str] = typer.Argument(None, help="Serials whose lease ends."),
    terminal: str | None = typer.Option(
        None, "--terminal", help="Every lease of this terminal ends (a till lost or broken)."
    ),
    sku: str | None = typer.Option(None, "--sku", help="The product, if serials are shared."),
) -> None:
    """End leases, so the units may be sold at any till or here (a manager's act)."""
    from serialpos.services.leases import release as release_leases

    st = state(ctx)
    if not serials and terminal is None:
        fail("name the serials, or --terminal for every lease of one terminal", EXIT_USAGE)
    print_json(
        release_leases(
            st.database(), st.require_actor(), serials=serials or None, sku=sku, terminal=terminal
        )
    )
