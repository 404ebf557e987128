"""A SQLite file's read connection kept between read transactions (db/engine.py ``_once``), as
the write one is (tests/db/test_kept_write_connection.py): taken again by the next read
instead of a pool check-in and check-out, starting each read with the plain deferred BEGIN,
holding no transaction, lock or snapshot between reads, given back to the pool after a
failure, closed by ``dispose``."""

from __future__ import annotations

import sqlite3
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


def _count(conn: Connection) -> int:
    return int(conn.exec_driver_sql("SELECT count(*) FROM t").scalar_one())


def test_reads_in_a_row_check_out_one_connection(file_db: Database) -> None:
    file_db.read(_count)  # the read connection kept from here on
    seen = _checkouts(file_db)
    for _ in range(3):
        assert file_db.read(_count) == 0
    assert seen == []
    assert len(file_db._kept_read or []) == 1


def test_a_kept_read_holds_no_snapshot_and_no_lock(file_db: Database) -> None:
    assert file_db.read(_count) == 0
    other = _other(file_db)
    other.execute("BEGIN IMMEDIATE")  # no lock held by the kept connection
    other.execute("INSERT INTO t VALUES (1)")
    other.execute("COMMIT")
    # Nothing pins the WAL: a full checkpoint by another connection copies every frame.
    busy, _log, _done = other.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    assert busy == 0
    assert file_db.read(_count) == 1  # the next read sees the other's commit


def test_a_kept_read_still_begins_a_deferred_transaction(file_db: Database) -> None:
    file_db.read(_count)

    def inside(conn: Connection) -> tuple[bool, int]:
        driver: sqlite3.Connection = conn.connection.driver_connection  # type: ignore[assignment]
        other = _other(file_db)
        other.execute("BEGIN IMMEDIATE")  # a plain BEGIN took no write lock
        other.execute("ROLLBACK")
        return driver.in_transaction, _count(conn)

    assert file_db.read(inside) == (True, 0)


def test_a_failed_read_gives_its_connection_back(file_db: Database) -> None:
    file_db.read(_count)

    def fails(conn: Connection) -> None:
        _count(conn)
        raise RuntimeError("refused")

    with pytest.raises(RuntimeError):
        file_db.read(fails)
    assert file_db._kept_read == []
    seen = _checkouts(file_db)
    assert file_db.read(_count) == 0
    assert seen == [1]  # a check-out from the pool, kept again after it


def test_reads_and_writes_keep_a_connection_each(file_db: Database) -> None:
    file_db.write(lambda conn: conn.exec_driver_sql("INSERT INTO t VALUES (1)"))
    assert file_db.read(_count) == 1
    assert len(file_db._kept or []) == 1 and len(file_db._kept_read or []) == 1
    assert file_db._kept is not None and file_db._kept_read is not None
    assert file_db._kept[0] is not file_db._kept_read[0]
    assert file_db.engine.pool.checkedout() == 2  # type: ignore[attr-defined]
    file_db.dispose()
    assert file_db._kept == [] and file_db._kept_read == []
    assert file_db.engine.pool.checkedout() == 0  # type: ignore[attr-defined]


def test_a_memory_database_keeps_no_read() -> None:
    db = Database("sqlite://")
    db.write(lambda c: c.exec_driver_sql("CREATE TABLE t (x INTEGER)"))
    db.read(_count)
    assert db._kept_read is None
