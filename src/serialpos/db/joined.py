"""A :class:`Database` whose every transaction is a savepoint inside one open transaction.

An ``apply`` line sent with an id must record its outcome in the same transaction as the
change it made, yet the services it calls each open their own transaction through
``Database.write``. Handing those services a :class:`JoinedDatabase` makes them run inside the
caller's transaction instead: each of their transactions becomes a savepoint, so a service
that fails still rolls back only its own work, exactly as before, and nothing is committed
until the caller commits the whole line with its outcome.

A busy or serialisation failure inside a savepoint cannot be retried there (the locks that
caused it are the outer transaction's), so it is kept in :attr:`retryable` and the caller
raises it again, letting the outer ``Database.write`` retry the whole line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db.engine import Database, _is_busy, _is_pg_retryable

T = TypeVar("T")


class JoinedDatabase(Database):
    """``db``'s engine and caches, every transaction joined to ``conn``'s open one."""

    def __init__(self, db: Database, conn: Connection) -> None:  # no super(): shares db's
        self.url = db.url
        self._parsed = db._parsed  # what its failures are said with (Database.refusal)
        self.engine = db.engine
        self._read_engine = db._read_engine
        self._each_engine = db._each_engine
        self.dialect = db.dialect
        self._cache = db._cache
        self.journal_sink = db.journal_sink
        self._conn = conn
        #: The first busy/serialisation failure met inside, for the caller to raise again.
        self.retryable: sa.exc.DBAPIError | None = None

    def dispose(self) -> None:
        """The engine belongs to the database this one joins."""

    @contextmanager
    def connect(self, *, write: bool) -> Iterator[Connection]:
        with self._conn.begin_nested():
            yield self._conn

    def _run(self, work: Callable[[Connection], T], *, write: bool, each: bool = False) -> T:
        try:  # ``each`` (read_each) too: inside the open transaction, as every read here
            with self._conn.begin_nested():
                return work(self._conn)
        except sa.exc.DBAPIError as exc:
            if self.retryable is None and (_is_busy(exc) or _is_pg_retryable(exc)):
                self.retryable = exc
            raise
