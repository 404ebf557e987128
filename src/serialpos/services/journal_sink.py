"""Where a service leaves its journal entry on a store terminal of a chain (issue 16).

A store terminal works on its own database; a change made there reaches central only as a
journal entry: an ``apply`` line that does the same at central, written in the same local
transaction as the change, so a crash keeps both or neither (../shared/OFFLINE.md). The
terminal layer attaches a sink to its database (``terminal/journaled.py``); a service that
completes a business act — a sale fulfilled, units received, a transfer sent, a count
approved — calls :func:`record` inside its own transaction with that line. On central or a
single store no sink is attached and :func:`record` does nothing, so the services stay the
same everywhere.

The sink is an attribute of the database rather than an argument so that the screens and
commands calling the services need not know whether they run on a terminal.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

from sqlalchemy.engine import Connection

from serialpos.db.engine import Database
from serialpos.services.context import Actor


class JournalSink(Protocol):
    """Writes one journal entry for ``line`` in ``conn``'s open transaction; the entry id.
    ``terminal`` is the terminal's id (its documents' numbers carry its code)."""

    terminal: str

    def record(self, conn: Connection, actor: Actor, line: Mapping[str, Any]) -> str: ...


#: Set while a line that is journaled as a whole runs (a terminal's ``apply`` line): the
#: services it calls must not journal their parts again.
_quiet: ContextVar[bool] = ContextVar("journal_sink_quiet", default=False)


def attach(db: Database, sink: JournalSink) -> None:
    """From now on every service acting on ``db`` journals what it completes."""
    db.journal_sink = sink


def on_terminal(db: Database) -> bool:
    """Whether ``db`` is a store terminal's own database (its changes are journaled)."""
    return db.journal_sink is not None


def journaling(db: Database) -> bool:
    """Whether a service acting on ``db`` now journals what it completes (a terminal's
    database, outside a line journaled whole)."""
    return db.journal_sink is not None and not _quiet.get()


def record(db: Database, conn: Connection, actor: Actor, line: Mapping[str, Any]) -> str | None:
    """Journal ``line`` in ``conn``'s transaction when ``db`` is a terminal's; the entry id,
    or None where nothing is journaled."""
    sink = db.journal_sink
    if sink is None or _quiet.get():
        return None
    return sink.record(conn, actor, line)  # type: ignore[no-any-return]


def ahead_of_sale(db: Database, actor: Actor, order: str) -> None:
    """Before a service fulfils ``order`` (outside its transaction), on a store terminal:
    the sink may ask central whether the link is up, when the store's offline rules would
    refuse the sale were it down (terminal/link_probe.py); the rules themselves are checked
    when the sale is journaled. Nothing anywhere else."""
    sink = db.journal_sink
    if sink is None or _quiet.get():
        return
    ahead = getattr(sink, "ahead_of_sale", None)
    if ahead is not None:
        ahead(db, actor, order)


def terminal_of(db: Database) -> str | None:
    """The terminal id of a store terminal's database (its sink's), else None. Documents
    the terminal numbers carry it, so a number it gives means the same at central."""
    terminal = getattr(db.journal_sink, "terminal", None)
    return terminal if isinstance(terminal, str) else None


@contextmanager
def quiet() -> Iterator[None]:
    """Services called inside do not journal (the caller journals the whole line itself)."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)
