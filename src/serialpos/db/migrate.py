"""Bring a database to the schema this version of serialpos needs (Alembic, programmatically)."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from serialpos import __version__
from serialpos.db import head_schema
from serialpos.db.engine import Database, DatabaseError

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported where a migration is run or a revision looked up, not at import: it
# brings Mako and, through Mako's plugin, a dozen Pygments lexers (about 100 ms of start-up),
# while every command and the console only check that the schema is current
# (:func:`ensure_current`'s plain read, below).

MIGRATIONS = Path(__file__).with_name("migrations")


def _config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def first_revision() -> str:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_config())
    base = script.get_base()
    assert base is not None
    return base


def current_revision(db: Database) -> str | None:
    """The schema revision, read in a read transaction (never the write lock) that waits
    for a busy database like any other: a long import must not make a start-up fail."""
    from alembic.runtime.migration import MigrationContext

    try:
        return db.read(lambda conn: MigrationContext.configure(conn).get_current_revision())
    except sa.exc.OperationalError as exc:
        raise DatabaseError(f"cannot open the database: {exc.orig}") from exc


#: Written by every upgrade: the version of serialpos that last brought the schema forward.
INSTALL_KEY = "upgraded_by"
_install_t = sa.table(
    "serialpos_install", sa.column("key", sa.String), sa.column("value", sa.String)
)


def _known(revision: str) -> bool:
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    try:
        return ScriptDirectory.from_config(_config()).get_revision(revision) is not None
    except CommandError:
        return False


def _upgraded_by(db: Database) -> str | None:
    """The version recorded by the install that last upgraded the database, if it said."""

    def work(conn: sa.Connection) -> str | None:
        if not sa.inspect(conn).has_table("serialpos_install"):
            return None
        return conn.execute(
            sa.select(_install_t.c.value).where(_install_t.c.key == INSTALL_KEY)
        ).scalar()

    try:
        return db.read(work)
    except sa.exc.DBAPIError:
        return None


def _newer_schema(db: Database, current: str) -> DatabaseError:
    version = _upgraded_by(db)
    # A development build can carry this version number with a newer schema: name the schema.
    who = (
        f"serialpos {version}"
        if version and version != __version__
        else f"a newer serialpos (schema {current})"
    )
    return DatabaseError(
        f"this database was upgraded by {who}; this is serialpos "
        f"{__version__}: install that version or later"
    )


def upgrade(db: Database, revision: str = "head") -> tuple[str | None, str]:
    """Migrate forward; returns (revision before, revision after). A database a newer
    install has upgraded is refused in one line, untouched. A brand-new SQLite database
    brought to head is made from the stored head schema in one step (:func:`_create_at_head`)
    rather than through every migration."""
    if revision == "head" and db.dialect == "sqlite":
        made = _create_at_head(db)
        if made is not None:
            return None, made
    before = current_revision(db)
    if before is not None and not _known(before):
        raise _newer_schema(db, before)
    from alembic import command

    cfg = _config()
    with db.engine.connect() as conn:
        conn.execution_options(serialpos_write=True)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        if sa.inspect(conn).has_table("serialpos_install"):
            _record_upgrader(conn)
        conn.commit()
    after = current_revision(db)
    assert after is not None
    db.forget_ids()
    return before, after


def _record_upgrader(conn: sa.Connection) -> None:
    conn.execute(sa.delete(_install_t).where(_install_t.c.key == INSTALL_KEY))
    conn.execute(sa.insert(_install_t).values(key=INSTALL_KEY, value=__version__))


def _create_at_head(db: Database) -> str | None:
    """Make an empty SQLite database (no schema entry at all) this version's from the
    stored head schema (db/head_schema.py), in one write transaction; the head, or None
    to go the migrations' way: a database with anything in it, a stored schema of another
    head than the migration files' (made before a migration was added), no stored schema,
    or a database that cannot be read (the migrations' way says why, as ever)."""
    head = head_from_files()
    snapshot = head_schema.load()
    if head is None or snapshot is None or snapshot.head != head:
        return None
    try:
        conn = db.engine.connect()
    except sa.exc.DBAPIError:
        return None
    with conn:  # closing it unfinished rolls back
        conn.execution_options(serialpos_write=True)
        try:  # in the write transaction: two commands making one file make it once
            if conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar():
                return None
        except sa.exc.DBAPIError:
            return None
        cursor = conn.connection.cursor()
        try:
            for statement in snapshot.statements:
                cursor.execute(statement)
        finally:
            cursor.close()
        _record_upgrader(conn)
        conn.commit()
    db.forget_ids()
    return head


#: ``revision = "..."`` and ``down_revision = "..."`` as every migration file writes them.
_REVISION_LINE = re.compile(r'^(down_revision|revision) = (?:"([^"]+)"|None)$', re.MULTILINE)
_VERSION_T = sa.table("alembic_version", sa.column("version_num", sa.String))


@functools.cache
def head_from_files() -> str | None:
    """The head revision read from the migration files' own lines, without Alembic: the one
    revision no other file names as its ``down_revision``. None when the files do not read
    as one straight line of revisions (then Alembic is asked; a test holds the two equal)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = dict(_REVISION_LINE.findall(path.read_text("utf-8")))
        if "revision" not in found:
            continue
        revisions.add(found["revision"])
        if found.get("down_revision"):
            parents.add(found["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def at_head_quickly(db: Database) -> bool:
    """True when ``alembic_version`` holds exactly the head: one plain read, no Alembic. Any
    other answer (no table, another revision, an error) goes the long way, which says why."""
    head = head_from_files()
    if head is None:
        return False
    try:
        stored = db.read(lambda conn: conn.execute(sa.select(_VERSION_T.c.version_num)).all())
    except (sa.exc.DBAPIError, DatabaseError):  # no such table, or worse: the long way says
        return False
    return [row[0] for row in stored] == [head]


def ensure_current(db: Database) -> None:
    """Refuse to work on a database that is not at this version's schema, naming the fix."""
    if at_head_quickly(db):
        return
    current = current_revision(db)
    head = head_revision()
    if current == head:
        return
    if current is None:
        raise DatabaseError(
            "the database has not been set up: run `serialpos db init` (or `serialpos demo`)"
        )
    if not _known(current):
        raise _newer_schema(db, current)
    raise DatabaseError(
        f"the database schema is at revision {current}, this serialpos needs {head}: "
        "run `serialpos db upgrade`"
    )
