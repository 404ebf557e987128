"""Where the test PostgreSQL server is, whether a test may run against it, and its schemas.

Kept out of ``conftest.py`` so a test module can import it by name: ``from conftest import``
picks whichever conftest was loaded last (tests/chaos/ and tests/tui/ have their own).

Every test (or module sharing a ``serve``) works in a schema of its own (:func:`new_schema`),
so xdist workers never collide. The tests' sessions commit with ``synchronous_commit=off``:
a commit is visible to every session at once and survives any client killed mid-way, exactly
as before; only a crash of the PostgreSQL server itself could lose the last few, and no test
crashes the server. It saves a WAL flush per transaction (5 ms of waiting here, 1 with it off).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid

import pytest
import sqlalchemy as sa

PG_URL = os.environ.get("SERIALPOS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = bool(os.environ.get("CI"))

_pg_checked: str | None = None  # None: not yet; "": reachable; else the reason it is not


def _pg_unreachable() -> str:
    global _pg_checked
    if _pg_checked is None:
        try:
            engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
            with engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
            engine.dispose()
            _pg_checked = ""
        except Exception as exc:
            _pg_checked = f"PostgreSQL not reachable at {PG_URL}: {str(exc).splitlines()[0]}"
    return _pg_checked


def require_postgres() -> None:
    reason = _pg_unreachable()
    if reason:
        if IN_CI:
            pytest.fail(f"{reason} (CI must run the PostgreSQL tests)")
        pytest.skip(reason)


def schema_url(schema: str) -> str:
    """``PG_URL`` with ``schema`` as the search path (last in ``options``: test_api_pool.py
    reads the schema back from the end of the URL)."""
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csynchronous_commit%3Doff%20-csearch_path%3D{schema}"


def _admin() -> sa.Engine:
    return sa.create_engine(PG_URL, poolclass=sa.NullPool)


def _as_admin(statement: str) -> None:
    """Run one statement on the server's own database, committed, on a connection of its own."""
    engine = _admin()
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


def new_schema() -> str:
    """A new, empty schema's name."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    _as_admin(f"CREATE SCHEMA {schema}")
    return schema


def fill_schema(schema: str) -> None:
    """Bring the empty ``schema`` to head, with what the migrations insert, as
    ``migrate.upgrade`` would: by replaying :func:`_head_dump` (or migrating it, where
    ``pg_dump`` is not installed)."""
    dump = _head_dump()
    if dump is None:
        _migrate(schema)
        return
    engine = _admin()  # its own connection: the dump's SET commands go with it
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(dump.replace(_PLACEHOLDER, schema))
            conn.commit()
    finally:
        engine.dispose()


def _migrate(schema: str) -> None:
    from serialpos.db import migrate
    from serialpos.db.engine import Database

    database = Database(schema_url(schema))
    try:
        migrate.upgrade(database)
    finally:
        database.dispose()


def drop_schema(schema: str) -> None:
    _as_admin(f"DROP SCHEMA {schema} CASCADE")


_PLACEHOLDER = "serialpos_head_template"
_head: str | bool | None = False  # False: not made yet; None: pg_dump is not there


def _head_dump() -> str | None:
    """The SQL that makes a schema as the migrations to head make it (tables, indexes,
    triggers, sequences and the rows the migrations insert), with :data:`_PLACEHOLDER` for
    the schema's name: one migration per test process, dumped by ``pg_dump``. Replaying it
    costs PostgreSQL about a third of the CPU of the 30 migrations, and the test process
    none (0.2 s of CPU a test here). What PostgreSQL then prints of a CHECK constraint's
    ``IN`` list differs in its casts (the same test, re-parsed), nothing else. None where
    ``pg_dump`` is not installed or fails."""
    global _head
    if _head is False:
        _head = _dump_of_migrated_schema() if shutil.which("pg_dump") else None
    assert _head is not False
    return _head


def _dump_of_migrated_schema() -> str | None:
    schema = new_schema()
    try:
        _migrate(schema)
        url = sa.make_url(PG_URL)
        env = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
        done = subprocess.run(
            [
                "pg_dump",
                "--host",
                url.host or "localhost",
                "--port",
                str(url.port or 5432),
                "--username",
                url.username or "postgres",
                "--dbname",
                url.database or "postgres",
                "--schema",
                schema,
                "--no-owner",
                "--no-privileges",
                "--inserts",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        drop_schema(schema)
    if done.returncode != 0:  # say, a pg_dump older than the server: migrate every schema
        return None
    lines = [
        line
        for line in done.stdout.splitlines()
        # psql's own commands (\restrict) are not SQL; the schema is made by the caller
        if not line.startswith("\\") and line != f"CREATE SCHEMA {schema};"
    ]
    text = "\n".join(lines)
    assert re.search(rf"\b{schema}\b", text), "pg_dump printed nothing of the schema"
    return re.sub(rf"\b{schema}\b", _PLACEHOLDER, text)
