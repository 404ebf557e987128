"""Bulk SQL: many rows in one round trip, where the per-row path of the ledger or of
``Connection.execute`` would cost seconds (the ASN import writes 100k units and events).

- :func:`insert_many`: one executemany of plain tuples through the driver (SQLite), or
  ``COPY ... FROM STDIN`` (PostgreSQL), inside the caller's transaction;
- :func:`insert_units`: new units, returning their ids by (product id, serial);
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
    found: list[tuple[str, str, int]] = []
    for chunk in chunks(serials):
        found += [tuple(r) for r in conn.execute(query.where(unit_c.serial.in_(chunk)))]
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


def insert_units(
    conn: Connection, rows: list[tuple[Any, ...]], keys: list[str]
) -> dict[tuple[int, str], int]:
    """Insert new units (``keys`` start with product_id, serial) and return their ids by
    (product id, serial). The ids are read back as the units above the highest id before the
    insert (a primary-key range); (product, serial) is unique, so picking this call's units
    among them is exact even when another terminal inserted units meanwhile."""
    if not rows:
        return {}
    before = conn.execute(sa.select(sa.func.coalesce(sa.func.max(unit_c.id), 0))).scalar_one()
    insert_many(conn, repo.unit_t, keys, rows)
    wanted = {(row[0], row[1]) for row in rows}
    found: dict[tuple[int, str], int] = {}
    for uid, pid, serial in conn.execute(
        sa.select(unit_c.id, unit_c.product_id, unit_c.serial).where(unit_c.id > before)
    ):
        if (pid, serial) in wanted:
            found[pid, serial] = int(uid)
    assert len(found) == len(wanted), "every inserted unit is read back"
    return found
