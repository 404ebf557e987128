"""Bulk SQL: many rows in one round trip, where the per-row path of the ledger or of
``Connection.execute`` would cost seconds (the ASN import writes 100k units and events).

- :func:`insert_many`: one executemany of plain tuples through the driver (SQLite), or
  ``COPY ... FROM STDIN`` (PostgreSQL), inside the caller's transaction;
- :func:`insert_units`: new units, returning their ids in row order;
- :func:`known_units`: which of many serials of a product the ledger knows, and where;
- :func:`chunks`: IN (...) lists small enough for every driver's bind-parameter limit.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

from serialpos.db import repo

#: Bind parameters per IN (...) list, under every driver's limit.
CHUNK = 900

unit_c = repo.unit_t.c


def chunks(values: list[Any]) -> Iterable[list[Any]]:
    """``values`` in lists of at most :data:`CHUNK`, for IN (...) queries."""
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def known_units(
    conn: Connection, product_id: int, serials: list[str]
) -> list[tuple[str, str, int]]:
    """(serial, state, store id) of the units of a product among ``serials``: one query with
    an array on PostgreSQL, IN lists of a few hundred elsewhere."""
    query = sa.select(unit_c.serial, unit_c.state, unit_c.store_id).where(
        unit_c.product_id == product_id
    )
    if conn.dialect.name == "postgresql":
        wanted = sa.bindparam("serials", serials, type_=postgresql.ARRAY(sa.String()))
        return [tuple(r) for r in conn.execute(query.where(unit_c.serial == sa.any_(wanted)))]
    # Plain driver SQL, one statement text per chunk size: compiling an IN list of 900
    # parameters 112 times took longer than the lookups.
    found: list[tuple[str, str, int]] = []
    texts: dict[int, str] = {}
    for chunk in chunks(serials):
        text = texts.get(len(chunk))
        if text is None:
            marks = ", ".join("?" * len(chunk))
            text = texts[len(chunk)] = (
                "SELECT serial, state, store_id FROM serial_unit "
                f"WHERE product_id = ? AND serial IN ({marks})"
            )
        found += [tuple(r) for r in conn.exec_driver_sql(text, (product_id, *chunk))]
    return found


def insert_many(
    conn: Connection, table: sa.Table, keys: list[str], rows: list[tuple[Any, ...]]
) -> None:
    """One executemany of plain tuples in ``keys`` order, through the driver: the Core
    statement compiled for this dialect once, each value through its column type's bind
    processor (so a datetime is stored as SQLAlchemy stores it), without the per-row
    parameter work of ``Connection.execute`` (a third of the time at 100k rows)."""
    if not rows:
        return
    dialect = conn.dialect
    if dialect.name == "postgresql":
        copy_in(conn, table, keys, rows)
        return
    compiled = sa.insert(table).compile(dialect=dialect, column_keys=keys)
    convert = [table.c[k].type.dialect_impl(dialect).bind_processor(dialect) for k in keys]
    if any(convert):
        rows = _converted(rows, convert)
    if compiled.positional:
        names = list(compiled.positiontup or ())
        if names != keys:
            where = [keys.index(n) for n in names]
            rows = [tuple(row[i] for i in where) for row in rows]
        conn.exec_driver_sql(compiled.string, rows)
    else:
        conn.exec_driver_sql(compiled.string, [dict(zip(keys, row, strict=True)) for row in rows])


def _converted(rows: list[tuple[Any, ...]], convert: list[Any]) -> list[tuple[Any, ...]]:
    """``rows`` with each value through its column's bind processor: by column (the rows
    transposed in C), only the columns that have one, each distinct value converted once
    (an import's rows share their time: 100k datetimes formatted once, not 100k times)."""
    columns = list(zip(*rows, strict=True))
    for i, processor in enumerate(convert):
        if processor is None:
            continue
        column = columns[i]
        first = column[0]
        if column.count(first) == len(column) and len(set(map(type, column))) == 1:
            done = None if first is None else processor(first)  # one time for the import
            columns[i] = (done,) * len(column)
            continue
        memo: dict[tuple[type, Any], Any] = {}

        def one(value: Any, processor: Any = processor, memo: dict[Any, Any] = memo) -> Any:
            if value is None:
                return None
            key = (type(value), value)
            try:
                return memo[key]
            except KeyError:
                done = memo[key] = processor(value)
                if len(memo) > 4096:  # a column of distinct values: stop remembering
                    memo.clear()
                return done
            except TypeError:  # not hashable
                return processor(value)

        columns[i] = tuple(map(one, columns[i]))
    return list(zip(*columns, strict=True))


def copy_in(
    conn: Connection, table: sa.Table, keys: list[str], rows: list[tuple[Any, ...]]
) -> None:
    """PostgreSQL: ``COPY ... FROM STDIN`` on the transaction's own connection (psycopg
    adapts each value; an executemany sends one statement per row and is ~5x slower)."""
    preparer = conn.dialect.identifier_preparer
    columns = ", ".join(preparer.quote(table.c[k].name) for k in keys)
    statement = f"COPY {preparer.format_table(table)} ({columns}) FROM STDIN"
    raw: Any = conn.connection.driver_connection
    import psycopg

    try:
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    except psycopg.Error as exc:
        # As SQLAlchemy would raise it, so callers and Database's retries see the usual types.
        raise sa.exc.DBAPIError.instance(statement, None, exc, psycopg.Error) from exc


def insert_units(conn: Connection, rows: list[tuple[Any, ...]], keys: list[str]) -> list[int]:
    """Insert new units (tuples in ``keys`` order) and return their ids, in row order,
    without reading 100k rows back:

    - PostgreSQL: the ids are taken from the sequence first and inserted with the rows;
    - SQLite: the write lock is held, so each row's id is one more than the highest before it
      (rowids only go up while the highest is below 2**63 - 1); the rows' ids are then
      ``before + 1 ... before + n``, which is checked (their count and highest) before use.
    """
    if not rows:
        return []
    if conn.dialect.name == "postgresql":
        ids = sorted(
            conn.execute(
                sa.text(
                    "SELECT nextval(pg_get_serial_sequence('serial_unit', 'id')) "
                    "FROM generate_series(1, :n)"
                ),
                {"n": len(rows)},
            ).scalars()
        )
        copy_in(
            conn,
            repo.unit_t,
            [*keys, "id"],
            [(*row, uid) for row, uid in zip(rows, ids, strict=True)],
        )
        return [int(uid) for uid in ids]
    before = int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(unit_c.id), 0))).scalar_one())
    insert_many(conn, repo.unit_t, keys, rows)
    count, top = conn.execute(
        sa.select(sa.func.count(), sa.func.max(unit_c.id)).where(unit_c.id > before)
    ).one()
    if count != len(rows) or top != before + len(rows):
        raise RuntimeError(
            f"{len(rows)} units inserted after id {before}, but {count} found up to id {top}"
        )
    return list(range(before + 1, before + len(rows) + 1))
