"""``one_of`` (db/one_of.py) matches exactly the rows ``IN`` matches, on SQLite and on
PostgreSQL (where it is ``= ANY(array)``): text longer than the column (never cut down to a
prefix that would match), numbers, an empty list, and a list longer than psycopg caches."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pg_server import PG_URL, require_postgres
from serialpos.db import apply_outcomes, migrate, repo
from serialpos.db.engine import Database
from serialpos.db.one_of import one_of
from serialpos.domain.states import Action
from serialpos.services import ledger, products, stores, users
from serialpos.services.context import SYSTEM

LONGEST = "X" * 64  # serial_unit.serial is VARCHAR(64)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def shop(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    schema = None
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'one_of.sqlite'}")
    else:
        require_postgres()
        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin = sa.create_engine(PG_URL)
        with admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        sep = "&" if "?" in PG_URL else "?"
        db = Database(f"{PG_URL}{sep}options=-csearch_path%3D{schema}")
    migrate.upgrade(db)
    stores.add_store(db, SYSTEM, "S1", "Main Street")
    users.add_user(db, SYSTEM, "mia", "manager", "1234")
    mia = users.actor_for(db, "mia", "setup")
    products.create_product(db, mia, sku="PH1", name="Phone", serial_mode="required")
    serials = [LONGEST, "A1", "A2", *(f"M{n:03d}" for n in range(120))]
    ledger.move(db, mia, Action.RECEIVE, store="S1", sku="PH1", serials=serials)
    yield db
    db.dispose()
    if schema is not None:
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()


def _serials(db: Database, where: Callable[[Connection], sa.ColumnElement[bool]]) -> list[str]:
    select = sa.select(repo.unit_t.c.serial)
    return db.read(
        lambda conn: sorted(str(s) for s in conn.execute(select.where(where(conn))).scalars())
    )


@pytest.mark.parametrize(
    "asked",
    [
        [LONGEST + "Y", "A1"],  # longer than the column: no match, never its 64-char prefix
        [LONGEST, "A2", "nope"],
        [],
        [f"M{n:03d}" for n in range(0, 120, 2)] + ["A1"],  # more than psycopg's 50 params
    ],
)
def test_text_matches_what_in_matches(shop: Database, asked: list[str]) -> None:
    unit_c = repo.unit_t.c
    by_in = _serials(shop, lambda conn: unit_c.serial.in_(asked))
    by_one_of = _serials(shop, lambda conn: one_of(conn, unit_c.serial, asked))
    assert by_one_of == by_in
    assert by_one_of == sorted(s for s in asked if s == LONGEST or (s[:1] in "AM" and s != "nope"))


def test_numbers_match_what_in_matches(shop: Database) -> None:
    unit_c = repo.unit_t.c
    ids = shop.read(lambda conn: list(conn.execute(sa.select(unit_c.id)).scalars()))
    asked = [*ids[::3], max(ids) + 1000]
    by_in = _serials(shop, lambda conn: unit_c.id.in_(asked))
    by_one_of = _serials(shop, lambda conn: one_of(conn, unit_c.id, asked))
    assert by_one_of == by_in
    assert len(by_one_of) == len(ids[::3])


@pytest.mark.parametrize(
    "shop", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_a_runs_verdicts_are_stored_through_the_index(shop: Database) -> None:
    """apply_outcomes.record_many finds its rows by the primary key, not by scanning every
    outcome ever stored (a join to ``unnest`` alone made PostgreSQL hash the whole table):
    PostgreSQL's plan, so PostgreSQL only."""
    assert shop.dialect == "postgresql"
    keys = [f"k{n}" for n in range(20_000)]
    with shop.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO apply_outcome (id, body_sha256, op, user_name, terminal, applied_at, "
            "outcome) SELECT 'k' || (g - 1), 'x', 'sell', 'mia', 't', now(), '' "
            "FROM generate_series(1, 20000) AS g"
        )
        conn.exec_driver_sql("ANALYZE apply_outcome")
        asked = keys[500:600]
        plan = "\n".join(
            str(row[0])
            for row in conn.execute(
                sa.text(f"EXPLAIN {apply_outcomes.RECORD_MANY.text}"),
                {"keys": asked, "outcomes": ["v"] * len(asked)},
            )
        )
        assert "Seq Scan on apply_outcome" not in plan, plan
        assert "apply_outcome_pkey" in plan, plan
        apply_outcomes.record_many(conn, [(k, f"verdict {k}") for k in asked])
        stored = dict(conn.exec_driver_sql("SELECT id, outcome FROM apply_outcome").all())
    assert {k: v for k, v in stored.items() if v} == {k: f"verdict {k}" for k in asked}
