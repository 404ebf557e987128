"""``serialpos user``: add and list users."""

from __future__ import annotations

import typer

from serialpos.cli.context import state
from serialpos.cli.output import print_json, print_table, say

app = typer.Typer(help="Users and their roles.", no_args_is_help=True)


@app.command("add")
def add(
    ctx: typer.Context,
    name: str,
    role: str = typer.Option(..., "--role", help="cashier, stockroom, manager or admin"),
    pin: str | None = typer.Option(None, "--pin", help="4-12 digits; prompted when not given"),
) -> None:
    """Add a user (admin). The first user of a new database may be added without --user."""
    from serialpos.services.users import add_user, has_users

    st = state(ctx)
    db = st.database()
    actor = st.actor(required=has_users(db))
    if pin is None:
        pin = typer.prompt("PIN", hide_input=True, confirmation_prompt=True)
    user = add_user(db, actor, name, role, pin)
    say(f"user {user.name} ({user.role.value}) added")


@app.command("list")
def list_(ctx: typer.Context, json_out: bool = typer.Option(False, "--json")) -> None:
    """List users and their roles (never their PINs)."""
    from serialpos.services.users import list_users

    found = list_users(state(ctx).database())
    if json_out:
        print_json([{"name": u.name, "role": u.role.value, "active": u.active} for u in found])
    else:
        print_table(["name", "role", "active"], [(u.name, u.role.value, u.active) for u in found],
                    empty="no users yet")
