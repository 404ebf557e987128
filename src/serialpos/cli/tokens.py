"""``serialpos token``: create, list and revoke the API tokens of ``serialpos serve``."""

from __future__ import annotations

from datetime import date

import typer

from serialpos.cli.context import state
from serialpos.cli.output import EXIT_USAGE, fail, print_json, print_table

app = typer.Typer(help="API tokens for serialpos serve.", no_args_is_help=True)


def _when(value: object) -> str:
    return "" if value is None else str(value)[:19]


@app.command("create")
def create(
    ctx: typer.Context,
    user: str = typer.Argument(..., help="The user the token acts as (with that user's role)."),
    name: str | None = typer.Option(None, "--name", help="A name to list and revoke it by."),
    expires: str | None = typer.Option(
        None, "--expires", metavar="YYYY-MM-DD", help="Last day the token works (UTC)."
    ),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Create a token (admin). It is shown once, on the last line; only its hash is kept.

    A store terminal's token is a manager's or a cashier's: an admin's, which acts at every
    store, is refused at 'terminal init' (admin_token)."""
    from serialpos.services.tokens import create_token

    until = None
    if expires is not None:
        try:
            until = date.fromisoformat(expires)
        except ValueError:
            fail(f"--expires {expires!r} is not a date as YYYY-MM-DD", EXIT_USAGE)
    st = state(ctx)
    token, info = create_token(st.database(), st.require_actor(), user, name, until)
    if json_out:
        print_json({"token": token, "name": info.name})
        return
    typer.echo(
        f"token {info.name} for {info.user} ({info.role})"
        f"{'' if info.expires_at is None else ', valid until ' + str(until)}; "
        "it is shown only now:"
    )
    typer.echo(token)


@app.command("list")
def list_(ctx: typer.Context, json_out: bool = typer.Option(False, "--json")) -> None:
    """List tokens (never the tokens themselves)."""
    from serialpos.services.tokens import list_tokens

    st = state(ctx)
    found = list_tokens(st.database(), st.require_actor())
    if json_out:
        print_json(
            [
                {
                    "name": t.name,
                    "user": t.user,
                    "role": t.role,
                    "status": t.status,
                    "created_by": t.created_by,
                    "created_at": _when(t.created_at),
                    "expires_at": _when(t.expires_at) or None,
                    "revoked_at": _when(t.revoked_at) or None,
                }
                for t in found
            ]
        )
        return
    print_table(
        ["name", "user", "role", "status", "created", "expires"],
        [
            (t.name, t.user, t.role, t.status, _when(t.created_at), _when(t.expires_at))
            for t in found
        ],
        empty="no tokens",
    )


@app.command("revoke")
def revoke(ctx: typer.Context, name: str) -> None:
    """Revoke a token: refused from the next request on."""
    from serialpos.services.tokens import revoke_token

    st = state(ctx)
    info = revoke_token(st.database(), st.require_actor(), name)
    typer.echo(f"token {info.name} revoked")
