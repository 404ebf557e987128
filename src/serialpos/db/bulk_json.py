"""SQLite: many rows inserted by ``INSERT ... SELECT ... FROM json_each(?)``, the varying
values bound as ONE JSON text (db/bulk.py's :func:`~serialpos.db.bulk.insert_columns`).

An executemany runs its statement once per row, and a temporary table filled by one costs
nearly as much as the insert it feeds (100k units: 0.1-0.2 s of 0.45 s). Here the rows come
from SQLite's own JSON reader, so each column is given the cheapest way it can be:

- a value every row shares is bound once;
- whole numbers counting up by one (the new rows' ids, their places in a chain) are
  ``start + key``, ``key`` being the row's place in the JSON array;
- a column that changes value only now and then (an ASN's line number, its product) splits
  the rows into runs, the statement run once per run (an executemany of a few hundred) with
  the run's value bound;
- the rest vary from row to row. One such column is a flat JSON array of its values; several
  text columns of which all but the last have one length each (a SHA-256 in hex, then a
  serial) go in one flat array of their values joined, cut apart by ``substr``; anything
  else is an array of arrays, read with ``json_extract`` (as slow as a temporary table, and
  still one statement).

Flat arrays matter: SQLite reads a string element of a flat array in place, while each
inner array is parsed again for every value taken from it (100k events: 0.25 s against
0.33-0.45 s). The rows are inserted in array order, and a caller that needs ids in row order
gives them as a column (``id``: ``start + key``), so no ``ORDER BY`` (a sort of every row) is
needed to keep them in order.
"""

from __future__ import annotations

import json
import operator
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import compress, pairwise
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

#: A column changing value at most once every this many rows on average is bound per run.
RUN_LENGTH = 16

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
#: What a JSON array element may hold here (bind processors' output: text, numbers, NULL).
_JSON_TYPES = frozenset({str, int, float, type(None)})


class NotJson(ValueError):
    """A value JSON cannot carry as SQLite would store it (bytes, say): the caller inserts
    these rows another way."""


@dataclass(frozen=True)
class _Plan:
    """How each column of the statement gets its value (names in the table's order)."""

    shared: dict[str, Any]  # bound once for every run
    counting: dict[str, int]  # first value of ``start + key`` columns
    runs: list[str]  # bound per run
    varying: list[str]  # from the JSON array
    widths: list[int] | None  # packed text: the fixed widths of all varying but the last


def insert_json_rows(
    conn: Connection,
    table: sa.Table,
    shared: Mapping[str, Any],
    columns: Mapping[str, Sequence[Any]],
) -> None:
    """Insert one row per position of ``columns`` (converted already by their bind
    processors, all of one length), each also holding the ``shared`` values (converted
    too), inside the caller's transaction. Raises :class:`NotJson` before writing anything
    when a varying value cannot go through JSON."""
    n = len(next(iter(columns.values())))
    plan = _plan(shared, columns, n)
    statement = _statement(conn, table, plan)
    conn.exec_driver_sql(statement, list(_parameters(plan, columns, n)))


def _plan(shared: Mapping[str, Any], columns: Mapping[str, Sequence[Any]], n: int) -> _Plan:
    same: dict[str, Any] = dict(shared)
    counting: dict[str, int] = {}
    runs: list[str] = []
    varying: list[str] = []
    for name, values in columns.items():
        first = values[0]
        if all_same(values):
            same[name] = first
        elif type(first) is int and _counts_up(values):
            counting[name] = first
        elif _changes(values) * RUN_LENGTH <= n:
            runs.append(name)
        else:
            if not set(map(type, values)) <= _JSON_TYPES:
                raise NotJson(name)
            varying.append(name)
    return _Plan(same, counting, runs, varying, _packed_widths([columns[k] for k in varying]))


