"""One way to print: Rich tables for people, plain JSON for scripts, one-line errors on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, NoReturn

EXIT_REFUSED = 1
EXIT_USAGE = 2


def local_time(at: datetime) -> str:
    """Recorded in UTC, read on the store's clock (as the console shows it)."""
    from datetime import UTC

    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return aware.astimezone().strftime("%Y-%m-%d %H:%M")


def plain(value: Any) -> Any:
    """Turn service results (dataclasses, enums, decimals, dates) into JSON-ready values."""
    if is_dataclass(value) and not isinstance(value, type):
        return {k: plain(v) for k, v in asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat() + ("Z" if value.tzinfo is None else "")
    if isinstance(value, date):
        return value.isoformat()
    return value


def output_console() -> Any:
    """The Rich console for tables: the terminal's width on a terminal (or ``COLUMNS`` when
    set); piped into a file or another program, as wide as the rows need — never wrapped."""
    import os

    from rich.console import Console

    if os.environ.get("COLUMNS") or sys.stdout.isatty():
        return Console()
    return Console(width=100_000)


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(plain(value), ensure_ascii=False) + "\n")


def _cell(value: Any) -> Any:
    from rich.text import Text

    from serialpos.domain.text import visible

    if value is None:
        return Text("")
    if isinstance(value, Text):
        return value
    return Text(visible(str(plain(value))))


#: Columns whose values are identifiers or an amount of money: shown whole, never wrapped or
#: cut with an ellipsis (``1,0…`` for 1,079.99 at 80 columns is a wrong amount, not a short one).
WHOLE_COLUMNS = frozenset(
    {"sku", "invoice", "order", "document", "serial", "serials", "total", "amount"}
)


def _kept_whole(name: str) -> bool:
    lowered = name.lower()
    return lowered in WHOLE_COLUMNS or lowered.startswith("serial")


def print_table(
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    title: str | None = None,
    empty: str = "nothing to show",
) -> None:
    """A Rich table. Cells are shown literally: data containing ``[red]`` or escape sequences
    is never interpreted."""
    from rich.table import Table

    cells = [[_cell(v) for v in row] for row in rows]
    table = Table(title=title, show_lines=False, header_style="bold")
    for i, name in enumerate(columns):
        if _kept_whole(name):
            # A cut serial, document number or amount is a wrong one: other columns wrap instead.
            width = max([len(name), *(c[i].cell_len for c in cells if i < len(c))])
            table.add_column(name, no_wrap=True, min_width=width)
        else:
            table.add_column(name)
    for row_cells in cells:
        table.add_row(*row_cells)
    count = len(cells)
    console = output_console()
    if count == 0:
        console.print(empty, markup=False, highlight=False)
    else:
        console.print(table)


def say(message: str) -> None:
    from rich.console import Console

    from serialpos.domain.text import visible

    # soft_wrap: a long line (a path, a serial) is left to the terminal to wrap, never broken
    # by Rich with a line break inside a word, which a script reading the output would keep.
    Console(soft_wrap=True).print(visible(message), markup=False, highlight=False)


def fail(message: str, code: int = EXIT_REFUSED) -> NoReturn:
    import typer  # here, not at import: the console starts without typer

    from serialpos.domain.text import visible

    typer.echo(f"error: {visible(message)}", err=True)
    raise typer.Exit(code)


def refusal(exc: Exception, command: str) -> str:
    """The one line said for a failed command (an unexpected error is logged first)."""
    from serialpos.config import ConfigError
    from serialpos.domain.errors import DomainError
    from serialpos.services.database import DatabaseUnusable

    if isinstance(exc, DomainError | ConfigError):
        return str(exc)
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
        return f"{exc.strerror or exc}{where}"
    known = isinstance(exc, DatabaseUnusable)  # DatabaseError is one
    return str(exc) if known else unexpected(exc, command)


def is_click(exc: Exception) -> bool:
    """Exit, Abort and usage errors: click's own ways of ending a command."""
    return any(c.__module__.startswith(("typer", "click")) for c in type(exc).__mro__)


def unexpected(exc: Exception, command: str) -> str:
    """Log the traceback; the line for the user names the log file."""
    import logging

    from serialpos.logs import where_logged

    logging.getLogger(__name__).error("unexpected error in `serialpos %s`", command, exc_info=exc)
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"unexpected error ({type(exc).__name__}{': ' + first if first else ''}){where_logged()}"
