"""Prepared statements on the driver's cursor (db/prepared.py): what the counter sale's steps
run instead of ``Connection.execute`` must read and fail exactly as SQLAlchemy would, inside
the service's transaction, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from serialpos.db import order_repo as orepo
from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.db.prepared import Prepared, PreparedRow

_ORDER = sa.select(orepo.order_t.c.number, orepo.order_t.c.created_at).where(
    orepo.order_t.c.number == sa.bindparam("number")
)
_INSERT_ORDER = Prepared(
    sa.insert(orepo.order_t).returning(orepo.order_t.c.id, orepo.order_t.c.created_at),
    [
        "number",
        "store_id",
        "type",
        "delivery",
        "status",
        "created_by",
        "terminal",
        "created_at",
        "updated_at",
    ],
)
_PRICE = Prepared(sa.select(repo.product_t.c.price).where(repo.product_t.c.sku == "P-1"))


def _order(db: Database, number: str, at: datetime) -> dict[str, object]:
    store = db.read(lambda conn: repo.store_id(db, conn, "S1"))
    return {
        "number": number,
        "store_id": store,
        "type": "sale",
        "delivery": "cash_and_carry",
        "status": "open",
        "created_by": "ada",
        "terminal": "till-1",
        "created_at": at,
        "updated_at": at,
    }


def test_rows_come_back_typed_as_core_reads_them(db: Database) -> None:
    at = datetime(2026, 3, 4, 5, 6, 7)
    made = db.write(lambda conn: _INSERT_ORDER.rows(conn, _order(db, "S1-900001", at)))
    assert len(made) == 1 and isinstance(made[0]._mapping["id"], int)
    assert made[0].created_at == at  # SQLite's text date is a datetime again
    core = db.read(lambda conn: conn.execute(_ORDER, {"number": "S1-900001"}).one())
    fast = db.read(lambda conn: Prepared(_ORDER).first(conn, {"number": "S1-900001"}))
    assert tuple(fast) == tuple(core) and fast._mapping == dict(core._mapping)
    assert db.read(lambda conn: Prepared(_ORDER).first(conn, {"number": "nope"})) is None


def test_numerics_are_decimals(db: Database) -> None:
    with db.engine.begin() as conn:
        conn.execute(
            sa.insert(repo.product_t).values(
                sku="P-1", name="Phone", serial_mode="required", price=Decimal("199.90")
            )
        )
    price = db.read(lambda conn: _PRICE.scalar(conn, {}))
    assert price == Decimal("199.90") and isinstance(price, Decimal)


def test_it_runs_inside_the_services_transaction(db: Database) -> None:
    at = datetime(2026, 3, 4, 5, 6, 7)

    def work(conn: Any) -> None:
        _INSERT_ORDER.run(conn, _order(db, "S1-900002", at))
        raise RuntimeError("the step fails after its insert")

    with pytest.raises(RuntimeError):
        db.write(work)
    assert db.read(lambda conn: Prepared(_ORDER).first(conn, {"number": "S1-900002"})) is None


def test_driver_errors_are_sqlalchemys_and_listeners_see_each_statement(db: Database) -> None:
    at = datetime(2026, 3, 4, 5, 6, 7)
    db.write(lambda conn: _INSERT_ORDER.run(conn, _order(db, "S1-900003", at)))
    seen: list[str] = []

    def listen(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", listen)
    try:
        with pytest.raises(sa.exc.IntegrityError):  # the order number is unique
            db.write(lambda conn: _INSERT_ORDER.run(conn, _order(db, "S1-900003", at)))
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listen)
    assert [s for s in seen if s.startswith("INSERT INTO sale_order")] != []


def test_a_failed_statement_leaves_its_connection_usable(db: Database) -> None:
    """SQLAlchemy's error handling closes the cursor a failed statement ran on; the kept
    cursor must not be handed out again (a disk-full on a till left every later line of an
    ``apply`` refused with "Cannot operate on a closed cursor")."""
    at = datetime(2026, 3, 4, 5, 6, 7)
    db.write(lambda conn: _INSERT_ORDER.run(conn, _order(db, "S1-900004", at)))
    with db.engine.connect() as conn:
        with pytest.raises(sa.exc.IntegrityError):  # the order number is unique
            _INSERT_ORDER.run(conn, _order(db, "S1-900004", at))
        conn.rollback()
        assert _PRICE.rows(conn, {}) == []  # no product P-1: a read that runs, on a new cursor
        made = _INSERT_ORDER.rows(conn, _order(db, "S1-900005", at))
        conn.commit()
    assert len(made) == 1
    assert db.read(lambda conn: conn.execute(_ORDER, {"number": "S1-900005"}).one()) is not None


def test_the_rows_shape_learned_at_the_first_run_holds_for_the_later_ones(db: Database) -> None:
    """The columns and their types are learned from the first run's description only: a
    first run that finds nothing, or a write that returns nothing, must not spoil later
    runs."""
    at = datetime(2026, 3, 4, 5, 6, 7)
    find = Prepared(_ORDER)
    assert db.read(lambda conn: find.rows(conn, {"number": "S1-900004"})) == []
    db.write(lambda conn: _INSERT_ORDER.run(conn, _order(db, "S1-900004", at)))
    found = db.read(lambda conn: find.first(conn, {"number": "S1-900004"}))
    assert found is not None and (found.number, found.created_at) == ("S1-900004", at)
    assert found._mapping == {"number": "S1-900004", "created_at": at}
    touch = Prepared(
        sa.update(orepo.order_t)
        .where(orepo.order_t.c.number == sa.bindparam("number"))
        .values(terminal=sa.bindparam("terminal"))
    )
    for _ in range(2):
        done = db.write(lambda conn: touch.run(conn, {"number": "S1-900004", "terminal": "t2"}))
        assert (done.rowcount, done.rows) == (1, [])
    text = Prepared(sa.text("SELECT number AS n FROM sale_order WHERE number = :number"))
    for _ in range(2):
        row = db.read(lambda conn: text.first(conn, {"number": "S1-900004"}))
        assert row._mapping == {"n": "S1-900004"}


def _sqlalchemy_text(value: object) -> object:
    """What SQLAlchemy's own SQLite DATETIME bind processor writes for ``value``."""
    from sqlalchemy.dialects import sqlite

    dialect = sqlite.dialect()
    process = sa.DateTime().dialect_impl(dialect).bind_processor(dialect)
    assert process is not None
    return process(value)


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 3, 4, 5, 6, 7),  # no microseconds: still written with six zeros
        datetime(2026, 12, 31, 23, 59, 59, 999_999),
        datetime(2026, 3, 4, 5, 6, 7, 120),
        datetime(999, 1, 2, 3, 4, 5, 6),  # a year of three digits is written with four
        datetime(1, 1, 1),
    ],
)
def test_a_timestamp_is_written_as_sqlalchemy_writes_it(value: datetime) -> None:
    """The fast DATETIME bind for SQLite (prepared._bind_processor) writes the very text
    SQLAlchemy's processor writes: stored timestamps sort and compare as before."""
    from sqlalchemy.dialects import sqlite

    from serialpos.db.prepared import _bind_processor

    dialect = sqlite.dialect()
    fast = _bind_processor(sa.DateTime().dialect_impl(dialect), dialect)
    assert fast is not None
    assert fast(value) == _sqlalchemy_text(value)


