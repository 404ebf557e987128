"""Opening the database and keeping its schema current, for the CLI and the console.

The CLI and the console import services only, never ``serialpos.db`` (the layers contract in
``pyproject.toml``); what they need from the database layer to open a database, set its
schema up or bring it forward, and to recognise "this database cannot be used" is here.
Nothing in it runs SQL of its own: it hands over to ``db.engine`` and ``db.migrate``.
"""

from __future__ import annotations

from pathlib import Path

from serialpos.db import migrate
from serialpos.db.engine import Database, DatabaseError, DiskFull, normalize_url
from serialpos.db.open_errors import DatabaseUnusable, disk_full_message, parse_url, sqlite_file

__all__ = [
    "Database",
    "DatabaseError",
    "DatabaseUnusable",
    "DiskFull",
    "check_schema",
    "disk_full_message",
    "location",
    "open_database",
    "sqlite_path",
    "upgrade_schema",
]


def open_database(url: str, *, must_exist: bool = False) -> Database:
    """The database at ``url``. ``must_exist``: a SQLite file that does not exist is refused
    (DatabaseError) and nothing is created; only commands that make a database leave it
    False."""
    return Database(url, must_exist=must_exist)


def sqlite_path(url: str) -> Path | None:
    """The file a SQLite URL names; None for another backend, an in-memory database, or a
    URL that is not usable (opening it says why, in one line)."""
    try:
        return sqlite_file(parse_url(normalize_url(url)))
    except DatabaseUnusable:
        return None


def upgrade_schema(db: Database) -> tuple[str | None, str]:
    """Bring the schema to this version's head, keeping the data: (before, after)."""
    return migrate.upgrade(db)


def check_schema(db: Database, *, set_up_if_new: bool = False) -> None:
    """Refuse a database whose schema is not this version's (DatabaseError says what to
    run). ``set_up_if_new``: a database with no schema at all is set up first (the
    embedded default database, which nobody sets up by hand)."""
    if migrate.at_head_quickly(db):  # the usual case, read without importing Alembic
        return
    if set_up_if_new and migrate.current_revision(db) is None:
        migrate.upgrade(db)
    migrate.ensure_current(db)


def location(db: Database) -> str:
    """Where the database is, as shown to people (a URL's password hidden)."""
    return db.engine.url.render_as_string()
