"""``serialpos settings``: per-store switches, the store's printed details (address, tax
number) and the chain's numbers."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from serialpos.cli.context import on_terminal, refuse_on_terminal, state
from serialpos.cli.output import EXIT_USAGE, fail, print_json, print_table, say

if TYPE_CHECKING:
    from serialpos.db.engine import Database

app = typer.Typer(
    help="Per-store settings (defaults for the chain when no store is named).", no_args_is_help=True
)


@app.command("show")
def show(
    ctx: typer.Context,
    store: str | None = typer.Option(None, "--store", help="Settings in force at this store."),
    json_out: bool = typer.Option(False, "--json"),
) -> None:
    """Show the settings in force; with --store, beside the chain default and the store's own
    value (an override shows, and `settings clear` removes it)."""
    from serialpos.domain.chain_settings import CHAIN_SETTING_HELP
    from serialpos.domain.settings import SETTING_HELP
    from serialpos.services.settings import get_chain_settings, get_settings, setting_sources

    st = state(ctx)
    db = st.database()
    values = get_settings(db, store)
    if on_terminal(st):
        _say_terminal_copy(db)
    if json_out:
        print_json(values)
        return
    if store is None:
        chain = get_chain_settings(db)
        print_table(
            ["setting", "value", "what it does"],
            [
                *((k, _on(getattr(values, k)), SETTING_HELP[k]) for k in values.names()),
                *((k, _shown(getattr(chain, k)), CHAIN_SETTING_HELP[k]) for k in chain.names()),
            ],
            title="chain defaults",
        )
        return
    print_table(
        ["setting", "value", "chain", "this store", "what it does"],
        [
            (
                s.key,
                _on(s.in_force),
                "" if s.chain is None else _on(s.chain),
                "(chain)" if s.store is None else _on(s.store),
                SETTING_HELP[s.key],
            )
            for s in setting_sources(db, store)
        ]
        + _detail_rows(db, store),
        title=f"settings at {store}",
    )


def _say_terminal_copy(db: Database) -> None:
    """On a store terminal: these are its copy of central's settings, and how fresh (on
    stderr, so ``--json`` stays the settings alone)."""
    import typer

    from serialpos.terminal.refresh import refreshed_at

    when = refreshed_at(db)
    fresh = (
        "as of its set-up (not refreshed since)"
        if when is None
        else f"last refreshed from central at {when.isoformat(timespec='seconds')}Z"
    )
    typer.echo(
        f"this terminal's copy of central's settings, {fresh}; refreshed every 5 minutes "
        "while online ('serialpos sync'); change them at central",
        err=True,
    )


def _detail_rows(db: Database, store: str) -> list[tuple[str, str, str, str, str]]:
    """The store's address and tax number: text of the store's own, no chain default."""
    from serialpos.domain.store_details import STORE_DETAIL_HELP
    from serialpos.services.store_details import get_store_details

    details = get_store_details(db, store)
    values = {"store_address": details.address, "tax_number": details.tax_number}
    return [
        (key, values[key] or "(not set)", "", values[key] or "(not set)", help_)
        for key, help_ in STORE_DETAIL_HELP.items()
    ]


def _shown(value: int | bool) -> str:
    return _on(value) if isinstance(value, bool) else str(value)


def _on(flag: bool) -> str:
    return "on" if flag else "off"


@app.command("clear")
def clear(
    ctx: typer.Context,
    key: str,
    store: str = typer.Option(..., "--store", help="The store whose own value is removed."),
) -> None:
    """Remove a store's own value for KEY: the store follows the chain default again."""
    from serialpos.domain.store_details import is_store_detail
    from serialpos.services.settings import clear_setting
    from serialpos.services.store_details import clear_store_detail

    st = state(ctx)
    refuse_on_terminal(st, "settings clear")
    if is_store_detail(key):
        clear_store_detail(st.database(), st.require_actor(), key, store)
        say(f"{key.strip()} at {store} is cleared")
        return
    values = clear_setting(st.database(), st.require_actor(), key, store)
    say(
        f"{key.strip()} at {store} follows the chain again: "
        f"{_on(bool(getattr(values, key.strip())))}"
    )


@app.command("set")
def set_(
    ctx: typer.Context,
    key: str,
    value: str,
    store: str | None = typer.Option(None, "--store", help="Only this store."),
) -> None:
    """Set KEY to VALUE (true/false, yes/no, on/off) for a store or the chain; the store's
    printed details (store_address, tax_number) take text and --store."""
    from serialpos.domain.store_details import is_store_detail
    from serialpos.services.settings import set_setting
    from serialpos.services.store_details import set_store_detail

    st = state(ctx)
    refuse_on_terminal(st, "settings set")
    if is_store_detail(key):
        if store is None:
            fail(f"{key.strip()} belongs to one store: give --store CODE", EXIT_USAGE)
        set_store_detail(st.database(), st.require_actor(), key, value, store)
        say(f"{key.strip()} at {store} is now: {value.strip()}")
        return
    values = set_setting(st.database(), st.require_actor(), key, value, store)
    where = f"at {store}" if store else "for the chain"
    if not hasattr(values, key.strip()):  # a chain-only number
        say(f"{key.strip()} is now {value.strip()} {where}")
        return
    say(f"{key} is now {'on' if getattr(values, key.strip()) else 'off'} {where}")
