"""``column IN (values)`` written the way each database takes a long list fastest.

A run of a hundred journal entries asks for a hundred ids, serials or numbers at once.
SQLAlchemy's ``in_`` renders one bind parameter per value at every execution, so the SQL text
changes with the list's length: it is re-rendered each time, too long for psycopg's cache of
parsed statements (4 kB, 50 parameters: psycopg parses it again with a regular expression on
every call), and never prepared by PostgreSQL. On PostgreSQL ``column = ANY(:array)`` is one
parameter and one text whatever the length: parsed once, prepared by psycopg after a few
runs. SQLite keeps ``IN`` (no arrays there). The rows matched are the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection


def one_of(
    conn: Connection, column: sa.ColumnElement[Any], values: Sequence[Any]
) -> sa.ColumnElement[bool]:
    """``column IN values`` for ``conn``'s database."""
    if conn.dialect.name == "postgresql":
        # No length on the array's text type: a cast to VARCHAR(64)[] would cut a longer
        # value down to one that may match where IN would not.
        item = sa.String() if _is_text(column.type) else column.type
        array = sa.bindparam(None, list(values), type_=postgresql.ARRAY(item))
        return column == sa.any_(array)
    return column.in_(list(values))


def _is_text(kind: sa.types.TypeEngine[Any]) -> bool:
    """A text column (SQLModel's ``AutoString`` is a decorator around ``String``)."""
    if isinstance(kind, sa.types.TypeDecorator):
        kind = kind.impl_instance
    return isinstance(kind, sa.String)


def any_param(column: sa.ColumnElement[Any], name: str) -> sa.ColumnElement[bool]:
    """PostgreSQL's ``column = ANY(:name)`` with a named array parameter: :func:`one_of` for
    a statement built once and run prepared (db/prepared.py), so a run of entries pays
    neither SQLAlchemy's per-call statement build and cache key nor its execution set-up."""
    item = sa.String() if _is_text(column.type) else column.type
    return column == sa.any_(sa.bindparam(name, type_=postgresql.ARRAY(item)))
