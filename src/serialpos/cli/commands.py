"""The command tree: global options, sub-apps per noun, and clean failures.

Built by :func:`whole_app` when a command runs (see :mod:`serialpos.cli.app`, whose ``main`` opens
the console without it). Heavy imports (SQLAlchemy, Textual) happen inside commands, so
``--help`` comes up quickly.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from serialpos.cli.context import CliState, start_invocation, state
from serialpos.cli.output import EXIT_REFUSED, is_click, refusal
from serialpos.domain.text import visible


class SerialposGroup(TyperGroup):
    """Turns a rule's refusal, an unusable database or config, or an unwritable file into one
    clear line on stderr and exit 1 — never a traceback. An unexpected error is logged with its
    traceback and said in one line naming the log file. Each command is one action line in the
    log (its PIN and token arguments redacted)."""

    def invoke(self, ctx: Any) -> Any:  # typer vendors click: its Context type is private
        command = " ".join([*getattr(ctx, "_protected_args", []), *ctx.args])
        try:
            result = super().invoke(ctx)
        except Exception as exc:
            if is_click(exc):
                raise
            message = refusal(exc, command)
        else:
            _log_action(ctx, command, "done")
            return result
        _log_action(ctx, command, f"refused: {message}")
        typer.echo(f"error: {visible(message)}", err=True)
        raise typer.Exit(EXIT_REFUSED)


def _log_action(ctx: Any, command: str, outcome: str) -> None:
    from serialpos.logs import action

    obj = ctx.obj
    if not isinstance(obj, CliState) or not command:
        return
    terminal = obj._config.terminal_id if obj._config is not None else "-"
    action(obj.user or "-", terminal, f"serialpos {command}: {outcome}")


def _new_app() -> typer.Typer:
    """The root: global options and the callback that opens the console."""
    root_app = typer.Typer(
        cls=SerialposGroup,
        name="serialpos",
        help=(
            "Capture the serial of every unit from receipt to sale. Without a command: the console."
        ),
        no_args_is_help=False,
        add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
    )
    root_app.callback(invoke_without_command=True)(root)
    return root_app


def _add_commands(app: typer.Typer) -> typer.Typer:
    """Every command and sub-app, imported here so that the console need not load them."""
    from serialpos.cli import apply as apply_cmd
    from serialpos.cli import (
        asn,
        conflicts_cmd,
        customers,
        db_cmd,
        demo,
        events,
        invoice,
        leases_cmd,
        orders_cmd,
        print_cmd,
        products,
        report,
        samples,
        scan,
        serials,
        settings,
        stores,
        terminal_cmd,
        users,
    )
    from serialpos.cli import counts as counts_cmd
    from serialpos.cli import devices as devices_cmd
    from serialpos.cli import receipt as receipt_cmd
    from serialpos.cli import serve as serve_cmd
    from serialpos.cli import shift as shift_cmd
    from serialpos.cli import tokens as tokens_cmd

    app.add_typer(db_cmd.app, name="db")
    app.add_typer(stores.app, name="store")
    app.add_typer(users.app, name="user")
    app.add_typer(products.app, name="products")
    app.add_typer(serials.app, name="serial")
    app.add_typer(customers.app, name="customers")
    app.add_typer(settings.app, name="settings")
    app.add_typer(scan.app, name="scan")
    app.add_typer(devices_cmd.app, name="devices")
    app.add_typer(print_cmd.app, name="print")
    app.add_typer(events.app, name="events")
    app.add_typer(report.app, name="report")
    app.add_typer(asn.app, name="asn")
    app.add_typer(counts_cmd.app, name="count")
    app.command("stock")(stores.stock)
    app.command("demo")(demo.demo)
    app.command("samples")(samples.samples)
    app.command("apply")(apply_cmd.apply)
    app.command("serve")(serve_cmd.serve)
    app.add_typer(tokens_cmd.app, name="token")
    app.add_typer(terminal_cmd.app, name="terminal")
    app.command("sync")(terminal_cmd.sync)
    app.add_typer(conflicts_cmd.app, name="conflicts")
    app.add_typer(leases_cmd.app, name="leases")
    app.command("invoice")(invoice.invoice)
    app.add_typer(orders_cmd.app, name="order")
    app.add_typer(receipt_cmd.app, name="receipt")
    app.add_typer(shift_cmd.app, name="shift")
    return app


def _print_version(value: bool) -> None:
    if value:
        from serialpos import __version__

        typer.echo(f"serialpos {__version__}")
        raise typer.Exit()


def root(
    ctx: typer.Context,
    db: str | None = typer.Option(
        None,
        "--db",
        envvar="SERIALPOS_DB",
        help="Database URL (sqlite:///FILE or postgresql://...).",
    ),
    user: str | None = typer.Option(
        None, "--user", envvar="SERIALPOS_USER", help="Who acts; checked against their role."
    ),
    config: str | None = typer.Option(
        None, "--config", envvar="SERIALPOS_CONFIG", help="Terminal config file (TOML)."
    ),
    _version: bool = typer.Option(
        False,
        "--version",
        is_eager=True,
        callback=_print_version,
        help="Print the version and exit.",
    ),
) -> None:
    ctx.obj = CliState(db_url=db, user=user, config_path=config)
    start_invocation(ctx.obj, ctx.invoked_subcommand)
    if ctx.invoked_subcommand is None:
        from serialpos.tui.app import run_console

        run_console(state(ctx))


_whole: typer.Typer | None = None


def whole_app() -> typer.Typer:
    """The whole command tree, built on first use."""
    global _whole
    if _whole is None:
        _whole = _add_commands(_new_app())
    return _whole
