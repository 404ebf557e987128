"""``serialpos user``: add and list users."""

from __future__ import annotations

import typer

from serialpos.cli.context import refuse_on_terminal, state
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
    refuse_on_terminal(st, "user add")
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
        print_table(
            ["name", "role", "active"],
            [(u.name, u.role.value, u.active) for u in found],
            empty="no users yet",
        )


@app.command("disable")
def disable(ctx: typer.Context, name: str) -> None:
    """Disable a user (admin): no more logins, tokens or --user."""
    from serialpos.services.user_admin import set_active

    st = state(ctx)
    refuse_on_terminal(st, "user disable")
    user = set_active(st.database(), st.require_actor(), name, False)
    say(f"user {user.name} is disabled")


@app.command("enable")
def enable(ctx: typer.Context, name: str) -> None:
    """Enable a disabled user again (admin)."""
    from serialpos.services.user_admin import set_active

    st = state(ctx)
    refuse_on_terminal(st, "user enable")
    user = set_active(st.database(), st.require_actor(), name, True)
    say(f"user {user.name} is enabled")


@app.command("set-pin")
def set_pin(
    ctx: typer.Context,
    name: str,
    pin: str | None = typer.Option(None, "--pin", help="4-12 digits; prompted when not given"),
) -> None:
    """Give a user a new PIN (admin); also lifts a lockout."""
    from serialpos.services.user_admin import set_pin as set_user_pin

    st = state(ctx)
    refuse_on_terminal(st, "user set-pin")
    db, actor = st.database(), st.require_actor()
    if pin is None:
        pin = typer.prompt("new PIN", hide_input=True, confirmation_prompt=True)
    set_user_pin(db, actor, name, pin)
    say(f"new PIN set for {name.strip()}")


@app.command("set-role")
def set_role(ctx: typer.Context, name: str, role: str) -> None:
    """Change a user's role (admin): cashier, stockroom, manager or admin."""
    from serialpos.services.user_admin import set_role as set_user_role

    st = state(ctx)
    refuse_on_terminal(st, "user set-role")
    user = set_user_role(st.database(), st.require_actor(), name, role)
    say(f"user {user.name} is now {user.role.value}")


@app.command("stores")
def stores(ctx: typer.Context, name: str, codes: list[str] | None = typer.Argument(None)) -> None:
    """The stores NAME may log in at (admin); no codes: every store."""
    from serialpos.services.user_admin import set_stores

    st = state(ctx)
    refuse_on_terminal(st, "user stores")
    chosen = set_stores(st.database(), st.require_actor(), name, codes or [])
    say(f"{name.strip()} may log in at {', '.join(chosen) if chosen else 'every store'}")


@app.command("unlock")
def unlock(ctx: typer.Context, name: str) -> None:
    """Lift a PIN lockout before it ends (manager or admin)."""
    from serialpos.services.user_admin import unlock as unlock_user

    st = state(ctx)
    refuse_on_terminal(st, "user unlock")
    was_locked = unlock_user(st.database(), st.require_actor(), name)
    say(f"{name.strip()} unlocked" if was_locked else f"{name.strip()} was not locked")


@app.command("show")
def show(ctx: typer.Context, name: str, json_out: bool = typer.Option(False, "--json")) -> None:
    """A user's role, state, stores, lockout and the audit of changes (newest first)."""
    from serialpos.services.user_admin import show_user

    user = show_user(state(ctx).database(), name)
    stores_text = ", ".join(user.stores) if user.stores else "every store"
    locked = f"until {user.locked_until:%Y-%m-%d %H:%M} UTC" if user.locked_until else "no"
    if json_out:
        print_json(user)
        return
    say(
        f"user {user.name}: {user.role.value}, {'enabled' if user.active else 'disabled'}; "
        f"stores: {stores_text}; locked: {locked}"
    )
    print_table(
        ["when (UTC)", "by", "terminal", "what", "detail"],
        [
            (f"{e.at:%Y-%m-%d %H:%M:%S}", e.actor, e.terminal, e.action, e.detail or "")
            for e in user.audit
        ],
        empty="no changes recorded",
        title="audit",
    )
