"""A till's write transaction notes where the ledger stood (terminal/entry_events.py) only
once it holds the write lock.

"begin" listeners run before the dialect's ``BEGIN IMMEDIATE`` (db/engine.py). If the note
were read before the lock, another writer on the till (the sync's pull writing central's
events, a second console) could commit between the read and the BEGIN, and this
transaction's journal entry would claim that writer's events: on a refusal the till would
put back quantities the entry never moved."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import migrate
from serialpos.db.engine import Database
from serialpos.terminal import entry_events


def test_the_write_lock_is_held_when_the_start_is_noted(tmp_path: Path) -> None:
    path = tmp_path / "till.sqlite"
    db = Database(f"sqlite:///{path}")
    try:
        migrate.upgrade(db)
        entry_events.watch(db)
        seen: list[str] = []

        def another_writer(conn: Connection) -> None:
            # Registered after watch's listener: runs right after the note is taken.
            if not conn.get_execution_options().get("serialpos_write", True):
                return
            other = sqlite3.connect(path, timeout=0, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("ROLLBACK")
                seen.append("another writer got in")
            except sqlite3.OperationalError as exc:
                seen.append(str(exc))
            finally:
                other.close()

        sa.event.listen(db.engine, "begin", another_writer)
        db.write(lambda conn: conn.execute(sa.text("SELECT 1")).scalar_one())
        db.read(lambda conn: conn.execute(sa.text("SELECT 1")).scalar_one())
        assert seen == ["database is locked"]
    finally:
        db.dispose()
