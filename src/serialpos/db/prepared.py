"""Prepared statements for the hot paths: Core statements compiled once per dialect and run
on the driver's own cursor (see :class:`Prepared` for what that saves and what it keeps).
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects.sqlite.base import DATETIME as SQLITE_DATETIME
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql.compiler import SQLCompiler

#: conn.info key of the driver cursor kept for prepared statements (with its connection).
_CURSOR = "serialpos.prepared_cursor"
#: A bind in psycopg's named style, or its escaped percent sign.
_PYFORMAT = re.compile(r"%\((\w+)\)s|%%")


def _numbered(sql: str) -> tuple[str, tuple[str, ...]]:
    """``sql`` in psycopg's named style (``%(name)s``) with PostgreSQL's own numbered
    placeholders (``$1``; a name used twice is one number) and the names in number order.
    psycopg parses a named query's text on every execute to find its placeholders and turns
    the parameters' dict into a list; it keeps the parse only for texts under 4 kB with at
    most 50 parameters, so central's longest statements (db/sale_rows_sql.py) were parsed
    again on each push. Numbered once here, the statement runs on a raw cursor, which sends
    the text and the values as they are: the same statement and values reach the server."""
    numbers: dict[str, int] = {}

    def number(found: re.Match[str]) -> str:
        name = found.group(1)
        if name is None:
            return "%"
        if name not in numbers:
            numbers[name] = len(numbers) + 1
        return f"${numbers[name]}"

    return _PYFORMAT.sub(number, sql), tuple(numbers)


class Prepared:
    """A Core statement for a hot path, run with the driver's ``cursor.execute``.

    SQLAlchemy compiles it once per dialect (so the SQL is written once, as Core, and stays
    portable: qmark for SQLite, pyformat for psycopg); its bind values go through the type
    processors SQLAlchemy would apply, and the rows it returns (a SELECT, or a write's
    RETURNING) through the result processors (SQLite's text dates, numerics as Decimal).
    What is skipped is the per-call work of ``Connection.execute`` (cache key, parameter
    processing, execution context, result set-up), which costs about three times the
    driver's own ``execute`` on a counter sale. What is kept: the statement runs on the
    connection's own DB-API connection, inside the transaction the service began;
    ``before_cursor_execute`` listeners still see it (statement counts stay honest); a driver
    error goes through SQLAlchemy's error handling, so a busy or retryable error looks the
    same to ``Database``. Only plain bind parameters (no expanding IN lists).
    """

    def __init__(
        self, statement: sa.ClauseElement | sa.Executable, column_keys: list[str] | None = None
    ) -> None:
        self.statement = statement
        self.column_keys = column_keys
        self._by_dialect: dict[tuple[str, str], _Compiled] = {}
        #: The dialect last run on and its plan: one identity check instead of a key built
        #: and looked up per run (a process runs one dialect, or a few in tests).
        self._last: tuple[Dialect | None, _Compiled | None] = (None, None)

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = cast(sa.ClauseElement, self.statement).compile(
            dialect=dialect, column_keys=self.column_keys
        )
        assert isinstance(compiled, SQLCompiler)
        sql, binds = compiled.string, compiled.binds
        positional, raw = compiled.positional, False
        if positional:
            names = tuple(compiled.positiontup or ())
        else:
            names = tuple(dict.fromkeys(compiled.bind_names.values()))
        if "POSTCOMPILE" in sql or compiled.escaped_bind_names:
            raise TypeError("Prepared runs only statements with plain bind parameters")
        if dialect.driver == "psycopg" and not positional and _raw_cursor() is not None:
            sql, names = _numbered(sql)
            positional = raw = True
        convert = {n: _bind_processor(binds[n].type.dialect_impl(dialect), dialect) for n in names}
        fixed = {
            n: binds[n].effective_value
            for n in names
            if not binds[n].required and binds[n].value is not None
        }
        columns = tuple((c.keyname, c.type) for c in compiled._result_columns)
        done = _Compiled(sql, names, positional, convert, fixed, columns, raw)
        self._by_dialect[(dialect.name, dialect.driver)] = done
        return done

    def run(self, conn: Connection, params: Mapping[str, object]) -> Done:
        """Run it; the rows it returns (if any) and the count of rows it changed."""
        dialect = conn.dialect
        last_dialect, plan = self._last
        if last_dialect is not dialect or plan is None:
            plan = self._by_dialect.get((dialect.name, dialect.driver)) or self._compile(dialect)
            self._last = (dialect, plan)
        values = plan.values(params)
        args: Sequence[object] | dict[str, object] = (
            values if plan.positional else dict(zip(plan.names, values, strict=True))
        )
        transaction = conn._transaction  # Connection.in_transaction(), without the call
        if transaction is None or not transaction.is_active:
            conn.begin()  # as Connection.execute would autobegin
        cursor = _cursor(conn, plan.raw)
        if conn._has_events or conn.engine._has_events:
            for listener in conn.dispatch.before_cursor_execute:
                listener(conn, cursor, plan.sql, args, None, False)
        try:
            cursor.execute(plan.sql, args)
            returns = plan.returns_rows
            if returns is None:  # the first run: what the statement returns, asked once
                returns = plan.described(dialect, cursor.description)
            rows = cursor.fetchall() if returns else None
        except Exception as exc:
            # SQLAlchemy's error handling closes the cursor it is given: the kept one must not
            # be handed out again (every later statement on this connection would fail with
            # "Cannot operate on a closed cursor", a disk-full turned into a dead till).
            _forget_cursor(conn)
            conn._handle_dbapi_exception(exc, plan.sql, args, cursor, None)
        if rows is None:
            return _done(Done, (cursor.rowcount, []))
        return _done(Done, (cursor.rowcount, plan.make_rows(rows)))

    def rows(self, conn: Connection, params: Mapping[str, object]) -> list[Any]:
        """Every row it returns."""
        return self.run(conn, params).rows

    def first(self, conn: Connection, params: Mapping[str, object]) -> Any:
        """The first row it returns, or None."""
        found = self.run(conn, params).rows
        return found[0] if found else None

    def scalar(self, conn: Connection, params: Mapping[str, object]) -> Any:
        """The first column of the first row, or None when it returns no row."""
        found = self.run(conn, params).rows
        return found[0][0] if found else None


def _raw_cursor() -> type | None:
    """psycopg's raw cursor class (psycopg 3.2 and later); None with an older psycopg, whose
    statements then keep its named placeholders."""
    try:
        from psycopg import RawCursor
    except ImportError:  # pragma: no cover - psycopg 3.1
        return None
    return RawCursor


def _cursor(conn: Connection, raw: bool = False) -> Any:
    """The driver cursor kept for this DB-API connection (a new one after a reconnect),
    remembered on the pooled connection's proxy for the rest of its checkout: the lookup
    through ``conn.connection`` and ``conn.info`` cost a tenth of a statement's run. ``raw``:
    psycopg's raw cursor (numbered placeholders, see :func:`_numbered`), kept beside it."""
    fairy = conn._dbapi_connection
    if fairy is None:  # invalidated: let SQLAlchemy revalidate it or raise
        fairy = conn.connection
    dbapi = fairy.dbapi_connection
    here = fairy.__dict__
    kept = here.get(_CURSOR)
    if kept is None or kept[0] is not dbapi:
        info = fairy.info
        kept = info.get(_CURSOR)
        if kept is None or kept[0] is not dbapi:
            raw_slot: list[Any] = [None]  # psycopg's raw cursor, made when first asked for
            kept = (dbapi, cast(Any, dbapi).cursor(), raw_slot)
            info[_CURSOR] = kept
        here[_CURSOR] = kept
    if not raw:
        return kept[1]
    found = kept[2][0]
    if found is None:
        found = kept[2][0] = cast(Any, _raw_cursor())(dbapi)
    return found


def _forget_cursor(conn: Connection) -> None:
    """Drop the kept cursors of this connection (see :func:`_cursor`): the next statement
    opens new ones."""
    fairy = conn._dbapi_connection
    if fairy is not None:
        fairy.__dict__.pop(_CURSOR, None)
        fairy.info.pop(_CURSOR, None)


class _MappingOnce:
    """A row's ``_mapping``, made on first read and kept in the row's ``__dict__`` (this is a
    non-data descriptor: the kept dict is found first after that). ``functools.
    cached_property`` does the same behind a lock taken on every first read (some ten a
    counter sale); two threads reading one row's mapping at once would at worst both build
    the same dict."""

    def __get__(self, row: PreparedRow | None, owner: type | None = None) -> Any:
        if row is None:
            return self
        made = row.__dict__["_mapping"] = dict(zip(row._keys, row, strict=True))
        return made


class PreparedRow(tuple[Any, ...]):
    """A row a :class:`Prepared` statement returned: the values by position (a tuple, as a
    SQLAlchemy ``Row`` reads), by attribute and ``_mapping`` by column name.

    Each statement's keys get a subclass of their own (:func:`row_class`, made once per
    key tuple) whose attributes are properties reading a position (``itemgetter``), so a
    row is one ``tuple.__new__`` and an attribute one C call: a per-row object with a
    ``__getattr__`` cost a Python call per read, and a counter sale reads some 300. The
    mapping is made only when asked for (most rows are read by attribute or position)."""

    _keys: tuple[str, ...] = ()

    def __new__(
        cls, keys: Sequence[str], values: Iterable[Any], index: object = None
    ) -> PreparedRow:
        """A row of ``values`` under ``keys`` (``index``: accepted for older callers, the
        positions now live on the keys' class); keys that do not match are refused."""
        row = tuple.__new__(row_class(keys), values)
        if len(keys) != len(row):
            raise ValueError(f"{len(keys)} keys for {len(row)} values")
        return row

    if TYPE_CHECKING:
        _mapping: dict[str, Any]
    else:
        _mapping = _MappingOnce()

    @property
    def _values(self) -> tuple[Any, ...]:
        return tuple(self)

    def __repr__(self) -> str:
        return f"PreparedRow({self._mapping!r})"


#: The row class of each key tuple (a process runs a bounded set of statements).
_ROW_CLASSES: dict[tuple[str, ...], type[PreparedRow]] = {}


def row_class(keys: Sequence[str]) -> type[PreparedRow]:
    """The :class:`PreparedRow` subclass for rows of ``keys``: each key a property reading
    its position (a repeated key its last, as the mapping does). A key the row class itself
    uses (``_mapping``, ``_keys``, ``_values``, dunders) is read through ``_mapping`` only."""
    keys = tuple(keys)
    found = _ROW_CLASSES.get(keys)
    if found is None:
        reserved = set(dir(PreparedRow)) - set(dir(tuple)) | {"_keys"}
        # No __slots__: the cached mapping needs a __dict__ (made only when a row's mapping
        # is asked for, so a row read by position or attribute never makes one).
        attrs: dict[str, Any] = {"_keys": keys}
        for i, key in enumerate(keys):
            if key not in reserved and not key.startswith("__"):
                attrs[key] = property(operator.itemgetter(i))
        found = _ROW_CLASSES[keys] = type("PreparedRow", (PreparedRow,), attrs)
    return found


def _positions(keys: Sequence[str]) -> dict[str, int]:
    """Each key's position; a repeated key reads its last column, as ``dict(zip(...))`` did."""
    return {key: i for i, key in enumerate(keys)}


class Done(tuple[int, list[Any]]):
    """What a run did: the rows changed (the driver's count) and the rows returned
    (:class:`PreparedRow` rows, typed as the ``sa.Row`` they stand in for). A tuple made by
    ``tuple.__new__`` with its fields read by ``itemgetter`` (C calls), not a class with an
    ``__init__``: one is made per statement, some 23 a counter sale, and a Python
    ``__init__`` was a call of its own each time."""

    __slots__ = ()

    def __new__(cls, rowcount: int, rows: list[Any]) -> Done:
        return tuple.__new__(cls, (rowcount, rows))

    if TYPE_CHECKING:
        rowcount: int
        rows: list[Any]
    else:
        rowcount = property(operator.itemgetter(0))
        rows = property(operator.itemgetter(1))

    def scalar(self) -> Any:
        rows = self[1]
        return rows[0][0] if rows else None


#: Makes a :class:`Done` without calling its ``__new__`` (``_done(Done, (count, rows))``).
_done = tuple.__new__


def _bind_processor(impl: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    """The type's bind processor, but for SQLite's DATETIME in its default storage format a
    faster one that writes the same text: SQLAlchemy's fills a seven-key dict and %-formats
    it, several times the cost of ``datetime.isoformat`` (a counter step binds three or four
    timestamps). Anything else (a date, an aware datetime, a subclass) goes to SQLAlchemy's
    own processor, so the text stored never differs (tests/db/test_prepared.py)."""
    process: Callable[[Any], Any] | None = impl.bind_processor(dialect)
    if (
        process is None
        or not isinstance(impl, SQLITE_DATETIME)
        or impl._storage_format != SQLITE_DATETIME._storage_format
    ):
        return process
    slow = process

    def fast(value: Any) -> Any:
        if type(value) is datetime and value.tzinfo is None:
            return value.isoformat(" ", "microseconds")
        return slow(value)

    return fast


@dataclass
class _Compiled:
    """A statement compiled for one dialect, and (after its first run) what its rows hold.

    The rows' shape is learned once, from the first run's ``cursor.description``: the same
    SQL always returns the same columns (or none). psycopg builds the description anew, a
    ``Column`` and a type lookup per column, every time it is read: asked twice per
    statement, that was a third of a counter add's client CPU on PostgreSQL."""

    sql: str
    names: tuple[str, ...]
    positional: bool
    convert: Mapping[str, Callable[[Any], Any] | None]
    fixed: dict[str, object]
    columns: tuple[tuple[str, Any], ...]
    #: Run on psycopg's raw cursor: ``sql`` has numbered placeholders (:func:`_numbered`).
    raw: bool = False
    #: Whether it returns rows (a SELECT, a RETURNING); None until its first run.
    returns_rows: bool | None = None
    #: The rows' keys: the compiled columns' names, or (a text statement) the driver's.
    keys: tuple[str, ...] = ()
    #: Each key's position (shared by the rows, see :class:`PreparedRow`).
    index: dict[str, int] = field(default_factory=dict)
    #: Per result column, the type's result processor (known at the first run: PostgreSQL's
    #: numeric processor depends on the type the server describes); None where none is.
    results: tuple[Callable[[Any], Any] | None, ...] | None = None
    #: Each result column with a processor, as (position, processor).
    processed: tuple[tuple[int, Callable[[Any], Any]], ...] = ()
    #: The rows' class (:func:`row_class` of ``keys``), known at the first run.
    row_class: type[PreparedRow] = PreparedRow

    def __post_init__(self) -> None:
        #: Each bind's name and processor, in order.
        self.binds = tuple((n, self.convert[n]) for n in self.names)
        #: The bind values taken from the parameters in one C call (``itemgetter``; a
        #: counter sale binds some 160 values, a Python loop over them cost more than
        #: SQLite's own execute of a small statement); then the few with a processor.
        self._take = operator.itemgetter(*self.names) if self.names else None
        self._processed = tuple((i, p) for i, (_n, p) in enumerate(self.binds) if p is not None)
        #: One bind: ``itemgetter`` gives the value itself, not a tuple of one.
        self._single = len(self.names) == 1

    def values(self, params: Mapping[str, object]) -> tuple[object, ...]:
        """The bind values in order: each from ``params``, else its value fixed in the
        statement (a required one missing raises KeyError), through its type's processor
        (not for None)."""
        take = self._take
        if take is None:
            return ()
        if self.fixed:  # given values win over those fixed in the statement
            merged = self.fixed.copy()
            merged.update(params)
            params = merged
        got = take(params)
        if self._single:
            got = (got,)
        if not self._processed:
            return got  # type: ignore[no-any-return]  # (no cast: a call per statement)
        out = list(got)
        for i, process in self._processed:
            value = out[i]
            if value is not None:
                out[i] = process(value)
        return tuple(out)

    def described(self, dialect: Dialect, description: Sequence[Any] | None) -> bool:
        """Learn the rows' shape from the first run's description; whether there are rows."""
        if description is not None:
            keys = [key for key, _type in self.columns]
            if len(keys) != len(description):  # a text statement: the driver's names
                keys = [d[0] for d in description]
            processors = tuple(
                None
                if i >= len(self.columns)
                else self.columns[i][1].dialect_impl(dialect).result_processor(dialect, d[1])
                for i, d in enumerate(description)
            )
            self.keys = tuple(keys)
            self.index = _positions(self.keys)
            self.row_class = row_class(self.keys)
            self.results = processors if any(processors) else None
            self.processed = tuple((i, p) for i, p in enumerate(processors) if p is not None)
        self.returns_rows = description is not None
        return self.returns_rows

    def make_rows(self, rows: list[Any]) -> list[Any]:
        make, cls = tuple.__new__, self.row_class
        if self.results is None:
            return [make(cls, row) for row in rows]
        # Only the columns with a processor are touched (a line's row has some forty
        # columns and a handful of dates and amounts): a walk of every column cost more
        # than the processors themselves.
        processed, width = self.processed, len(self.results)
        out = []
        for row in rows:
            if len(row) != width:
                raise ValueError(f"{len(row)} columns for {width} result processors")
            values = list(row)
            for i, process in processed:
                value = values[i]
                if value is not None:
                    values[i] = process(value)
            out.append(make(cls, values))
        return out
