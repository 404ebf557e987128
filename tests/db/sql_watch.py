"""Watching the SQL a block sends: tests that hold a hot path to its number of statements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from serialpos.db.engine import Database


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    """The statements sent on ``db``'s engine inside the block, in order."""
    seen: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
