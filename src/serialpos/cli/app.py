"""The ``serialpos`` command: global options, sub-apps per noun, and clean failures.

Without a command it opens the console. Heavy imports (SQLAlchemy, Textual) happen inside
commands, so ``--help`` and the console's login screen come up quickly.
"""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from serialpos.cli import apply as apply_cmd
from serialpos.cli import (
    asn,
    db_cmd,
    demo,
    events,
    invoice,
    print_cmd,
    products,
    report,
    scan,
    serials,
    settings,
    stores,
    users,
)
from serialpos.cli import counts as counts_cmd
from serialpos.cli import devices as devices_cmd
from serialpos.cli import serve as serve_cmd
from serialpos.cli import tokens as tokens_cmd
from serialpos.cli.context import CliState, state
from serialpos.cli.output import EXIT_REFUSED
from serialpos.domain.text import visible


class SerialposGroup(TyperGroup):
    """Turns a rule's refusal, an unusable database or config, or an unwritable file into one
    clear line on stderr and exit 1 — never a traceback."""

    def invoke(self, ctx: Any) -> Any:  # typer vendors click: its Context type is private
        from serialpos.config import ConfigError
        from serialpos.domain.errors import DomainError

        try:
            return super().invoke(ctx)
        except (DomainError, ConfigError) as exc:
            message = str(exc)
        except OSError as exc:
            where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
            message = f"{exc.strerror or exc}{where}"
        except Exception as exc:
            from serialpos.db.engine import DatabaseError

            if not isinstance(exc, DatabaseError):
                raise
            message = str(exc)
        typer.echo(f"error: {visible(message)}", err=True)
        raise typer.Exit(EXIT_REFUSED)


app = typer.Typer(
    cls=SerialposGroup,
    name="serialpos",
    help="Capture the serial of every unit from receipt to sale. Without a command: the console.",
    no_args_is_help=False,
    add_completion=False,
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
app.command("apply")(apply_cmd.apply)
app.command("serve")(serve_cmd.serve)
app.add_typer(tokens_cmd.app, name="token")
app.command("invoice")(invoice.invoice)


@app.callback(invoke_without_command=True)
def root(
    ctx: typer.Context,
    db: str | None = typer.Option(None, "--db", envvar="SERIALPOS_DB",
                                  help="Database URL (sqlite:///FILE or postgresql://...)."),
    user: str | None = typer.Option(None, "--user", envvar="SERIALPOS_USER",
                                    help="Who acts; checked against their role."),
    config: str | None = typer.Option(None, "--config", envvar="SERIALPOS_CONFIG",
                                      help="Terminal config file (TOML)."),
) -> None:
    ctx.obj = CliState(db_url=db, user=user, config_path=config)
    if ctx.invoked_subcommand is None:
        from serialpos.tui.app import run_console

        run_console(state(ctx))


def main() -> None:
    app()
