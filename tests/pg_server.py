"""Where the test PostgreSQL server is, whether a test may run against it, and its schemas.

Kept out of ``conftest.py`` so a test module can import it by name: ``from conftest import``
picks whichever conftest was loaded last (tests/chaos/ and tests/tui/ have their own).

Every test (or module sharing a ``serve``) works in a schema of its own (:func:`new_schema`),
so xdist workers never collide; the ``db`` fixture's are pooled, reset between tests
(:class:`FilledSchemaPool`). The tests' sessions commit with ``synchronous_commit=off``:
a commit is visible to every session at once and survives any client killed mid-way, exactly
as before; only a crash of the PostgreSQL server itself could lose the last few, and no test
crashes the server. It saves a WAL flush per transaction (5 ms of waiting here, 1 with it off).
"""

from __future__ import annotations

import atexit
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
    costs PostgreSQL about a third of the CPU of the migrations, and the test process
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


# --- A pool of filled schemas, for the ``db`` fixture --------------------------------------
#
# Making a filled schema (new_schema + fill_schema) and dropping it cost PostgreSQL about
# 0.17 s of CPU a test, on the same 2 cores as the tests; putting a used one back as it was
# just filled costs a sixth to an eighth of that (see FilledSchemaPool).


class _Baseline:
    """What every schema of the pool is, just filled: its tables and sequences, each
    sequence's state and the rows the migrations insert (an INSERT for each table)."""

    def __init__(
        self,
        tables: list[str],
        sequences: dict[str, tuple[int, bool]],
        refill: dict[str, str],
    ) -> None:
        self.tables = tables
        self.sequences = sequences
        self.refill = refill  # table -> the INSERT that puts its just-filled rows back


def _fingerprint_sql(schema: str) -> str:
    """One md5 over the catalog rows that make up ``schema``: relations (with their options,
    privileges and persistence), columns, defaults, indexes, constraints, triggers (and
    whether they are enabled), functions, types and sequences' settings: any DDL a test did
    changes it. And how many locks other sessions hold on its relations. The relations are
    looked up once (pg_class has no index by schema alone); expressions are compared as
    stored, not printed (``pg_get_constraintdef`` for every constraint doubled the time)."""
    ns = f"'{schema}'::regnamespace"
    return f"""WITH rel AS MATERIALIZED (
 SELECT oid, relname, row(relname, relkind, relnatts, relhastriggers, relchecks,
   relpersistence, reloptions, relacl, relrowsecurity)::text AS x
 FROM pg_class WHERE relnamespace = {ns})
SELECT (SELECT md5(string_agg(x, '|' ORDER BY x)) FROM (
 SELECT x FROM rel
 UNION ALL SELECT row(c.relname, a.attname, a.atttypid, a.atttypmod, a.attnotnull, a.atthasdef,
   a.attisdropped, a.attnum, a.attidentity, a.attgenerated, a.attcollation)::text
   FROM rel c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
 UNION ALL SELECT row(c.relname, d.adnum, md5(d.adbin::text))::text
   FROM rel c JOIN pg_attrdef d ON d.adrelid = c.oid
 UNION ALL SELECT row(c.relname, i.indrelid, i.indisunique, i.indisvalid, i.indisready, i.indkey,
   i.indclass, md5(i.indpred::text), md5(i.indexprs::text))::text
   FROM rel c JOIN pg_index i ON i.indexrelid = c.oid
 UNION ALL SELECT row(conname, conrelid, contype, convalidated, condeferrable, condeferred,
   conkey, confrelid, confkey, confupdtype, confdeltype, md5(conbin::text))::text
   FROM pg_constraint WHERE connamespace = {ns}
 UNION ALL SELECT row(c.relname, t.tgname, t.tgenabled, t.tgtype, t.tgfoid::regproc,
   t.tgdeferrable, t.tginitdeferred)::text
   FROM rel c JOIN pg_trigger t ON t.tgrelid = c.oid
 UNION ALL SELECT row(proname, md5(prosrc), proconfig)::text FROM pg_proc
   WHERE pronamespace = {ns}
 UNION ALL SELECT row(c.relname, s.seqtypid, s.seqstart, s.seqincrement, s.seqmin, s.seqmax,
   s.seqcache, s.seqcycle)::text
   FROM rel c JOIN pg_sequence s ON s.seqrelid = c.oid
 UNION ALL SELECT row(typname, typtype)::text FROM pg_type
   WHERE typnamespace = {ns} AND typrelid = 0 AND typelem = 0
) f),
(SELECT count(*) FROM pg_locks WHERE pid <> pg_backend_pid()
   AND relation IN (SELECT oid FROM rel))"""


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _used_sql(schema: str, baseline: _Baseline) -> str:
    """The tables of ``schema`` that have rows and its sequences away from their just-filled
    state, one row each: ('t', name) or ('s', name)."""
    parts = [
        f"SELECT 't', {_quoted(table)} WHERE EXISTS (SELECT FROM {schema}.{_ident(table)})"
        for table in baseline.tables
        if table not in baseline.refill
    ]
    parts += [
        f"SELECT 's', {_quoted(name)} FROM {schema}.{_ident(name)}"
        f" WHERE (last_value, is_called) IS DISTINCT FROM ({value}, {called})"
        for name, (value, called) in baseline.sequences.items()
    ]
    return " UNION ALL ".join(parts)


