"""``serialpos apply FILE``: a host system's ledger operations (JSON Lines), one verdict per line.

The command only opens the input and writes each verdict the moment it exists, so a host can
stream operations in and read verdicts back as they come; reading, checking and applying the
lines is services/apply/ (dispatch.py and the handlers per document family). The format is in
docs/integration.md.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any

import typer

from serialpos.cli.context import CliState, state
from serialpos.cli.output import EXIT_REFUSED, EXIT_USAGE, fail


def apply(
    ctx: typer.Context,
    args: list[str] = typer.Argument(
        ...,
        metavar="FILE | ID...",
        help="JSON Lines of ledger operations (- reads standard input); with --status, the "
        "line ids to look up.",
    ),
    status: bool = typer.Option(
        False, "--status", help="Tell what became of each line id instead of applying."
    ),
    push: bool = typer.Option(
        False,
        "--push",
        help="On a store terminal: send each entry to central at once "
        "and say its answer ('central'); no answer in 2 s: the "
        "entry stays pending and the run goes on offline.",
    ),
) -> None:
    """Apply ledger operations from a host system, each line its own transaction.

    Prints one JSON line per input line. Exits 0 when every line was applied, 1 when any was
    refused (the others are still applied), 2 on a usage error. A line with an ``id`` is
    applied at most once: sent again, it answers its first verdict with ``"replayed": true``.
    With --status, prints one JSON line per id: ``applied`` (with its verdict) or
    ``not_applied``.
    """
    st = state(ctx)
    if status:
        _status(st, args)
        return
    if len(args) != 1:
        fail("apply takes one FILE (or - for standard input); --status takes ids", EXIT_USAGE)
    _apply_file(st, args[0], push)


def _status(st: CliState, ids: list[str]) -> None:
    from serialpos.services.apply_ids import status

    for answer in status(st.database(), ids):
        sys.stdout.buffer.write(json.dumps(answer, ensure_ascii=False).encode("utf-8") + b"\n")


def _apply_file(st: CliState, file: str, push: bool = False) -> None:
    from serialpos.services.apply.dispatch import apply_stream, none_recorded
    from serialpos.services.database import DiskFull

    if file == "-":
        stream = sys.stdin.buffer
    else:
        try:
            stream = open(file, "rb")  # noqa: SIM115 - closed below, after the last line
        except OSError as exc:
            fail(f"cannot read {file}: {exc.strerror or exc}", EXIT_USAGE)
    try:
        try:
            actor = st.require_actor()
            db = st.database()
        except DiskFull as full:
            # Nothing can be written, so nothing will be recorded: each line still gets its
            # verdict saying so, then the one line on stderr and exit 1 as for any command.
            _write_verdicts(none_recorded(stream, str(full)))
            raise
        chain = st.config().chain
        if chain is not None:  # a store terminal: every line applied here and journaled
            from serialpos.terminal.journaled import apply_stream as journaled_stream

            results = journaled_stream(
                db, actor, stream, st.config().resolved_outbox(), chain.terminal, chain.store
            )
            if push:
                from serialpos.terminal.online import pushed_at_once

                results = pushed_at_once(db, chain, results, user=actor.user)
        else:
            results = apply_stream(db, actor, stream, st.config().resolved_outbox())
        refused = _write_verdicts(results)
    finally:
        if file != "-":
            stream.close()
    if refused:
        raise typer.Exit(EXIT_REFUSED)


def _write_verdicts(results: Iterable[dict[str, Any]]) -> bool:
    """Write each verdict as it comes; True when any line was refused. The format is UTF-8
    whatever the terminal's locale, so bytes are written, and each verdict is flushed: a
    host reading a pipe sees it before the next line is applied."""
    out = sys.stdout.buffer
    refused = False
    for result in results:
        out.write(json.dumps(result, ensure_ascii=False).encode("utf-8") + b"\n")
        out.flush()
        refused = refused or not result["ok"]
    return refused
