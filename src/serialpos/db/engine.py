"""The database handle: engine set-up per dialect, and transactions that retry when busy.

SQLite runs in WAL mode with ``synchronous=FULL`` (a committed sale survives a power cut),
foreign keys on and a busy timeout; write transactions start with ``BEGIN IMMEDIATE`` so two
terminals never deadlock on a lock upgrade. Read transactions start with a plain ``BEGIN``:
in WAL mode a reader never waits for a writer, so ``stock`` or ``serial show`` answer while an
import holds the write lock. A busy database is waited for (``SERIALPOS_BUSY_WAIT`` seconds,
30 by default, each attempt; a write then retries for up to two minutes) by every connection
— including the schema check at start-up — and never reported as a refusal. PostgreSQL uses
the same tables; races for one unit are settled by conditional updates and unique constraints.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from serialpos.db import open_errors, txcache
from serialpos.db.open_errors import DatabaseUnusable

T = TypeVar("T")

#: How long a connection waits for a busy SQLite database before the retry loop takes over.
DEFAULT_BUSY_WAIT_SECONDS = 30.0
BUSY_WAIT_ENV = "SERIALPOS_BUSY_WAIT"
BUSY_RETRY_SECONDS = 120.0


def busy_wait_seconds() -> float:
    """The configured wait for a busy database (``SERIALPOS_BUSY_WAIT``, in seconds). A value
    that is not a positive number is refused rather than silently replaced."""
    raw = os.environ.get(BUSY_WAIT_ENV, "").strip()
    if not raw:
        return DEFAULT_BUSY_WAIT_SECONDS
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value <= 86_400:
        raise DatabaseError(
            f"{BUSY_WAIT_ENV}={raw!r} is not a number of seconds between 0 and 86400"
        )
    return value


class DatabaseError(DatabaseUnusable):
    """The database cannot be reached or used; the message says what to do."""


class DiskFull(DatabaseError):
    """The database's disk is full (or failing): nothing of the change was recorded. Apart,
    so that ``apply`` can still answer every line it was given (cli/apply.py) and the
    console can say it in fewer words (tui/backend.py). ``file``: the SQLite file."""

    def __init__(self, message: str, file: Path | None = None) -> None:
        super().__init__(message)
        self.file = file


def _unusable(exc: BaseException, parsed: sa.URL, otherwise: str) -> DatabaseError:
    """The error to raise for a database failure: its one line, said as open_errors does."""
    full = _disk_full_in(exc)
    if full is not None:
        return DiskFull(
            open_errors.explain(full, parsed) or otherwise, open_errors.sqlite_file(parsed)
        )
    return DatabaseError(open_errors.explain(exc, parsed) or otherwise)


def _disk_full_in(exc: BaseException) -> BaseException | None:
    """The full disk behind ``exc``, if any. SQLite rolls a whole transaction back itself when
    the disk is full, so a savepoint's rollback then fails too ("no such savepoint"), with the
    full disk only as its context."""
    seen: BaseException | None = exc
    while seen is not None:
        if open_errors.disk_full(seen):
            return seen
        nxt = seen.__cause__ or seen.__context__
        seen = None if nxt is seen else nxt
    return None


def normalize_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use the psycopg 3 driver for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _is_busy(exc: BaseException) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in text or "database is busy" in text


def _is_pg_retryable(exc: BaseException) -> bool:
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return code in ("40001", "40P01")  # serialization failure, deadlock detected


class Database:
    """One database, shared by every service call in a process."""

    #: On a store terminal: where services journal what they complete
    #: (services/journal_sink.py); None elsewhere.
    journal_sink: Any = None

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        busy_wait: float | None = None,
        must_exist: bool = False,
        pool_size: int | None = None,
    ) -> None:
        """``must_exist``: a SQLite file that does not exist is refused, and nothing (no
        folder, no file) is created; only commands that create a database leave it False.
        ``pool_size``: the connections kept open (a server: one per worker thread, see
        :func:`pool_options`); SQLAlchemy's default otherwise."""
        self.url = normalize_url(url)
        try:
            self._parsed = open_errors.parse_url(self.url)
            if must_exist:
                open_errors.require_existing(self._parsed)
        except DatabaseUnusable as exc:
            raise DatabaseError(str(exc)) from None
        #: Seconds a connection waits for a busy SQLite database (each attempt).
        self.busy_wait = busy_wait_seconds() if busy_wait is None else busy_wait
        self.engine = self._make_engine(self._parsed, echo, self.busy_wait, pool_size)
        # The same pool with reads marked once, instead of per transaction.
        self._read_engine = self.engine.execution_options(serialpos_write=False)
        if self.engine.dialect.name == "sqlite":
            begin_reads_deferred(self._read_engine)
        #: Reads whose statements share no snapshot (see :meth:`read_each`): autocommit on
        #: PostgreSQL; SQLite's read transaction as ``read``.
        self._each_engine = (
            self._read_engine.execution_options(isolation_level="AUTOCOMMIT")
            if self.engine.dialect.name == "postgresql"
            else self._read_engine
        )
        self.dialect = self.engine.dialect.name
        self._cache: dict[tuple[str, str], int] = {}
        #: SQLite file: the write connection kept checked out between write transactions
        #: (at most one; see :meth:`_once`). None: every transaction checks one out.
        kept_here = self.dialect == "sqlite" and open_errors.sqlite_file(self._parsed) is not None
        self._kept: list[Connection] | None = [] if kept_here else None
        #: The same for read transactions (a connection of the read engine, whose BEGIN is
        #: the plain deferred one): at most one kept, apart from the write one.
        self._kept_read: list[Connection] | None = [] if kept_here else None

    # -- engine -----------------------------------------------------------------------
    @staticmethod
    def _make_engine(parsed: sa.URL, echo: bool, busy_wait: float, pool_size: int | None) -> Engine:
        path = open_errors.sqlite_file(parsed)
        in_memory = path is None and parsed.get_backend_name() == "sqlite"  # one connection
        pool = {} if in_memory else pool_options(pool_size)
        if parsed.get_backend_name() == "sqlite":
            if path is not None and not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
            engine = sa.create_engine(
                parsed,
                echo=echo,
                connect_args={"check_same_thread": False, "timeout": busy_wait},
                **pool,
            )
            _configure_sqlite(engine, int(busy_wait * 1000))
            _caches_follow_savepoints(engine)
            return engine
        try:
            engine = sa.create_engine(
                parsed, echo=echo, connect_args={"connect_timeout": 10}, **pool
            )
        except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError) as exc:
            raise DatabaseError(
                f"cannot use this database URL ({parsed.drivername}): {str(exc).splitlines()[0]}"
            ) from None
        _ping_when_idle(engine, PING_AFTER_IDLE_SECONDS)
        _arrays_in_binary(engine)
        _caches_follow_savepoints(engine)
        return engine

    def dispose(self) -> None:
        for kept in (self._kept, self._kept_read):
            while kept:
                kept.pop().close()
        self.engine.dispose()

    def refusal(self, exc: BaseException) -> DatabaseError:
        """The error saying in one line why this database failed ``exc``'s work, or why it
        could not: a full disk behind it (even as the context of a later failure) is a
        :class:`DiskFull` naming this database's file."""
        if isinstance(exc, DatabaseError):
            full = _disk_full_in(exc)
            return (
                exc
                if full is None or isinstance(exc, DiskFull)
                else _unusable(full, self._parsed, str(exc))
            )
        return _unusable(exc, self._parsed, f"database error: {_reason(exc)}")

    # -- transactions -----------------------------------------------------------------
    @contextmanager
    def connect(self, *, write: bool) -> Iterator[Connection]:
        """One transaction. Commits when the block ends normally, rolls back otherwise."""
        conn = self._checkout(write)
        try:
            with conn.begin():
                yield conn
        finally:
            conn.close()

    def _checkout(self, write: bool, each: bool = False) -> Connection:
        try:
            if each:
                return self._each_engine.connect()
            return (self.engine if write else self._read_engine).connect()
        except sa.exc.OperationalError as exc:
            if _is_busy(exc):
                raise  # waited for by the retry loop, like a busy BEGIN
            raise _unusable(exc, self._parsed, f"cannot open the database: {_reason(exc)}") from exc
        except sa.exc.DBAPIError as exc:  # "file is not a database" and the like
            raise _unusable(exc, self._parsed, f"cannot open the database: {_reason(exc)}") from exc

    def write(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` in one write transaction, retrying while another writer holds the
        database; a busy database is waited for, never reported to the user as a refusal."""
        return self._run(work, write=True)

    def read(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` in one read transaction: a plain ``BEGIN`` on SQLite, which never takes
        the write lock; waited for like a write while the database is busy."""
        return self._run(work, write=False)

    def read_each(self, work: Callable[[Connection], T]) -> T:
        """:meth:`read` for reads whose statements need no snapshot in common, each whole
        in itself (a store terminal's pull: the token, then the page with the feed's last
        number, services/feed.py): on PostgreSQL without a transaction around them
        (autocommit), so no ``BEGIN`` and ``COMMIT`` round trips; on SQLite as ``read``.
        PostgreSQL's default (read committed) gives each statement of a read transaction its
        own snapshot anyway, so for plain reads only the round trips change. Never for
        writes (each statement would commit alone), row locks, or a read that sets its
        isolation (snapshot_sql.begin_consistent_read)."""
        return self._run(work, write=False, each=True)

    def _run(self, work: Callable[[Connection], T], *, write: bool, each: bool = False) -> T:
        deadline = time.monotonic() + max(BUSY_RETRY_SECONDS, self.busy_wait)
        delay = 0.01
        while True:
            try:
                return self._once(work, write, each)
            except sa.exc.OperationalError as exc:
                if not (_is_busy(exc) or _is_pg_retryable(exc)) or time.monotonic() > deadline:
                    raise _unusable(exc, self._parsed, f"database error: {_reason(exc)}") from exc
            except sa.exc.DBAPIError as exc:
                if not _is_pg_retryable(exc) or time.monotonic() > deadline:
                    if open_errors.explain(exc, self._parsed) is not None:
                        raise _unusable(exc, self._parsed, "") from exc
                    raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)

    def _once(self, work: Callable[[Connection], T], write: bool, each: bool = False) -> T:
        """``connect`` without the generator context manager: this runs for every service
        call, so it stays as short as the transaction allows.

        On a SQLite file a write's connection is kept checked out after a clean commit and
        taken again by the next write of any thread (one at a time: ``list.pop`` and
        ``append`` are atomic), instead of the pool's check-in (its reset rollback and
        events) and check-out and a new ``Connection`` each time: a counter sale is three
        write transactions, and that round was 12 of an empty write's 20 us of CPU. Reads
        keep one of their own the same way (a read's ``Connection`` carries the read
        engine's plain ``BEGIN``): an empty read was 23-25 us of CPU against 10-11 for an
        empty write, and a counter sale's first scan, a serial lookup and every screen's
        refresh is one. Between transactions a kept connection holds no transaction, no
        lock and no snapshot (a read's ends with its COMMIT, so it keeps no checkpoint
        waiting); one that failed, was invalidated or is not needed (another was put back
        first) goes back to the pool as before. PostgreSQL keeps the pool's check-out,
        where the idle ping lives."""
        kept = self._kept if write else self._kept_read
        conn = _take(kept) if kept else None
        if conn is None:
            conn = self._checkout(write, each)
        keep = False
        try:
            transaction = conn.begin()
            try:
                result = work(conn)
            except BaseException:
                transaction.rollback()
                raise
            transaction.commit()
            keep = kept is not None and not kept and not conn.invalidated
            return result
        finally:
            if keep and kept is not None and not conn.in_transaction():
                kept.append(conn)
            else:
                conn.close()

    # -- small caches for identifiers that never change -------------------------------
    def cached_id(self, kind: str, key: str) -> int | None:
        return self._cache.get((kind, key))

    def remember_id(self, kind: str, key: str, value: int) -> None:
        self._cache[(kind, key)] = value

    def forget_ids(self) -> None:
        self._cache.clear()


def _take(kept: list[Connection]) -> Connection | None:
    """The kept connection, or None when another thread took it a moment ago."""
    try:
        return kept.pop()
    except IndexError:
        return None


def pool_options(pool_size: int | None) -> dict[str, int]:
    """``create_engine``'s pool arguments for ``pool_size`` connections kept open, with as
    many again allowed beside them for a moment (a read opened while a transaction is open,
    a streamed export that holds its connection between chunks). SQLAlchemy's default (5
    kept, 10 more) closes every connection above five when it comes back: a server with 40
    worker threads opened and closed PostgreSQL connections all the time (32-37 server
    processes seen for 2 workers), each a new server process with cold caches and none of
    psycopg's prepared statements."""
    if pool_size is None:
        return {}
    return {"pool_size": pool_size, "max_overflow": pool_size}


