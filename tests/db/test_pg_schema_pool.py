"""The ``db`` fixture's pool of PostgreSQL schemas (tests/pg_server.py, FilledSchemaPool):
a schema put back is as it was just filled, and one a test changed the shape of, or still
holds a lock on, is dropped, never handed to the next test."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from pg_server import FilledSchemaPool, require_postgres, schema_url

pytestmark = pytest.mark.postgres

STATE = (
    "SELECT (SELECT json_agg(t ORDER BY id) FROM event_feed_counter t)::text,"
    " (SELECT json_agg(t ORDER BY key) FROM serialpos_install t)::text,"
    " (SELECT json_agg(t) FROM alembic_version t)::text,"
    " (SELECT count(*) FROM store), (SELECT count(*) FROM app_user),"
    " (SELECT last_value || ',' || is_called FROM store_id_seq),"
    " (SELECT last_value || ',' || is_called FROM app_user_id_seq)"
)


@pytest.fixture
def pool() -> Iterator[FilledSchemaPool]:
    require_postgres()
    pool = FilledSchemaPool()
    yield pool
    pool.close()


def run(schema: str, *statements: str) -> None:
    engine = sa.create_engine(schema_url(schema), poolclass=sa.NullPool)
    try:
        with engine.begin() as conn:
            for statement in statements:
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def state(schema: str) -> tuple[object, ...]:
    engine = sa.create_engine(schema_url(schema), poolclass=sa.NullPool)
    try:
        with engine.connect() as conn:
            return tuple(conn.exec_driver_sql(STATE).one())
    finally:
        engine.dispose()


def test_a_schema_put_back_is_as_just_filled(pool: FilledSchemaPool) -> None:
    schema = pool.take()
    filled = state(schema)
    run(
        schema,
        "INSERT INTO store (code, name, created_at) VALUES ('A', 'a', now()), ('B', 'b', now())",
        "UPDATE event_feed_counter SET last_seq = 7",
        "DELETE FROM serialpos_install",
    )
    assert state(schema) != filled
    pool.give_back(schema)
    assert pool.kept() == [schema]
    assert pool.take() == schema
    assert state(schema) == filled
    assert (pool.made, pool.reused) == (1, 1)


@pytest.mark.parametrize(
    "ddl",
    [
        "CREATE INDEX extra ON store (name)",
        "ALTER TABLE store ALTER COLUMN name DROP NOT NULL",
        "ALTER TABLE store ALTER COLUMN name SET DEFAULT 'x'",
        "ALTER TABLE store ADD CONSTRAINT extra CHECK (id > 0)",
        "ALTER TABLE ledger_event DISABLE TRIGGER ledger_event_append_only",
        "CREATE TABLE extra (x int)",
        "DROP TABLE user_store",
        "ALTER SEQUENCE store_id_seq INCREMENT 2",
        "CREATE FUNCTION extra() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    ],
)
def test_a_schema_whose_shape_changed_is_dropped(pool: FilledSchemaPool, ddl: str) -> None:
    schema = pool.take()
    run(schema, ddl)
    pool.give_back(schema)
    assert pool.kept() == []  # dropped


def test_a_schema_a_session_still_holds_a_lock_on_is_dropped(pool: FilledSchemaPool) -> None:
    schema = pool.take()
    engine = sa.create_engine(schema_url(schema), poolclass=sa.NullPool)
    conn = engine.connect()
    conn.exec_driver_sql("SELECT * FROM store")  # a transaction left open
    closing = threading.Timer(1, conn.close)  # the drop waits for it, as it always did
    closing.start()
    try:
        pool.give_back(schema)
    finally:
        closing.join()
        engine.dispose()
    assert pool.kept() == []  # dropped
