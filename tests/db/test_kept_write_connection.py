"""A SQLite file's write connection kept between write transactions (db/engine.py ``_once``):
taken again by the next write instead of a pool check-in and check-out, never holding a
transaction or a lock between writes, given back to the pool after a failure, closed by
``dispose``."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db.engine import Database


@pytest.fixture
def file_db(tmp_path: Path) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'kept.sqlite'}")
    db.write(lambda conn: conn.exec_driver_sql("CREATE TABLE t (x INTEGER)"))
    return db


def _checkouts(db: Database) -> list[int]:
    seen: list[int] = []
    sa.event.listen(db.engine.pool, "checkout", lambda *_a: seen.append(1))
    return seen


def _other(db: Database) -> sqlite3.Connection:
    path = db.engine.url.database
    assert path is not None
    return sqlite3.connect(path, isolation_level=None, timeout=0)


def _insert(conn: Connection) -> None:
    conn.exec_driver_sql("INSERT INTO t VALUES (1)")


def test_writes_in_a_row_check_out_one_connection(file_db: Database) -> None:
    file_db.write(_insert)  # the connection kept from here on
    seen = _checkouts(file_db)
    for _ in range(3):
        file_db.write(_insert)
    assert seen == []
    assert file_db.read(lambda c: c.exec_driver_sql("SELECT count(*) FROM t").scalar()) == 4


def test_the_kept_connection_holds_no_lock_and_sees_other_commits(file_db: Database) -> None:
    file_db.write(_insert)
    other = _other(file_db)
    other.execute("BEGIN IMMEDIATE")  # no write lock held between transactions
    other.execute("INSERT INTO t VALUES (2)")
    other.execute("COMMIT")
    assert file_db.write(lambda c: c.exec_driver_sql("SELECT sum(x) FROM t").scalar()) == 3


def test_a_failed_write_gives_its_connection_back(file_db: Database) -> None:
    file_db.write(_insert)

    def fails(conn: Connection) -> None:
        _insert(conn)
        raise RuntimeError("refused")

    with pytest.raises(RuntimeError):
        file_db.write(fails)
    assert file_db._kept == []
    other = _other(file_db)
    other.execute("BEGIN IMMEDIATE")  # rolled back and released
    other.execute("ROLLBACK")
    seen = _checkouts(file_db)
    file_db.write(_insert)
    assert seen == [1]  # a check-out from the pool, kept again after it
    assert file_db.read(lambda c: c.exec_driver_sql("SELECT count(*) FROM t").scalar()) == 2


def test_a_write_inside_a_write_uses_a_connection_of_its_own(file_db: Database) -> None:
    file_db.write(_insert)
    seen: list[object] = []
    done = threading.Event()

    def inner() -> None:
        file_db.write(lambda c: seen.append(c))
        done.set()

    thread = threading.Thread(target=inner)

    def outer(conn: Connection) -> None:
        seen.append(conn)
        thread.start()  # its write waits for this one's lock
        _insert(conn)
        seen.append(done.is_set())

    file_db.write(outer)
    thread.join(timeout=30)
    assert seen[1] is False  # the inner write waited for the outer's commit
    assert seen[0] is not seen[2]
    assert len(file_db._kept or []) == 1


def test_concurrent_writers_all_commit(file_db: Database) -> None:
    def writer() -> None:
        for _ in range(50):
            file_db.write(_insert)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert file_db.read(lambda c: c.exec_driver_sql("SELECT count(*) FROM t").scalar()) == 200
    assert len(file_db._kept or []) <= 1


def test_dispose_closes_the_kept_connection(file_db: Database) -> None:
    file_db.write(_insert)
    assert file_db.engine.pool.checkedout() == 1  # type: ignore[attr-defined]
    file_db.dispose()
    assert file_db._kept == []
    assert file_db.engine.pool.checkedout() == 0  # type: ignore[attr-defined]


def test_a_memory_database_keeps_nothing() -> None:
    db = Database("sqlite://")
    db.write(lambda c: c.exec_driver_sql("CREATE TABLE t (x INTEGER)"))
    db.write(_insert)
    assert db._kept is None
