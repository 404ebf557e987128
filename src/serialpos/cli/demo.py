"""``serialpos demo``: a fresh demo store, then the console on it."""

from __future__ import annotations

import typer

from serialpos.cli.context import state
from serialpos.cli.output import say


def demo(
    ctx: typer.Context,
    console: bool = typer.Option(
        True, "--console/--no-console", help="Open the console when the demo is ready."
    ),
) -> None:
    """Create a fresh demo database (two stores, demo users, products, stock) and open it.

    Without --db the demo lives in its own file in the data directory, made anew each time;
    your real database is never touched.
    """
    from serialpos.config import data_dir
    from serialpos.services.database import open_database
    from serialpos.services.demo import build_demo

    st = state(ctx)
    if st.db_url is None:
        path = data_dir() / "demo.sqlite"
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        st.db_url = f"sqlite:///{path}"
    info = build_demo(open_database(st.db_url))
    say(
        f"demo ready: {len(info.stores)} stores, {info.products} products, "
        f"{info.units} serial units in stock"
    )
    say("demo users (name / PIN): " + ", ".join(f"{n} / {p}" for n, _r, p in info.users))
    if console:
        from serialpos.tui.app import run_console

        run_console(st, demo=True)
