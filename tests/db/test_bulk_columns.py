"""``bulk.insert_columns`` on SQLite (``json_each``, db/bulk_json.py) and PostgreSQL (COPY):
every way a column can be given -- shared, one value throughout, counting up, changing in
runs, varying alone, packed beside fixed-width text, in an array of arrays, or through the
temporary table when JSON cannot carry a value -- reads back exactly as given, in order."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import bulk, bulk_json
from serialpos.db.engine import Database

_meta = sa.MetaData()
scratch = sa.Table(
    "bulk_scratch",
    _meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("num", sa.Integer),
    sa.Column("word", sa.String(64)),
    sa.Column("other", sa.String(64)),
    sa.Column("maybe", sa.String(64), nullable=True),
    sa.Column("at", sa.DateTime),
)
KEYS = ["id", "num", "word", "other", "maybe", "at"]
N = 200
T0 = datetime(2026, 12, 3, 9, 30, 0, 123456)


@pytest.fixture
def scratch_db(db: Database) -> Iterator[Database]:
    _meta.create_all(db.engine)
    yield db
    _meta.drop_all(db.engine)


def insert_and_read(
    db: Database, shared: Mapping[str, Any], columns: Mapping[str, Sequence[Any]]
) -> list[tuple[Any, ...]]:
    def work(conn: Connection) -> list[tuple[Any, ...]]:
        bulk.insert_columns(conn, scratch, shared, columns)
        if conn.dialect.name == "sqlite":
            assert conn.exec_driver_sql("SELECT name FROM sqlite_temp_master").all() == []
        query = sa.select(*(scratch.c[k] for k in KEYS)).order_by(scratch.c.id)
        return [tuple(row) for row in conn.execute(query)]

    return db.write(work)


def expected(shared: Mapping[str, Any], columns: Mapping[str, Sequence[Any]]) -> list[tuple]:
    n = len(next(iter(columns.values())))
    values = {k: [shared.get(k)] * n for k in KEYS}
    values.update({k: list(v) for k, v in columns.items()})
    return list(zip(*(values[k] for k in KEYS), strict=True))


CASES: dict[str, tuple[dict[str, Any], dict[str, list[Any]]]] = {
    # ids counting up (start + key), one varying text column, a time shared.
    "flat": (
        {"at": T0, "other": "x"},
        {"id": list(range(5, 5 + N)), "word": [f"w{n}" for n in range(N)]},
    ),
    # a 64-character column beside a text of any length: packed, cut apart by substr.
    "packed": (
        {},
        {
            "id": list(range(1, N + 1)),
            "other": [f"{n:064x}" for n in range(N)],
            "word": ["é" * (n % 7) + f'|{n}"\\' for n in range(N)],
        },
    ),
    # runs (a line number changing every 20 rows), a column of one value, a number counting
    # up by two (so not counted: varying), and two texts of varying length with NULLs.
    "array of arrays": (
        {},
        {
            "id": list(range(1, N + 1)),
            "num": [n * 2 for n in range(N)],
            "word": [f"w{n}" * (n % 3 + 1) for n in range(N)],
            "maybe": [None if n % 4 == 0 else f"m{n}" for n in range(N)],
            "other": [str(n // 20) for n in range(N)],
            "at": [T0] * N,
        },
    ),
    # times changing every row go through their bind processor, then JSON.
    "times": (
        {"word": "t"},
        {"id": list(range(1, N + 1)), "at": [T0 + timedelta(seconds=n) for n in range(N)]},
    ),
    # nothing varies but the ids: a placeholder array gives the rows.
    "only ids": ({"word": "same"}, {"id": list(range(100, 100 + N))}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_columns_read_back_as_given(scratch_db: Database, case: str) -> None:
    shared, columns = CASES[case]
    assert insert_and_read(scratch_db, shared, columns) == expected(shared, columns)


def test_the_sqlite_plan_takes_each_column_its_cheapest_way() -> None:
    """What the cases above exercise, so a regression to the slow path shows here."""
    shared, columns = CASES["array of arrays"]
    plan = bulk_json._plan(shared, columns, N)
    assert plan.counting == {"id": 1}
    assert plan.runs == ["other"]
    assert set(plan.shared) == {"at"}
    assert plan.varying == ["num", "word", "maybe"] and plan.widths is None
    packed = bulk_json._plan({}, CASES["packed"][1], N)
    assert packed.varying == ["other", "word"] and packed.widths == [64]
    flat = bulk_json._plan({}, CASES["flat"][1], N)
    assert flat.varying == ["word"] and flat.runs == []


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # SQLite's path only
def test_a_value_json_cannot_carry_goes_through_a_temporary_table(
    scratch_db: Database,
) -> None:
    columns = {"id": list(range(1, N + 1)), "word": [f"b{n}".encode() for n in range(N)]}
    with pytest.raises(bulk_json.NotJson):
        bulk_json._plan({}, columns, N)
    rows = insert_and_read(scratch_db, {}, columns)
    assert [r[2] for r in rows] == columns["word"]


def test_a_refused_row_inserts_none(scratch_db: Database) -> None:
    """All or nothing: an id already there fails the statement, and no row of it stays."""
    insert_and_read(scratch_db, {}, {"id": [7], "word": ["first"]})
    with pytest.raises(sa.exc.IntegrityError):
        insert_and_read(scratch_db, {}, {"id": list(range(1, N + 1)), "word": ["w"] * N})
    rows = scratch_db.read(lambda conn: conn.execute(sa.select(scratch.c.word)).all())
    assert [tuple(r) for r in rows] == [("first",)]