class FilledSchemaPool:
    """This test process's filled schemas (at head, with what the migrations insert, no
    other rows) that no test is using, for the ``db`` fixture (tests/conftest.py).

    A test's schema is put back as it was just filled instead of being dropped, and the
    next test takes it instead of making one. Made and dropped, a schema cost PostgreSQL
    0.17 s of CPU, put back 0.02-0.03 s, on the same 2 cores as the tests (and a made one
    waits on the fsync of its files): tests/db/test_apply.py -k postgres (72 tests, one
    process) took 12.9-13.3 s of the server's CPU before, 3.1-3.3 s with the pool, and the
    fixtures' setup and teardown 56-73 s of wall time at load 6, 10-16 s with it. The
    reset, one transaction on a connection of its own:

    - nothing else may hold a lock on the schema's relations (a test's session still in a
      transaction), and its catalog must fingerprint as it did just filled
      (:func:`_fingerprint_sql`: no table, column, index, constraint, trigger, function or
      sequence made, changed or dropped);
    - each table with rows is emptied by ``DELETE`` with ``session_replication_role =
      replica``, which keeps ``ledger_event``'s append-only trigger (and the foreign keys'
      triggers: every table with rows is emptied) from firing; ``TRUNCATE`` instead makes
      new files for every table and index, 2.5 times the server's CPU of ``DELETE`` here
      and waits on their fsync;
    - each sequence that moved gets its just-filled value back (``setval``), and each
      emptied table that had rows just filled (``alembic_version``,
      ``event_feed_counter``, ``serialpos_install``) gets them back, as read from the
      first schema this process filled (``json_populate_recordset``: the same values).

    Anything failing (a lock held past ``lock_timeout``, a changed fingerprint, an error, a
    role that may not set ``session_replication_role``) drops the schema as before, and a
    new one is made for the next test: a schema is never reused across a failed reset.
    What is left at the process's end is dropped (``atexit``). The S1/S2 stores stay
    ``stores.add_store``'s: kept in the pool, their ``created_at`` would be older than the
    test, and the two inserts cost PostgreSQL little. ``pg_url`` (an empty schema) is not
    pooled. A module's ``serve`` (tests/api/conftest.py) and terminal chain
    (tests/terminal/terminal_chain.py) take theirs from the pool too and put it back after
    the module, its ``serve`` stopped: a schema filled and dropped per module cost the server
    about 1.1 s of CPU more (five terminal files: 14.4 s against 8.9 s)."""

    def __init__(self) -> None:
        self._free: list[str] = []
        #: each schema's catalog fingerprint just filled: its own, as it has the oids of its
        #: own relations (in its constraints' and defaults' expressions, say)
        self._fingerprints: dict[str, str] = {}
        self._baseline: _Baseline | None = None
        self._engine: sa.Engine | None = None
        self._reuse = True
        self.made = 0
        self.reused = 0

    def _admin(self) -> sa.Engine:
        if self._engine is None:
            # no parallel workers for the catalog queries (starting them costs more than they
            # save on a few hundred rows); a lock another session holds fails the reset soon
            # (the schema is dropped instead); the commit waits on no WAL flush, as the tests'
            sep = "&" if "?" in PG_URL else "?"
            url = (
                f"{PG_URL}{sep}options=-cmax_parallel_workers_per_gather%3D0"
                "%20-clock_timeout%3D2s%20-csynchronous_commit%3Doff"
            )
            self._engine = sa.create_engine(url, pool_size=1, max_overflow=0)
        return self._engine

    def take(self) -> str:
        """A filled schema no one else uses: one put back, or a new one."""
        if self._free:
            self.reused += 1
            return self._free.pop()
        schema = new_schema()
        try:
            fill_schema(schema)
            if self._baseline is None:
                self._baseline = self._read_baseline(schema)
            with self._admin().connect() as conn:
                self._fingerprints[schema] = conn.exec_driver_sql(_fingerprint_sql(schema)).one()[0]
        except BaseException:
            drop_schema(schema)
            raise
        self.made += 1
        return schema

    def give_back(self, schema: str) -> None:
        """Put ``schema`` back as just filled for the next test, or drop it."""
        if self._reuse and self._baseline is not None and self._reset(schema, self._baseline):
            self._free.append(schema)
        else:
            self._fingerprints.pop(schema, None)
            drop_schema(schema)

    def kept(self) -> list[str]:
        """The schemas put back, for the next tests."""
        return list(self._free)

    def close(self) -> None:
        while self._free:
            drop_schema(self._free.pop())
        self._fingerprints.clear()
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def _read_baseline(self, schema: str) -> _Baseline:
        with self._admin().connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT relname, relkind FROM pg_class WHERE relnamespace = "
                f"'{schema}'::regnamespace AND relkind IN ('r', 'S') ORDER BY relname"
            ).all()
            tables = [name for name, kind in rows if kind == "r"]
            sequences = {
                name: tuple(
                    conn.exec_driver_sql(
                        f"SELECT last_value, is_called FROM {schema}.{_ident(name)}"
                    ).one()
                )
                for name, kind in rows
                if kind == "S"
            }
            refill = {}
            for table in tables:
                data = conn.exec_driver_sql(
                    f"SELECT json_agg(t)::text FROM {schema}.{_ident(table)} t"
                ).scalar_one()
                if data is not None:
                    refill[table] = (
                        f"INSERT INTO {_ident(table)} SELECT * FROM json_populate_recordset("
                        f"NULL::{_ident(table)}, {_quoted(data)})"
                    )
            conn.rollback()
        return _Baseline(tables, sequences, refill)  # type: ignore[arg-type]

    def _reset(self, schema: str, baseline: _Baseline) -> bool:
        try:
            with self._admin().connect() as conn:
                fingerprint, held = conn.exec_driver_sql(_fingerprint_sql(schema)).one()
                if held or fingerprint != self._fingerprints.get(schema):
                    return False
                used = conn.exec_driver_sql(_used_sql(schema, baseline)).all()
                statements = [
                    f"SET LOCAL search_path TO {schema}",
                    "SET LOCAL session_replication_role = replica",
                ]
                # the tables with rows just filled are refilled whatever the test did to them
                emptied = [name for kind, name in used if kind == "t"]
                emptied += [name for name in baseline.refill if name not in emptied]
                statements += [f"DELETE FROM {_ident(name)}" for name in emptied]
                statements += [
                    f"SELECT setval({_quoted(_ident(name))}, {value}, {called})"
                    for kind, name in used
                    if kind == "s"
                    for value, called in [baseline.sequences[name]]
                ]
                statements += list(baseline.refill.values())
                conn.exec_driver_sql(";\n".join(statements))
                conn.commit()
        except sa.exc.DBAPIError as exc:
            if "session_replication_role" in str(exc):  # a role without the right: never
                self._reuse = False
            return False
        return True


#: This process's pool (tests/conftest.py's ``pytest_sessionfinish`` drops what is left in
#: it; ``atexit`` too, for a process that uses it without pytest's session).
filled_schemas = FilledSchemaPool()
atexit.register(filled_schemas.close)
