"""Report rows written as CSV, XLSX or JSON, to a file or to stdout.

A file appears complete or not at all (services/exports.py writes beside it and renames); a
long export to a file shows a progress bar on stderr, so stdout stays clean for pipes; a reader
of stdout that stops early (``| head``) is no error."""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import typer

from serialpos.cli.output import fail, say

#: Exports of at least this many rows show a progress bar (on a terminal).
PROGRESS_FROM = 20_000


def write_rows(
    fmt: str,
    out: Path | None,
    columns: Sequence[str],
    keys: Sequence[str],
    rows: Iterable[Sequence[object]],
    total: int,
    what: str,
) -> None:
    """Write rows as CSV, XLSX or JSON (keys: JSON's names for the columns) to ``out`` or
    stdout."""
    from serialpos.services import exports

    names = keys if fmt == "json" else columns
    if out is None:
        try:
            if fmt == "csv":
                exports.stream_csv(sys.stdout, names, rows)
            else:
                exports.stream_json(sys.stdout, names, rows)
            sys.stdout.flush()
        except BrokenPipeError:
            reader_gone()
        return
    if not out.parent.is_dir():
        fail(f"cannot write {out}: the folder {out.parent} does not exist")
    try:
        with export_progress(total, what) as progress:
            count = exports.write_export(fmt, out, names, rows, progress)
    except OSError as exc:
        # The temporary file beside the target is gone already; name what the user asked for.
        fail(f"cannot write {out}: {exc.strerror or exc}")
    say(f"wrote {count:,} rows to {out}")


def reader_gone() -> None:
    """The reader of stdout stopped early (``| head``): stop quietly, as other tools do,
    and point stdout at /dev/null so the interpreter's last flush does not complain."""
    import os

    with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    raise typer.Exit(0)


@contextmanager
def export_progress(total: int, what: str) -> Iterator[Callable[[int], None] | None]:
    """A transient Rich progress bar on stderr for a long export; nothing for a short one,
    or when stderr is not a terminal (a log file would fill with redraws)."""
    from rich.console import Console

    console = Console(stderr=True)
    if total < PROGRESS_FROM or not console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(what, total=total)
        yield lambda done: bar.update(task, completed=done)
