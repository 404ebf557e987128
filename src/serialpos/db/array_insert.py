"""Many rows into one table in ONE statement on PostgreSQL: one array per column, the rows
made by ``unnest`` (central's set-based sales, services/entry_sale_rows.py).

``Connection.execute`` with a list of rows (executemany) sends PostgreSQL one execute per
row, each with its parameters dumped and its round of the protocol: for a push of twenty
sales that was a hundred executes over the five sale tables. Here a table's rows are one
execute whatever their number, with the same SQL text every time (so psycopg parses it once
and PostgreSQL runs it prepared), its arrays sent in binary (db/engine.py). The rows are
inserted in the order given (``WITH ORDINALITY ... ORDER BY``), so ids come from the
sequence in that order, as executemany gives them; ``returning`` names the columns to read
back (ids with a key that finds each row's place), instead of a select after the insert.

SQLite has no arrays: there the rows go as before, one executemany, and the caller reads
the ids back itself (``returning`` is PostgreSQL's only).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection

from serialpos.db.prepared import Prepared

#: Statements built once: (table, columns by array, columns by one value, returning).
_BUILT: dict[tuple[str, tuple[str, ...], tuple[str, ...], tuple[str, ...]], Prepared] = {}


def item_type(column: sa.Column[Any]) -> sa.types.TypeEngine[Any]:
    """The array's element type: text without a length for text columns (a value too long
    for its column is then refused by the insert, as executemany refuses it, never cut by
    the cast to the array's type)."""
    kind = column.type
    if isinstance(kind, sa.types.TypeDecorator):
        kind = kind.impl_instance
    return sa.String() if isinstance(kind, sa.String) else column.type


def _statement(
    table: sa.Table, keys: tuple[str, ...], same: tuple[str, ...], returning: tuple[str, ...]
) -> Prepared:
    built = _BUILT.get((table.name, keys, same, returning))
    if built is not None:
        return built
    arrays = [sa.bindparam(f"a_{k}", type_=postgresql.ARRAY(item_type(table.c[k]))) for k in keys]
    given = (
        sa.func.unnest(*arrays)
        .table_valued(*keys, with_ordinality="n")
        .render_derived(name="given")
    )
    rows = sa.select(
        *(given.c[k] for k in keys),
        *(sa.bindparam(f"v_{k}", type_=item_type(table.c[k])) for k in same),
    ).order_by(given.c.n)
    insert: sa.Executable = postgresql.insert(table).from_select([*keys, *same], rows)
    if returning:
        insert = (
            postgresql.insert(table)
            .from_select([*keys, *same], rows)
            .returning(*(table.c[k] for k in returning))
        )
    built = _BUILT[(table.name, keys, same, returning)] = Prepared(insert)
    return built


#: Gated inserts built once: (table, columns by array, columns by one value).
_GATED: dict[tuple[str, tuple[str, ...], tuple[str, ...]], Prepared] = {}


def _gated_statement(
    table: sa.Table, keys: tuple[str, ...], same: tuple[str, ...], gate: sa.Update
) -> Prepared:
    built = _GATED.get((table.name, keys, same))
    if built is not None:
        return built
    moved = gate.cte("gate")
    arrays = [sa.bindparam(f"a_{k}", type_=postgresql.ARRAY(item_type(table.c[k]))) for k in keys]
    given = (
        sa.func.unnest(*arrays)
        .table_valued(*keys, with_ordinality="n")
        .render_derived(name="given")
    )
    rows = (
        sa.select(
            *(given.c[k] for k in keys),
            *(sa.bindparam(f"v_{k}", type_=item_type(table.c[k])) for k in same),
        )
        .where(sa.exists(sa.select(moved.c.id)))
        .order_by(given.c.n)
    )
    insert = postgresql.insert(table).from_select([*keys, *same], rows).add_cte(moved)
    built = _GATED[(table.name, keys, same)] = Prepared(insert)
    return built


def insert_columns_after(
    conn: Connection,
    table: sa.Table,
    shared: Mapping[str, Any],
    columns: Mapping[str, list[Any]],
    gate: sa.Update,
    gate_params: Mapping[str, Any],
) -> bool:
    """PostgreSQL: :func:`insert_columns` in the same statement as ``gate`` (an UPDATE with
    ``RETURNING``, always the same one for a table: its text is part of the statement
    built once), the rows inserted only if the gate changed a row: whether it did (every
    row inserted) or not (nothing written). A push's events go in with their chain head's
    conditional move (ledger_chain.MOVE_HEAD): one round trip instead of two."""
    same = [k for k, values in columns.items() if one_value(values)]
    keys = [k for k in columns if k not in same]
    if not keys:
        keys, same = same[:1], same[1:]
    once = {k: columns[k][0] for k in same}
    once.update(shared)
    stmt = _gated_statement(table, tuple(keys), tuple(once), gate)
    params: dict[str, Any] = {f"a_{k}": columns[k] for k in keys}
    params.update({f"v_{k}": v for k, v in once.items()})
    params.update(gate_params)
    count = len(columns[keys[0]])
    inserted = stmt.run(conn, params).rowcount
    if inserted not in (0, count):  # the gate is all or nothing: cannot happen
        raise RuntimeError(f"{inserted} of {count} rows inserted after the gate")
    return inserted == count


def one_value(values: list[Any]) -> bool:
    """Whether every value is the first (of its type too: 1 and True are not one value).
    Asked of every column of every table a run writes: counted and typed in C (``count``
    and ``map``), not by a generator's step per value."""
    first = values[0]
    if values.count(first) != len(values):
        return False
    return len(set(map(type, values))) == 1


def insert_rows(
    conn: Connection,
    table: sa.Table,
    rows: Sequence[Mapping[str, Any]],
    returning: Sequence[str] = (),
) -> list[Any]:
    """Insert ``rows`` (each with the same keys) in order; on PostgreSQL the ``returning``
    columns of the rows inserted (in no promised order: read them by a key). On SQLite
    ``returning`` must be empty."""
    if not rows:
        return []
    if conn.dialect.name != "postgresql":
        assert not returning, "SQLite: read the rows back with a select"
        conn.execute(sa.insert(table), list(rows))
        return []
    first = rows[0]
    return insert_columns(conn, table, {}, {k: [row[k] for row in rows] for k in first}, returning)


def insert_columns(
    conn: Connection,
    table: sa.Table,
    shared: Mapping[str, Any],
    columns: Mapping[str, list[Any]],
    returning: Sequence[str] = (),
) -> list[Any]:
    """PostgreSQL: :func:`insert_rows` for rows given by column: ``shared`` the values every
    row has, ``columns`` one value per row (at least one column, all of one length)."""
    # A column whose rows all hold one value (the moment, the status, a customer none of
    # them has) is sent once, not as an array: each array costs its dump.
    same = [k for k, values in columns.items() if one_value(values)]
    keys = [k for k in columns if k not in same]
    if not keys:  # every row alike: the first column still goes as an array (the row count)
        keys, same = same[:1], same[1:]
    once = {k: columns[k][0] for k in same}
    once.update(shared)
    stmt = _statement(table, tuple(keys), tuple(once), tuple(returning))
    params: dict[str, Any] = {f"a_{k}": columns[k] for k in keys}
    params.update({f"v_{k}": v for k, v in once.items()})
    return stmt.run(conn, params).rows
