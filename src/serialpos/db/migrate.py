"""Bring a database to the schema this version of serialpos needs (Alembic, programmatically)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from serialpos.db.engine import Database, DatabaseError

MIGRATIONS = Path(__file__).with_name("migrations")


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def first_revision() -> str:
    script = ScriptDirectory.from_config(_config())
    base = script.get_base()
    assert base is not None
    return base


def current_revision(db: Database) -> str | None:
    """The schema revision, read in a read transaction (never the write lock) that waits
    for a busy database like any other: a long import must not make a start-up fail."""
    try:
        return db.read(lambda conn: MigrationContext.configure(conn).get_current_revision())
    except sa.exc.OperationalError as exc:
        raise DatabaseError(f"cannot open the database: {exc.orig}") from exc


def upgrade(db: Database, revision: str = "head") -> tuple[str | None, str]:
    """Migrate forward; returns (revision before, revision after)."""
    before = current_revision(db)
    cfg = _config()
    with db.engine.connect() as conn:
        conn.execution_options(serialpos_write=True)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        conn.commit()
    after = current_revision(db)
    assert after is not None
    db.forget_ids()
    return before, after


def ensure_current(db: Database) -> None:
    """Refuse to work on a database that is not at this version's schema, naming the fix."""
    current = current_revision(db)
    head = head_revision()
    if current == head:
        return
    if current is None:
        raise DatabaseError(
            "the database has not been set up: run `serialpos db init` (or `serialpos demo`)"
        )
    raise DatabaseError(
        f"the database schema is at revision {current}, this serialpos needs {head}: "
        "run `serialpos db upgrade`"
    )