def test_a_date_or_an_aware_timestamp_goes_to_sqlalchemys_processor() -> None:
    from datetime import UTC, date, timedelta, timezone

    from sqlalchemy.dialects import sqlite

    from serialpos.db.prepared import _bind_processor

    dialect = sqlite.dialect()
    fast = _bind_processor(sa.DateTime().dialect_impl(dialect), dialect)
    assert fast is not None
    for value in (
        date(2026, 3, 4),
        datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC),
        datetime(2026, 3, 4, 5, 6, 7, 8, tzinfo=timezone(timedelta(hours=2))),
    ):
        assert fast(value) == _sqlalchemy_text(value)
    with pytest.raises(TypeError):
        fast("2026-03-04")


def test_a_prepared_insert_stores_the_text_core_stores(db: Database) -> None:
    at = datetime(2026, 3, 4, 5, 6, 7)
    db.write(lambda conn: _INSERT_ORDER.run(conn, _order(db, "S1-900009", at)))
    stored = db.read(
        lambda conn: conn.execute(
            sa.text("SELECT CAST(created_at AS TEXT) FROM sale_order WHERE number = 'S1-900009'")
        ).scalar()
    )
    if db.dialect == "sqlite":
        assert stored == "2026-03-04 05:06:07.000000"
    else:
        assert str(stored).startswith("2026-03-04 05:06:07")


