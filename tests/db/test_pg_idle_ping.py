"""PostgreSQL: a pooled connection is pinged before reuse only after it sat idle
(db/engine.py): one dropped while idle is replaced and the next call works; a burst of
transactions sends no ping between them."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from serialpos.db import engine as engine_module
from serialpos.db.engine import Database

pytestmark = pytest.mark.postgres


def pid_of(db: Database) -> int:
    return int(db.read(lambda conn: conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()))


def test_a_connection_dropped_while_idle_is_replaced(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_SECONDS", 0.0)
    db = Database(pg_url)
    admin = sa.create_engine(pg_url)
    try:
        first = pid_of(db)
        with admin.connect() as conn:
            conn.exec_driver_sql(f"SELECT pg_terminate_backend({first})")
        second = pid_of(db)  # the ping found it gone: a new connection answers
        assert second != first
    finally:
        admin.dispose()
        db.dispose()


def test_only_an_idle_connection_is_pinged(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    db = Database(pg_url)
    pings: list[object] = []
    real_ping = db.engine.dialect.do_ping

    def counted(conn: object) -> bool:
        pings.append(conn)
        return bool(real_ping(conn))

    monkeypatch.setattr(db.engine.dialect, "do_ping", counted)
    try:
        for _ in range(5):  # a burst: each back in the pool a moment ago
            assert db.read(lambda conn: conn.exec_driver_sql("SELECT 1").scalar()) == 1
        assert pings == []
        monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_SECONDS", 0.0)
        idle = Database(pg_url)
        monkeypatch.setattr(idle.engine.dialect, "do_ping", counted)
        try:
            for _ in range(2):
                idle.read(lambda conn: conn.exec_driver_sql("SELECT 1").scalar())
            assert len(pings) == 1  # the second checkout followed a check-in
        finally:
            idle.dispose()
    finally:
        db.dispose()
