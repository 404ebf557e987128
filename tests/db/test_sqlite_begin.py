"""How a SQLite transaction starts (db/engine.py): a write with ``BEGIN IMMEDIATE`` from the
dialect's ``do_begin``, a read with a plain ``BEGIN`` from the read engine's listener, and no
engine-level listener on the write engine, so writes pay for no event dispatch."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa

from serialpos.db.engine import Database


@pytest.fixture
def file_db(tmp_path: Path) -> Database:
    return Database(f"sqlite:///{tmp_path / 'begin.sqlite'}")


def _other(db: Database) -> sqlite3.Connection:
    """A second connection to the same file that gives up at once on a lock."""
    path = db.engine.url.database
    assert path is not None
    return sqlite3.connect(path, isolation_level=None, timeout=0)


def test_a_write_takes_the_write_lock_at_begin(file_db: Database) -> None:
    other = _other(file_db)
    with file_db.connect(write=True), pytest.raises(sqlite3.OperationalError, match="locked"):
        other.execute("BEGIN IMMEDIATE")
    other.execute("BEGIN IMMEDIATE")  # released at commit
    other.execute("ROLLBACK")


def test_a_read_never_takes_the_write_lock(file_db: Database) -> None:
    other = _other(file_db)
    with file_db.connect(write=False) as conn:
        assert conn.connection.driver_connection.in_transaction  # type: ignore[union-attr]
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")


def test_the_write_engine_dispatches_no_events(file_db: Database) -> None:
    """Any engine-level listener makes SQLAlchemy dispatch events on every begin, commit and
    statement of every connection; the write path must have none of its own."""
    assert not file_db.engine._has_events
    with file_db.connect(write=True) as conn:
        assert not conn._has_events


def test_a_busy_begin_is_sqlalchemys_operational_error(file_db: Database) -> None:
    """A busy database at BEGIN IMMEDIATE is raised as SQLAlchemy's OperationalError, which
    the retry loop recognises and waits for."""
    fast = Database(str(file_db.engine.url), busy_wait=0.05)
    other = _other(file_db)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(sa.exc.OperationalError, match="locked"), fast.connect(write=True):
            pass
    finally:
        other.execute("ROLLBACK")
        fast.dispose()