def _reason(exc: BaseException) -> str:
    return str(getattr(exc, "orig", exc)).strip().splitlines()[0]


#: A pooled PostgreSQL connection idle longer than this is pinged before it is used again.
PING_AFTER_IDLE_SECONDS = 2.0


def _ping_when_idle(engine: Engine, seconds: float) -> None:
    """``pool_pre_ping``, but only for a connection that sat idle in the pool: a dropped
    connection (server restart, a firewall's idle timeout) is found and replaced before a
    transaction uses it, while a burst of transactions (the steps of a sale, a host's batch)
    does not pay a round trip each. The ping is SQLAlchemy's own; a failed one makes the
    pool open a new connection, as pre-ping does."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["serialpos_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("serialpos_idle_since")
        if since is None or time.monotonic() - since < seconds:
            return  # new, or back in the pool a moment ago
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:  # the driver's own error for a dead connection
            raise sa.exc.DisconnectionError(f"pooled connection is gone: {exc}") from exc
        if not alive:
            raise sa.exc.DisconnectionError("pooled connection did not answer a ping")


def _caches_follow_savepoints(engine: Engine) -> None:
    """A savepoint rolled back drops the transaction's caches of what it wrote
    (:func:`txcache.savepoint_rolled_back`), by the dialect's own hook rather than a
    "rollback_savepoint" listener: any engine-level listener (one on the ``Engine`` class
    is on every engine) makes SQLAlchemy dispatch events on every begin, commit and
    statement of every connection, a tenth of an empty transaction's CPU."""
    dialect = engine.dialect
    rollback_to = dialect.do_rollback_to_savepoint

    def _do_rollback_to_savepoint(connection: Connection, name: str) -> None:
        txcache.savepoint_rolled_back(connection)
        rollback_to(connection, name)

    dialect.do_rollback_to_savepoint = _do_rollback_to_savepoint  # type: ignore[method-assign]


