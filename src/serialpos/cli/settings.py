"""``serialpos settings``: per-store switches."""

from __future__ import annotations

import typer

from serialpos.cli.context import state
from serialpos.cli.output import print_json, print_table, say

app = typer.Typer(help="Per-store settings (defaults for the chain when no store is named).",
                  no_args_is_help=True)


@app.command("show")
def show(
    ctx: typer.Context,
    store: str | None = typer.Option(None, "--store", help="Settings in force at this store."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Show the settings in force."""
    from serialpos.domain.settings import SETTING_HELP
    from serialpos.services.settings import get_settings

    values = get_settings(state(ctx).database(), store)
    if json_out:
        print_json(values)
        return
    print_table(["setting", "value", "what it does"],
                [(k, "on" if getattr(values, k) else "off", SETTING_HELP[k])
                 for k in values.names()],
                title=f"settings at {store}" if store else "chain defaults")


@app.command("set")
def set_(
    ctx: typer.Context,
    key: str,
    value: str,
    store: str | None = typer.Option(None, "--store", help="Only this store."),
) -> None:
    """Set KEY to VALUE (true/false, yes/no, on/off) for a store or the chain."""
    from serialpos.services.settings import set_setting

    st = state(ctx)
    values = set_setting(st.database(), st.require_actor(), key, value, store)
    where = f"at {store}" if store else "for the chain"
    say(f"{key} is now {'on' if getattr(values, key.strip()) else 'off'} {where}")
