"""The ``serialpos`` command's entry point: the console straight away, or the command tree.

Without a command ``serialpos`` opens the console, and nothing it does not draw is imported
first: :func:`main` looks at the arguments, and when they hold nothing but the global options
(``--db``, ``--user``, ``--config``, or their environment variables) it does the root
callback's work itself and opens the console — no typer, whose option parsing imports
pydantic, and no command module (bench/startup_bench.py). Anything else — a command,
``--help``, ``--version``, completion, an option it does not know — goes to the whole command
tree in :mod:`serialpos.cli.commands`, so what the command line accepts is the same either
way. ``serialpos.cli.app.app`` is that tree (tests and completion use it), built when asked for.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import typer

#: The root's options that take a value: with them alone, the command is the console.
VALUE_OPTIONS = ("--db", "--user", "--config")


def console_options(args: list[str]) -> dict[str, str | None] | None:
    """The console's ``--db``, ``--user`` and ``--config`` (from ``args``, else from their
    environment variables, read as the root callback reads them); None when ``args`` hold
    anything else, which only the command tree knows."""
    given: dict[str, str] = {}
    at = 0
    while at < len(args):
        name, equals, value = args[at].partition("=")
        if name not in VALUE_OPTIONS:
            return None  # a command, --help, --version, anything unknown
        if not equals:
            at += 1
            if at == len(args):
                return None  # a missing value: the tree says so
            value = args[at]
        given[name] = value
        at += 1
    return {
        name: given.get(name) or os.environ.get(f"SERIALPOS_{name[2:].upper()}") or None
        for name in VALUE_OPTIONS
    }


def open_console(options: dict[str, str | None]) -> int:
    """The root callback's work for the console, its failures said as the command tree says
    them (one line on stderr, exit 1). Returns the exit status."""
    from serialpos.cli.context import CliState, start_invocation
    from serialpos.tui.app import run_console

    st = CliState(db_url=options["--db"], user=options["--user"], config_path=options["--config"])
    try:
        start_invocation(st, None)
        run_console(st)
    except Exception as exc:
        # Imported only here: the console's start does not pay for the output module.
        from serialpos.cli.output import EXIT_REFUSED, is_click, refusal
        from serialpos.domain.text import visible

        if is_click(exc):  # typer.Exit from a refusal already said
            return int(getattr(exc, "exit_code", EXIT_REFUSED))
        print(f"error: {visible(refusal(exc, ''))}", file=sys.stderr)
        return EXIT_REFUSED
    return 0


def main() -> None:
    options = console_options(sys.argv[1:])
    if options is not None and "_SERIALPOS_COMPLETE" not in os.environ:
        raise SystemExit(open_console(options))
    from serialpos.cli.commands import whole_app

    whole_app()()


def __getattr__(name: str) -> typer.Typer:
    """``serialpos.cli.app.app``: the whole command tree, built on first use."""
    if name == "app":
        from serialpos.cli.commands import whole_app

        return whole_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