def _arrays_in_binary(engine: Engine) -> None:
    """PostgreSQL: a list parameter (an array: ``= ANY``, ``unnest``, db/one_of.py) is sent
    in binary. psycopg's default for a list is its text form, which quotes and escapes each
    element with a regular expression: 1 ms for twenty verdicts of a push (JSON, full of
    quotes), against 0.006 ms in binary. The values and the server's casts are the same;
    only the wire format changes (an empty list and NULL elements included)."""
    from serialpos.db.pg_arrays import FlatListBinaryDumper

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.adapters.register_dumper(list, FlatListBinaryDumper)


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event (below) say how a transaction starts.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = FULL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    # A write transaction starts with BEGIN IMMEDIATE, issued by the dialect's own
    # ``do_begin`` rather than a "begin" listener: any engine-level listener makes
    # SQLAlchemy dispatch events on every begin, commit, rollback and statement of every
    # connection (and ``Prepared.run`` walk the statement listeners), about a fifth of an
    # empty write transaction's CPU. A read starts with a plain BEGIN from the read
    # engine's own listener (:func:`begin_reads_deferred`), so only reads pay for events;
    # ``do_begin`` then finds the transaction open and leaves it. Errors raised here are
    # wrapped by SQLAlchemy (``_begin_impl``), so a busy database is still recognised.
    dialect = engine.dialect

    def _do_begin(dbapi_conn: Any) -> None:
        driver = dbapi_conn.driver_connection
        if not driver.in_transaction:
            driver.execute("BEGIN IMMEDIATE")

    dialect.do_begin = _do_begin  # type: ignore[method-assign, assignment]


