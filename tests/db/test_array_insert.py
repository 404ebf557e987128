"""Rows inserted from one array per column (db/array_insert.py) are the rows executemany
inserts: in the order given (ids from the sequence in that order), every value as given
(NULLs, one value shared by all rows, money, moments), a text too long for its column
refused rather than cut; PostgreSQL returns the columns asked for. Engines built by
``Database`` send list parameters in binary, with the same results."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

from pg_server import PG_URL, require_postgres
from serialpos.db import array_insert
from serialpos.db.engine import Database
from serialpos.db.one_of import one_of

meta = sa.MetaData()
till_t = sa.Table(
    "till_row",
    meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("number", sa.String(8), nullable=False, unique=True),
    sa.Column("amount", sa.Numeric(12, 2), nullable=False),
    sa.Column("at", sa.DateTime(), nullable=False),
    sa.Column("paid", sa.Boolean(), nullable=False),
    sa.Column("shift_id", sa.Integer, nullable=True),
    sa.Column("note", sa.String(32), nullable=True),
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'rows.sqlite'}")
        meta.create_all(database.engine)
        yield database
        database.dispose()
        return
    require_postgres()
    admin = sa.create_engine(PG_URL)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in PG_URL else "?"
    database = Database(f"{PG_URL}{sep}options=-csearch_path%3D{schema}")
    meta.create_all(database.engine)
    yield database
    database.dispose()
    with admin.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    admin.dispose()


def _rows(count: int, at: datetime) -> list[dict[str, object]]:
    return [
        {
            "number": f"N{n:03d}",
            "amount": Decimal("19.90") * n,
            "at": at,  # one value for all: sent once
            "paid": n % 2 == 0,
            "shift_id": None if n % 3 else n,
            "note": None,  # NULL in every row
        }
        for n in range(count)
    ]


def test_rows_go_in_in_order_with_their_values(db: Database) -> None:
    at = datetime(2026, 12, 3, 14, 0, 0, 123456)
    rows = _rows(25, at)
    pg = db.dialect == "postgresql"

    def work(conn: sa.Connection) -> list[tuple[int, str]]:
        made = array_insert.insert_rows(
            conn, till_t, rows, returning=("id", "number") if pg else ()
        )
        return [(int(r[0]), str(r[1])) for r in made]

    returned = db.write(work)
    with db.engine.connect() as conn:
        stored = conn.execute(sa.select(till_t).order_by(till_t.c.id)).mappings().all()
    assert [{k: v for k, v in r.items() if k != "id"} for r in stored] == rows
    ids = [r["id"] for r in stored]
    assert ids == sorted(ids) and len(set(ids)) == 25
    if pg:
        assert sorted(returned) == [(r["id"], r["number"]) for r in stored]
    else:
        assert returned == []


def test_every_row_alike_and_an_empty_list(db: Database) -> None:
    at = datetime(2026, 12, 3, 14, 0, 0)
    same = {"number": "X", "amount": Decimal("1.00"), "at": at, "paid": True}
    db.write(lambda conn: array_insert.insert_rows(conn, till_t, [same]))
    db.write(lambda conn: array_insert.insert_rows(conn, till_t, []))
    with db.engine.connect() as conn:
        stored = conn.execute(sa.select(till_t.c.number, till_t.c.paid)).all()
    assert [tuple(r) for r in stored] == [("X", True)]


def test_a_text_too_long_for_its_column_is_never_cut(db: Database) -> None:
    """PostgreSQL refuses it (nothing kept); SQLite, which keeps any length, keeps it whole."""
    rows = _rows(3, datetime(2026, 12, 3))
    rows[1]["note"] = "x" * 33
    if db.dialect == "postgresql":
        with pytest.raises(sa.exc.DataError):
            db.write(lambda conn: array_insert.insert_rows(conn, till_t, rows))
        expected: list[str | None] = []
    else:
        db.write(lambda conn: array_insert.insert_rows(conn, till_t, rows))
        expected = [None, "x" * 33, None]
    with db.engine.connect() as conn:
        stored = conn.execute(sa.select(till_t.c.note).order_by(till_t.c.id)).scalars().all()
    assert list(stored) == expected


def test_lists_of_every_kind_match_as_before(db: Database) -> None:
    """``= ANY`` with lists (db/one_of.py), sent in binary on PostgreSQL: empty, text with
    quotes and backslashes, numbers."""
    rows = _rows(4, datetime(2026, 12, 3))
    rows[2]["number"] = 'a"b\\c'
    db.write(lambda conn: array_insert.insert_rows(conn, till_t, rows))

    def read(conn: sa.Connection) -> list[list[str]]:
        asked: list[list[object]] = [[], ['a"b\\c', "N003", "nope"]]
        found = [
            sorted(
                conn.execute(
                    sa.select(till_t.c.number).where(one_of(conn, till_t.c.number, a))
                ).scalars()
            )
            for a in asked
        ]
        found.append(
            sorted(
                conn.execute(
                    sa.select(till_t.c.number).where(
                        one_of(conn, till_t.c.amount, [Decimal("19.90")])
                    )
                ).scalars()
            )
        )
        return found

    assert db.read(read) == [[], ["N003", 'a"b\\c'], ["N001"]]


@pytest.mark.parametrize(
    "db", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)  # PostgreSQL only: SQLite inserts central's events row by row
def test_rows_given_by_column_are_the_rows_given_one_by_one(db: Database) -> None:
    """``insert_columns`` (central's sale events, built by column): what every row shares
    given once, the rest one list per column; the same rows as ``insert_rows`` of the dicts."""
    assert db.dialect == "postgresql"
    at = datetime(2026, 12, 3, 14, 0, 0, 5)
    rows = _rows(12, at)
    shared = {"at": at, "note": None}
    columns = {k: [r[k] for r in rows] for k in ("number", "amount", "paid", "shift_id")}
    made = db.write(
        lambda conn: array_insert.insert_columns(conn, till_t, shared, columns, ("number",))
    )
    assert sorted(r[0] for r in made) == [r["number"] for r in rows]
    with db.engine.connect() as conn:
        stored = conn.execute(sa.select(till_t).order_by(till_t.c.id)).mappings().all()
    assert [{k: v for k, v in r.items() if k != "id"} for r in stored] == rows
