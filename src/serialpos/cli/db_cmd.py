"""``serialpos db``: set up, migrate and check the database."""

from __future__ import annotations

import typer

from serialpos.cli.context import state
from serialpos.cli.output import EXIT_REFUSED, print_json, print_table, say

app = typer.Typer(help="Set up, migrate and check the database.", no_args_is_help=True)


@app.command("init")
def init(ctx: typer.Context) -> None:
    """Create the schema in a new database (an existing one is brought up to date)."""
    from serialpos.services.database import location, sqlite_path, upgrade_schema

    st = state(ctx)
    path = sqlite_path(st.url())  # None for a URL that is unusable: opening it says why
    if path is not None and not path.exists():
        say(f"creating a new database at {path}")
    db = st.database(check_schema=False, create=True)
    before, after = upgrade_schema(db)
    if before == after:
        say(f"database already set up (schema {after})")
    else:
        say(f"database ready (schema {after}) at {location(db)}")


@app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Bring an older database forward to this version's schema, keeping its data."""
    from serialpos.services.database import upgrade_schema

    db = state(ctx).database(check_schema=False)
    before, after = upgrade_schema(db)
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
            [
                ("VIOLATION" if f.violation else "note", f.rule, f.store, f.sku, f.detail)
                for f in findings
            ],
        )
        say(f"{len(violations)} violation(s), {len(findings) - len(violations)} note(s)")
    if violations:
        raise typer.Exit(EXIT_REFUSED)


@app.command("backup")
def backup(
    ctx: typer.Context,
    file: str = typer.Argument(..., help="Where to write the copy."),
    force: bool = typer.Option(False, "--force", help="Replace FILE if it exists."),
) -> None:
    """Copy the database to FILE while tills keep selling (SQLite's online backup; never copy a
    live SQLite file with cp). For PostgreSQL, prints the pg_dump command to run."""
    from serialpos.services.backup import backup as run_backup

    done = run_backup(state(ctx).url(), file, force=force)
    say(f"backup written to {done.path} ({done.size:,} bytes, schema {done.schema})")


@app.command("restore")
def restore(
    ctx: typer.Context,
    file: str = typer.Argument(..., help="A backup made by `serialpos db backup`."),
    force: bool = typer.Option(
        False, "--force", help="Replace a database that holds data (stop the tills first)."
    ),
) -> None:
    """Replace the database by a backup. Refuses to overwrite a database with data unless
    --force. For PostgreSQL, prints the pg_restore command to run."""
    from serialpos.services.backup import restore as run_restore

    done = run_restore(state(ctx).url(), file, force=force)
    say(
        f"database {done.path} restored from {file} (schema {done.schema}); "
        "run `serialpos db upgrade` if this version is newer"
    )