def begin_write_now(conn: Connection) -> None:
    """SQLite: take the write lock now (``BEGIN IMMEDIATE``) for a write transaction of
    ``conn`` that a "begin" listener is starting. Such listeners run *before* the
    dialect's ``do_begin``, so one that reads the database to know where this transaction
    starts (terminal/entry_events.py: the ledger's last event id) must hold the lock first,
    or another writer could commit between its read and the BEGIN; ``do_begin`` then finds
    the transaction open and leaves it. Errors are wrapped as SQLAlchemy would, so a busy
    database is still recognised and waited for."""
    driver: Any = conn.connection.driver_connection
    if driver.in_transaction:
        return
    try:
        driver.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:
        raise sa.exc.DBAPIError.instance("BEGIN IMMEDIATE", None, exc, sqlite3.Error) from exc


def begin_reads_deferred(read_engine: Engine) -> None:
    """SQLite: a transaction of ``read_engine`` (the write engine's pool, marked for reads)
    starts with a plain ``BEGIN``, which never takes the write lock; straight to the driver,
    since ``exec_driver_sql`` costs as much as the rest of an empty transaction. Errors are
    wrapped as SQLAlchemy would, so a busy database is still recognised and waited for."""

    @event.listens_for(read_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        try:
            conn.connection.driver_connection.execute("BEGIN")  # type: ignore[union-attr]
        except sqlite3.Error as exc:
            raise sa.exc.DBAPIError.instance("BEGIN", None, exc, sqlite3.Error) from exc
