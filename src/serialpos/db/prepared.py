"""Prepared write statements for the hot paths: Core statements compiled once per dialect and
run as driver SQL (see :class:`Prepared` for what that saves and what it keeps).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, CursorResult, Dialect
from sqlalchemy.sql.compiler import SQLCompiler


class Prepared:
    """A Core write statement for the ledger's hot path, run with ``exec_driver_sql``.

    SQLAlchemy compiles it once per dialect (so the SQL is written once, as Core, and stays
    portable: qmark for SQLite, pyformat for psycopg) and its bind values go through the
    type processors SQLAlchemy would apply; what is skipped is the per-call work of
    ``Connection.execute`` (cache key, parameter processing, compiled-result set-up), which
    costs more than running these statements. Errors are still wrapped by SQLAlchemy, so a
    busy or retryable error looks the same to ``Database``. For statements that return no
    rows (a driver-SQL result builds its column metadata on every call, where a Core
    SELECT's is cached) and take only plain bind parameters.
    """

    def __init__(self, statement: sa.ClauseElement, column_keys: list[str] | None = None) -> None:
        self.statement = statement
        self.column_keys = column_keys
        self._by_dialect: dict[tuple[str, str], _Compiled] = {}

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect, column_keys=self.column_keys)
        assert isinstance(compiled, SQLCompiler)
        sql, binds = compiled.string, compiled.binds
        if compiled.positional:
            names = tuple(compiled.positiontup or ())
        else:
            names = tuple(dict.fromkeys(compiled.bind_names.values()))
        if "POSTCOMPILE" in sql or compiled.escaped_bind_names:
            raise TypeError("Prepared runs only statements with plain bind parameters")
        convert = {n: binds[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names}
        fixed = {
            n: binds[n].effective_value
            for n in names
            if not binds[n].required and binds[n].value is not None
        }
        done = _Compiled(sql, names, compiled.positional, convert, fixed)
        self._by_dialect[(dialect.name, dialect.driver)] = done
        return done

    def run(self, conn: Connection, params: Mapping[str, object]) -> CursorResult[Any]:
        dialect = conn.dialect
        plan = self._by_dialect.get((dialect.name, dialect.driver)) or self._compile(dialect)
        values = []
        for name in plan.names:
            value = params[name] if name in params else plan.fixed[name]
            process = plan.convert[name]
            values.append(value if process is None or value is None else process(value))
        if plan.positional:
            return conn.exec_driver_sql(plan.sql, tuple(values))
        return conn.exec_driver_sql(plan.sql, dict(zip(plan.names, values, strict=True)))


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]
    positional: bool
    convert: Mapping[str, Callable[[Any], Any] | None]
    fixed: dict[str, object]