def test_a_row_reads_alike_by_name_position_and_mapping() -> None:
    """Rows share their statement's column positions and make their mapping only when asked:
    all three ways of reading must agree, a repeated name reads its last column (as the
    mapping does), and keys that do not match the values are refused."""
    row = PreparedRow(("a", "b", "a"), [1, 2, 3])
    assert (row.a, row.b, row[0], list(row), len(row)) == (3, 2, 1, [1, 2, 3], 3)
    assert row._mapping == {"a": 3, "b": 2} and row._mapping is row._mapping
    with pytest.raises(AttributeError):
        _ = row.c
    with pytest.raises(ValueError):
        PreparedRow(("a",), [1, 2])


def test_a_row_is_a_tuple_with_its_columns_as_attributes() -> None:
    """As SQLAlchemy's ``Row``: a row equals the tuple of its values and slices as one; a
    column may be named like a tuple method (``count``) and reads as the column; the
    statement's rows share one class, whose attributes read a position each."""
    row = PreparedRow(("id", "count", "price"), (7, 3, Decimal("1.50")))
    assert row == (7, 3, Decimal("1.50")) and row[1:] == (3, Decimal("1.50"))
    assert (row.id, row.count, row.price) == (7, 3, Decimal("1.50"))
    again = PreparedRow(("id", "count", "price"), (8, 0, None))
    assert type(again) is type(row) and again.count == 0 and again._mapping["price"] is None
    assert repr(row) == "PreparedRow({'id': 7, 'count': 3, 'price': Decimal('1.50')})"


def test_bind_values_given_fixed_and_processed(db: Database) -> None:
    """A value given wins over one fixed in the statement; a fixed one is used when none is
    given; a required one missing is refused; None is never handed to a processor."""
    c = repo.store_t.c
    found = Prepared(
        sa.select(c.code).where(
            c.code.in_([sa.bindparam("a"), sa.bindparam("b", "S1")]),
        )
    )

    def codes(params: dict[str, object]) -> list[str]:
        return db.read(lambda conn: [row[0] for row in found.rows(conn, params)])

    assert codes({"a": "nope"}) == ["S1"]
    assert codes({"a": "S1", "b": "x"}) == ["S1"]
    assert codes({"a": "x", "b": None}) == []
    with pytest.raises(KeyError):
        codes({"b": "S1"})


def test_a_reconnected_connection_gets_a_cursor_of_its_own(db: Database) -> None:
    """The driver cursor is kept per pooled connection: after the connection is invalidated
    (a server restart, a dropped link), the next run uses a cursor of the new connection."""
    price = Prepared(sa.select(repo.store_t.c.code).where(repo.store_t.c.code == "S1"))
    with db.engine.connect() as conn:
        first = conn.connection.dbapi_connection
        assert price.scalar(conn, {}) == "S1"
        conn.invalidate()
        conn.rollback()
        assert price.scalar(conn, {}) == "S1"
        assert conn.connection.dbapi_connection is not first


def test_a_long_statement_runs_with_numbered_placeholders_on_postgresql(db: Database) -> None:
    """On psycopg a statement is numbered once (``$1``..., a name used twice one number, a
    literal percent sign kept) and runs on a raw cursor: psycopg no longer parses the text
    on each run, which it did for every statement over 4 kB or 50 parameters (central's
    push of sales, db/sale_rows_sql.py). The answer is the same on either database."""
    names = [f"p{n}" for n in range(60)]
    terms = " + ".join(f"CAST(:{n} AS INTEGER)" for n in names)
    padding = "x" * 4200  # past psycopg's 4 kB cache of parsed statements
    stmt = Prepared(
        sa.text(
            f"SELECT {terms} + CAST(:p0 AS INTEGER) AS total, '50%' AS share, "
            f"length('{padding}') AS padded"
        )
    )
    params = {n: k for k, n in enumerate(names)}
    seen: list[tuple[str, Any]] = []

    def listen(_c: Any, _cur: Any, statement: str, args: Any, *_rest: Any) -> None:
        seen.append((statement, args))

    sa.event.listen(db.engine, "before_cursor_execute", listen)
    for _ in range(3):
        row = db.read(lambda conn: stmt.first(conn, params))
        assert (row.total, row.share, row.padded) == (sum(range(60)), "50%", 4200)
    sa.event.remove(db.engine, "before_cursor_execute", listen)
    from serialpos.db.prepared import _raw_cursor

    if db.dialect == "postgresql" and _raw_cursor() is not None:  # psycopg 3.2 and later
        statement, args = seen[-1]
        assert "$60" in statement and "$61" not in statement and "%(" not in statement
        assert args == tuple(range(60))  # p0 is sent once, for both of its places
        assert "'50%'" in statement
