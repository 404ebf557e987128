"""The ``serialpos`` command: global options, sub-apps per noun, and clean failures.

Without a command it opens the console. Heavy imports (SQLAlchemy, Textual) happen inside
commands, so ``--help`` and the console's login screen come up quickly.
"""

from __future__ import annotations

import logging
from typing import Any

import typer
from typer.core import TyperGroup

from serialpos.cli import apply as apply_cmd
from serialpos.cli import (
    asn,
    conflicts_cmd,
    db_cmd,
    demo,
    events,
    invoice,
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
from serialpos.cli.context import CliState, state
from serialpos.cli.output import EXIT_REFUSED
from serialpos.domain.text import visible


class SerialposGroup(TyperGroup):
    """Turns a rule's refusal, an unusable database or config, or an unwritable file into one
    clear line on stderr and exit 1 — never a traceback. An unexpected error is logged with its
    traceback and said in one line naming the log file. Each command is one action line in the
    log (its PIN and token arguments redacted)."""

    def invoke(self, ctx: Any) -> Any:  # typer vendors click: its Context type is private
        from serialpos.config import ConfigError
        from serialpos.domain.errors import DomainError

        command = " ".join([*getattr(ctx, "_protected_args", []), *ctx.args])
        try:
            result = super().invoke(ctx)
        except (DomainError, ConfigError) as exc:
            message = str(exc)
        except OSError as exc:
            where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
            message = f"{exc.strerror or exc}{where}"
        except Exception as exc:
            from serialpos.services.database import DatabaseUnusable

            if _is_click(exc):
                raise
            known = isinstance(exc, DatabaseUnusable)  # DatabaseError is one
            message = str(exc) if known else _unexpected(exc, command)
        else:
            _log_action(ctx, command, "done")
            return result
        _log_action(ctx, command, f"refused: {message}")
        typer.echo(f"error: {visible(message)}", err=True)
        raise typer.Exit(EXIT_REFUSED)


def _is_click(exc: Exception) -> bool:
    """Exit, Abort and usage errors: click's own ways of ending a command."""
    return any(c.__module__.startswith(("typer", "click")) for c in type(exc).__mro__)


def _unexpected(exc: Exception, command: str) -> str:
    """Log the traceback; the line for the user names the log file."""
    from serialpos.logs import where_logged

    logging.getLogger(__name__).error("unexpected error in `serialpos %s`", command, exc_info=exc)
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"unexpected error ({type(exc).__name__}{': ' + first if first else ''}){where_logged()}"


def _log_action(ctx: Any, command: str, outcome: str) -> None:
    from serialpos.logs import action

    obj = ctx.obj
    if not isinstance(obj, CliState) or not command:
        return
    terminal = obj._config.terminal_id if obj._config is not None else "-"
    action(obj.user or "-", terminal, f"serialpos {command}: {outcome}")


app = typer.Typer(
    cls=SerialposGroup,
    name="serialpos",
    help="Capture the serial of every unit from receipt to sale. Without a command: the console.",
    no_args_is_help=False,
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(db_cmd.app, name="db")
app.add_typer(stores.app, name="store")
app.add_typer(users.app, name="user")
app.add_typer(products.app, name="products")
app.add_typer(serials.app, name="serial")
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
app.command("invoice")(invoice.invoice)
app.add_typer(receipt_cmd.app, name="receipt")
app.add_typer(shift_cmd.app, name="shift")


def _print_version(value: bool) -> None:
    if value:
        from serialpos import __version__

        typer.echo(f"serialpos {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
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
    _start_log(ctx.obj)
    terminal_cmd.refuse_unjournaled(ctx.obj, ctx.invoked_subcommand)
    if ctx.invoked_subcommand is None:
        from serialpos.tui.app import run_console

        run_console(state(ctx))


def _start_log(st: CliState) -> None:
    """The log file from the terminal config when it can be read, else the default one (a
    command that needs the config then says what is wrong with it)."""
    from serialpos import logs
    from serialpos.config import ConfigError

    try:
        path = st.config().log_path
    except ConfigError:
        path = None
    logs.configure(path)


def main() -> None:
    app()
