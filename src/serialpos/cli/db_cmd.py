"""``serialpos db``: set up, migrate and check the database."""

from __future__ import annotations

import typer

from serialpos.cli.context import state
from serialpos.cli.output import EXIT_REFUSED, print_json, print_table, say

app = typer.Typer(help="Set up, migrate and check the database.", no_args_is_help=True)


@app.command("init")
def init(ctx: typer.Context) -> None:
    """Create the schema in a new database (an existing one is brought up to date)."""
    from serialpos.db import migrate

    db = state(ctx).database(check_schema=False)
    before, after = migrate.upgrade(db)
    if before == after:
        say(f"database already set up (schema {after})")
    else:
        say(f"database ready (schema {after}) at {db.engine.url.render_as_string()}")


@app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Bring an older database forward to this version's schema, keeping its data."""
    from serialpos.db import migrate

    db = state(ctx).database(check_schema=False)
    before, after = migrate.upgrade(db)
    if before == after:
        say(f"database already at schema {after}")
    else:
        say(f"database upgraded from schema {before or 'none'} to {after}")


@app.command("check")
def check(ctx: typer.Context, json_out: bool = typer.Option(False, "--json")) -> None:
    """Verify the ledger invariants; list every violation (exit 1 when there is one)."""
    from serialpos.services.integrity import check_ledger

    findings = check_ledger(state(ctx).database())
    violations = [f for f in findings if f.violation]
    if json_out:
        print_json({"ok": not violations, "findings": findings})
    elif not findings:
        say("ledger check passed: every invariant holds")
    else:
        print_table(
            ["", "rule", "store", "sku", "detail"],
            [("VIOLATION" if f.violation else "note", f.rule, f.store, f.sku, f.detail)
             for f in findings],
        )
        say(f"{len(violations)} violation(s), {len(findings) - len(violations)} note(s)")
    if violations:
        raise typer.Exit(EXIT_REFUSED)
