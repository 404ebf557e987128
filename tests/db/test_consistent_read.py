"""A consistent read (a store terminal's pull, a snapshot) is one snapshot on PostgreSQL, set
on the driver's cursor: SQLAlchemy's ``exec_driver_sql`` (its execution context and result
set up for a statement that returns nothing) cost a quarter of a pull's Python in process.
Listeners still see the statement."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import snapshot_sql
from serialpos.db.engine import Database


def test_a_consistent_read_is_set_on_the_driver_cursor(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    contexts: list[object] = []
    sent: list[str] = []
    real = Connection._execute_context

    def counted(self: Connection, *args: Any, **kwargs: Any) -> Any:
        contexts.append(args)
        return real(self, *args, **kwargs)

    def cursor_executed(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        sent.append(statement)

    def read(conn: Connection) -> tuple[int, str | None]:
        contexts.clear()
        snapshot_sql.begin_consistent_read(conn)
        count = len(contexts)
        if db.dialect != "postgresql":
            return count, None
        return count, str(conn.exec_driver_sql("SHOW transaction_isolation").scalar())

    monkeypatch.setattr(Connection, "_execute_context", counted)
    sa.event.listen(db.engine, "before_cursor_execute", cursor_executed)
    try:
        # Past psycopg's threshold for preparing a statement (5): it is prepared, then run.
        found = [db.read(read) for _ in range(7)]
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", cursor_executed)
    assert [count for count, _level in found] == [0] * 7  # no SQLAlchemy execution context
    if db.dialect == "postgresql":
        assert {level for _count, level in found} == {"repeatable read"}
        assert sent.count("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ") == 7
    else:
        assert {level for _count, level in found} == {None}
