"""Which local ledger events a store terminal's journal entry made (issue 16).

A till applies an act locally and journals it in the same transaction
(services/journal_sink.py): every ledger event that transaction writes is the entry's. When
central does not take the entry (a conflict, a refusal), the units it named take central's
state from the verdict, but a quantity (a product without serials) has no state a verdict
could carry: the till must undo what the entry itself did (terminal/quantities.py). So each
entry keeps the ids around its own events, ``events_after < id <= events_to``.

How the ids are known: the till's database is SQLite, one writer at a time, and a write
transaction starts with ``BEGIN IMMEDIATE`` (db/engine.py), so no other writer's events can
fall among this transaction's. At the start of each write transaction, once its write lock
is held, the largest ledger event id is noted on the connection (:func:`watch`, one index
probe); the entry, written at
the end of the act, takes every id after it. A second entry in the same transaction takes
only what follows the first. The note is dropped when the transaction ends, so it never
outlives it.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from serialpos.db import journal, repo
from serialpos.db.engine import Database, begin_write_now

log = logging.getLogger(__name__)

#: ``Connection.info`` key: the largest ledger event id when this write transaction began.
_BEFORE = "serialpos_entry_events_before"
_LAST_SQL = "SELECT coalesce(max(id), 0) FROM ledger_event"
_LAST = sa.select(sa.func.coalesce(sa.func.max(repo.event_t.c.id), 0))


def watch(db: Database) -> None:
    """Note the ledger's last event id at the start of each write transaction on ``db`` (a
    store terminal's SQLite; elsewhere entries are not tied to events)."""
    engine: Engine = db.engine
    if engine.dialect.name != "sqlite" or sa.event.contains(engine, "begin", _note):
        return
    sa.event.listen(engine, "begin", _note)
    sa.event.listen(engine, "commit", _forget)
    sa.event.listen(engine, "rollback", _forget)


def _note(conn: Connection) -> None:
    if not conn.get_execution_options().get("serialpos_write", True):
        return
    # "begin" listeners run before the dialect's BEGIN IMMEDIATE (db/engine.py): take the
    # write lock first, or a sync's pull could commit its events between this read and the
    # BEGIN, and this transaction's entry would claim them (and put them back on a refusal).
    begin_write_now(conn)
    # Straight to the driver: this runs for every write transaction of the till.
    driver: Any = conn.connection.driver_connection
    conn.info[_BEFORE] = int(driver.execute(_LAST_SQL).fetchone()[0])


def _forget(conn: Connection) -> None:
    conn.info.pop(_BEFORE, None)


def claim(conn: Connection) -> tuple[int | None, int | None]:
    """The ids ``(after, to)`` of the ledger events this transaction wrote since it began or
    since the last entry it journaled; ``(None, None)`` when the transaction was not watched
    (then the entry's quantities cannot be put back: logged)."""
    before = conn.info.get(_BEFORE)
    if before is None:
        log.error("journal entry written outside a watched transaction: not tied to its events")
        return None, None
    last = int(conn.execute(_LAST).scalar_one())
    conn.info[_BEFORE] = last
    return int(before), last


def made_by(entry: journal.Entry) -> sa.ColumnElement[bool] | None:
    """The ledger events ``entry`` made here (``events_after < id <= events_to``), as a
    condition on ``ledger_event``; None for an entry not tied to its events (made before
    migration 0027). What a verdict the entry did not get undoes: its quantities
    (terminal/quantities.py) and its units (terminal/tampered_units.py)."""
    if entry.events_after is None or entry.events_to is None:
        return None
    ids = repo.event_t.c.id
    return sa.and_(ids > entry.events_after, ids <= entry.events_to)
