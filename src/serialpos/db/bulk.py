"""Bulk SQL: many rows in one round trip, where the per-row path of the ledger or of
``Connection.execute`` would cost seconds (the ASN import writes 100k units and events).

- :func:`insert_many`: one executemany of plain tuples through the driver (SQLite), or
  ``COPY ... FROM STDIN`` (PostgreSQL), inside the caller's transaction;
- :func:`insert_columns`: rows given as values shared by all and columns of the rest, in one
  ``INSERT ... SELECT`` over ``json_each`` on SQLite (db/bulk_json.py) or one COPY on
  PostgreSQL;
- :func:`insert_units`: new units, returning their ids in row order;
- :func:`known_units`: which of many serials of a product the ledger knows, and where;
- :func:`units_of_serials`: the units of every product among many serials;
- :func:`chunks`: IN (...) lists small enough for every driver's bind-parameter limit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from itertools import repeat
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

from serialpos.db import bulk_json, repo

#: Bind parameters per IN (...) list, under every driver's limit.
CHUNK = 900

unit_c = repo.unit_t.c

log = logging.getLogger(__name__)


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
    return _in_chunks(
        conn, "serial, state, store_id", "product_id = ? AND ", (product_id,), serials
    )


def units_of_serials(conn: Connection, serials: list[str]) -> list[tuple[str, int, str, int]]:
    """(serial, product id, state, store id) of every unit, under any product, with one of
    ``serials`` (the serial index): one query with an array on PostgreSQL, IN lists
    elsewhere."""
    query = sa.select(unit_c.serial, unit_c.product_id, unit_c.state, unit_c.store_id)
    if conn.dialect.name == "postgresql":
        wanted = sa.bindparam("serials", serials, type_=postgresql.ARRAY(sa.String()))
        return [tuple(r) for r in conn.execute(query.where(unit_c.serial == sa.any_(wanted)))]
    return _in_chunks(conn, "serial, product_id, state, store_id", "", (), serials)


def _in_chunks(
    conn: Connection, columns: str, where: str, leading: tuple[Any, ...], serials: list[str]
) -> list[Any]:
    """``SELECT columns FROM serial_unit WHERE <where>serial IN (...)`` over ``serials`` in
    chunks, as plain driver SQL with one statement text per chunk size (SQLite)."""
    found: list[Any] = []
    texts: dict[int, str] = {}
    for chunk in chunks(serials):
        text = texts.get(len(chunk))
        if text is None:
            marks = ", ".join("?" * len(chunk))
            text = texts[len(chunk)] = (
                f"SELECT {columns} FROM serial_unit WHERE {where}serial IN ({marks})"
            )
        found += [tuple(r) for r in conn.exec_driver_sql(text, (*leading, *chunk))]
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
    """``rows`` with each value through its column's bind processor (:func:`_converted_columns`
    over the rows transposed in C)."""
    return list(zip(*_converted_columns(list(zip(*rows, strict=True)), convert), strict=True))


def _converted_columns(columns: list[Sequence[Any]], convert: list[Any]) -> list[Sequence[Any]]:
    """``columns`` with each value through its column's bind processor: only the columns that
    have one, each distinct value converted once (an import's rows share their time: 100k
    datetimes formatted once, not 100k times)."""
    columns = list(columns)
    for i, processor in enumerate(convert):
        if processor is None:
            continue
        column = columns[i]
        first = column[0]
        if bulk_json.all_same(column):
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
    return columns


def insert_columns(
    conn: Connection,
    table: sa.Table,
    shared: Mapping[str, Any],
    columns: Mapping[str, Sequence[Any]],
) -> None:
    """Insert one row per value of the ``columns`` (all of one length), each row also
    holding the ``shared`` values, inside the caller's transaction.

    SQLite: ``INSERT ... SELECT ... FROM json_each(?)``, the varying values bound as one
    JSON text and the shared ones once (db/bulk_json.py). An executemany runs its statement
    once per row, and SQLite sets each run up again: a statement journal for the
    constraints, and an ephemeral table for every ``IN (...)`` list of a CHECK or a partial
    index's WHERE (``serial_unit`` has two) -- more than the insert itself: 100k units took
    1.05-1.2 s CPU that way. Rows go in in ``columns``' order; a caller that needs their ids
    names them (an ``id`` column counting up costs nothing: ``start + key``).
    PostgreSQL: one COPY of the rows.
    """
    if not columns:
        raise ValueError("insert_columns needs at least one column")
    sizes = {len(values) for values in columns.values()}
    if len(sizes) != 1:
        raise ValueError(f"columns of different lengths: {sorted(sizes)}")
    if not sizes.pop():
        return
    if conn.dialect.name == "postgresql":
        keys = [*shared, *columns]
        rows = zip(*(repeat(v) for v in shared.values()), *columns.values(), strict=False)
        copy_in(conn, table, keys, list(rows))
        return
    _sqlite_insert(conn, table, shared, columns)


def _sqlite_insert(
    conn: Connection,
    table: sa.Table,
    shared: Mapping[str, Any],
    columns: Mapping[str, Sequence[Any]],
) -> None:
    """Each value through its column type's bind processor (so a datetime is stored as
    SQLAlchemy stores it), then the rows by ``json_each`` (db/bulk_json.py), or through a
    temporary table when a value cannot go through JSON."""
    dialect = conn.dialect

    def processor(key: str) -> Any:
        return table.c[key].type.dialect_impl(dialect).bind_processor(dialect)

    done_shared = {k: _one(processor(k), v) for k, v in shared.items()}
    keys = list(columns)
    converted = _converted_columns([columns[k] for k in keys], [processor(k) for k in keys])
    done = dict(zip(keys, converted, strict=True))
    try:
        bulk_json.insert_json_rows(conn, table, done_shared, done)
    except bulk_json.NotJson:
        _via_temp_table(conn, table, done_shared, done)


def _one(processor: Any, value: Any) -> Any:
    return value if processor is None or value is None else processor(value)


def _via_temp_table(
    conn: Connection,
    table: sa.Table,
    shared: Mapping[str, Any],
    columns: Mapping[str, Sequence[Any]],
) -> None:
    """The rows (converted already) into a temporary table by one executemany, then into
    ``table`` by one ``INSERT ... SELECT ... ORDER BY rowid`` with the shared values bound
    once. Slower than JSON (the executemany), for values JSON cannot carry."""
    quote = conn.dialect.identifier_preparer.quote
    staged = f"serialpos_bulk_{table.name}"  # the temp schema's own: no other session sees it
    keys = list(columns)
    rows: list[tuple[Any, ...]] = list(zip(*columns.values(), strict=True))
    names = ", ".join(quote(k) for k in keys)
    conn.exec_driver_sql(f"CREATE TEMP TABLE {staged} ({names})")
    try:
        marks = ", ".join("?" * len(keys))
        conn.exec_driver_sql(f"INSERT INTO temp.{staged} VALUES ({marks})", rows)
        target = ", ".join(quote(table.c[k].name) for k in [*shared, *keys])
        picked = ", ".join(["?"] * len(shared) + [quote(k) for k in keys])
        conn.exec_driver_sql(
            f"INSERT INTO {conn.dialect.identifier_preparer.format_table(table)} ({target}) "
            f"SELECT {picked} FROM temp.{staged} ORDER BY rowid",
            tuple(shared.values()),
        )
    except BaseException:
        _drop_quietly(conn, staged)
        raise
    conn.exec_driver_sql(f"DROP TABLE temp.{staged}")


def _drop_quietly(conn: Connection, staged: str) -> None:
    """After a failed insert: the temporary table gone, if the transaction still has it (a
    rollback takes it away too; the insert's own error is the one raised)."""
    try:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{staged}")
    except Exception:
        log.exception("could not drop temp.%s after a failed bulk insert", staged)


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


def insert_units(
    conn: Connection, shared: Mapping[str, Any], columns: Mapping[str, Sequence[Any]]
) -> list[int]:
    """Insert new units (:func:`insert_columns`' ``shared`` values and ``columns``) and
    return their ids, in row order, without reading 100k rows back:

    - PostgreSQL: the ids are taken from the sequence first and inserted with the rows;
    - SQLite: the write lock is held, so no other writer adds a unit meanwhile: the rows
      are given the ids ``before + 1 ... before + n`` after the highest id there is.
    """
    n = len(next(iter(columns.values()), ()))
    if not n:
        return []
    if conn.dialect.name == "postgresql":
        ids = sorted(
            conn.execute(
                sa.text(
                    "SELECT nextval(pg_get_serial_sequence('serial_unit', 'id')) "
                    "FROM generate_series(1, :n)"
                ),
                {"n": n},
            ).scalars()
        )
        insert_columns(conn, repo.unit_t, shared, {**columns, "id": ids})
        return [int(uid) for uid in ids]
    before = int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(unit_c.id), 0))).scalar_one())
    given = range(before + 1, before + n + 1)
    insert_columns(conn, repo.unit_t, shared, {**columns, "id": given})
    return list(given)