def all_same(values: Sequence[Any]) -> bool:
    """Every value equal to the first and of its type (1 and True differ)."""
    first = values[0]
    try:
        if values[-1] != first:  # most columns that vary are told at once
            return False
        return values.count(first) == len(values) and len(set(map(type, values))) == 1
    except TypeError:  # a value that cannot be compared
        return False


def _counts_up(values: Sequence[Any]) -> bool:
    """Whole numbers ``first, first + 1, ...`` (a ``range``, or a list compared in C to
    one; a float or bool equal to its place would be stored as the whole number anyway)."""
    if isinstance(values, range):
        return values.step == 1
    first = values[0]
    n = len(values)
    if type(first) is not int or values[-1] != first + n - 1:
        return False
    return list(values) == list(range(first, first + n))


def _changes(values: Sequence[Any]) -> int:
    """How many times a value differs from the one before it."""
    return sum(map(operator.ne, values[1:], values[:-1]))


def _packed_widths(columns: list[Sequence[Any]]) -> list[int] | None:
    """Several text columns, each but the last of one length throughout: those lengths
    (their values are then joined into one string a row); None otherwise."""
    if len(columns) < 2 or any(set(map(type, c)) != {str} for c in columns):
        return None
    widths = []
    for values in columns[:-1]:
        lengths = set(map(len, values))
        if len(lengths) != 1:
            return None
        widths.append(lengths.pop())
    return widths


def _statement(conn: Connection, table: sa.Table, plan: _Plan) -> str:
    quote = conn.dialect.identifier_preparer.quote
    names = [*plan.shared, *plan.runs, *plan.counting, *plan.varying]
    picked = ["?"] * (len(plan.shared) + len(plan.runs))
    picked += ["? + key" for _ in plan.counting]
    if len(plan.varying) == 1:
        picked.append("value")
    elif plan.widths is not None:
        start = 1
        for width in plan.widths:
            picked.append(f"substr(value, {start}, {width})")
            start += width
        picked.append(f"substr(value, {start})")
    else:
        picked += [f"json_extract(value, '$[{i}]')" for i in range(len(plan.varying))]
    return (
        f"INSERT INTO {conn.dialect.identifier_preparer.format_table(table)} "
        f"({', '.join(quote(table.c[k].name) for k in names)}) "
        f"SELECT {', '.join(picked)} FROM json_each(?)"
    )


def _parameters(
    plan: _Plan, columns: Mapping[str, Sequence[Any]], n: int
) -> Iterator[tuple[Any, ...]]:
    """One tuple of bind values per run of the run columns (one for all rows without)."""
    shared = tuple(plan.shared.values())
    for start, stop in _run_bounds([columns[k] for k in plan.runs], n):
        in_run = tuple(columns[k][start] for k in plan.runs)
        counted = tuple(first + start for first in plan.counting.values())
        yield (*shared, *in_run, *counted, _rows_json(plan, columns, start, stop))


def _run_bounds(columns: list[Sequence[Any]], n: int) -> list[tuple[int, int]]:
    """(start, stop) of each stretch of rows over which none of ``columns`` changes."""
    cuts = {0, n}
    for values in columns:
        cuts.update(compress(range(1, n), map(operator.ne, values[1:], values[:-1])))
    ordered = sorted(cuts)
    return list(pairwise(ordered))


def _rows_json(plan: _Plan, columns: Mapping[str, Sequence[Any]], start: int, stop: int) -> str:
    """The JSON array of rows ``start:stop``: one element a row (a placeholder when no
    column varies from row to row)."""
    varying = [columns[k][start:stop] for k in plan.varying]
    if not varying:
        return "[" + ",".join("0" * (stop - start)) + "]"
    try:
        if len(varying) == 1:
            return _dumps(list(varying[0]))
        if plan.widths is not None:
            return _dumps(list(map("".join, zip(*varying, strict=True))))
        return _dumps(list(zip(*varying, strict=True)))
    except ValueError as exc:  # NaN or infinity, which JSON has no number for
        raise NotJson(str(exc)) from exc
