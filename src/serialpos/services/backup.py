"""Backing up and restoring the database.

SQLite: SQLite's online backup API, in one step. A live SQLite file in WAL mode must never be
copied with ``cp`` (the newest commits may sit in the ``-wal`` file, and a copy taken mid-write
is torn). The backup reads one consistent snapshot; in WAL mode a reader blocks no writer, so
tills go on selling while it runs, and the copy holds every sale committed before it began.
(A backup in many small steps would restart each time a till commits, possibly forever.)
The copy is written beside its destination and renamed into place, so a failed backup never
leaves a half-written file under the name asked for.

Restore copies a backup *into* the configured database through the same API (so other
processes see the restored data, not a file swapped under their feet). It refuses to replace
a database that holds data unless forced, and refuses a file that is not a sound serialpos
database.

PostgreSQL: ``pg_dump`` and ``pg_restore`` do this properly; the command to run is given.
"""

from __future__ import annotations

import os
import shlex
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from serialpos.db.engine import normalize_url
from serialpos.domain.errors import BadRequest


@dataclass(frozen=True)
class BackupDone:
    path: Path
    size: int
    schema: str | None


def _sqlite_file(url: str) -> Path | None:
    parsed = sa.engine.make_url(normalize_url(url))
    if parsed.get_backend_name() != "sqlite":
        return None
    if not parsed.database or parsed.database == ":memory:":
        raise BadRequest("an in-memory database cannot be backed up or restored")
    return Path(parsed.database).expanduser().resolve()


def pg_command(url: str, tool: str, file: Path) -> str:
    """The pg_dump / pg_restore command line for ``url`` (its password left out: give it in
    ``~/.pgpass`` or ``PGPASSWORD``)."""
    parsed = sa.engine.make_url(normalize_url(url))
    target = sa.engine.URL.create(
        "postgresql",
        username=parsed.username,
        host=parsed.host,
        port=parsed.port,
        database=parsed.database,
        query=parsed.query,
    ).render_as_string(hide_password=False)
    if tool == "pg_dump":
        return f"pg_dump --format=custom --file {shlex.quote(str(file))} {shlex.quote(target)}"
    return (
        f"pg_restore --clean --if-exists --no-owner --dbname {shlex.quote(target)} "
        f"{shlex.quote(str(file))}"
    )


def _schema(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    return None if row is None else str(row[0])


def backup(url: str, destination: str | Path, *, force: bool = False) -> BackupDone:
    """Copy the database at ``url`` to ``destination``, consistent while tills sell."""
    source = _sqlite_file(url)
    target = Path(destination).expanduser().resolve()
    if source is None:
        raise BadRequest(
            "serialpos does not back up PostgreSQL itself; run: "
            + pg_command(url, "pg_dump", target),
            code="use_pg_dump",
        )
    if not source.exists():
        raise BadRequest(f"there is no database file {source}")
    if target == source:
        raise BadRequest("the backup cannot be the database file itself")
    if target.exists() and not force:
        raise BadRequest(f"{target} exists: give another name, or --force to replace it")
    if not target.parent.is_dir():
        raise BadRequest(f"folder {target.parent} does not exist")
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)  # one step: one snapshot (see the module docstring)
            dst.execute("PRAGMA journal_mode=DELETE")  # a self-contained file, no -wal beside
            schema = _schema(dst)
        finally:
            dst.close()
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        src.close()
    partial.replace(target)
    return BackupDone(target, target.stat().st_size, schema)


def restore(url: str, backup_file: str | Path, *, force: bool = False) -> BackupDone:
    """Replace the database at ``url`` by the backup's contents."""
    source = Path(backup_file).expanduser().resolve()
    target = _sqlite_file(url)
    if target is None:
        raise BadRequest(
            "serialpos does not restore PostgreSQL itself; run: "
            + pg_command(url, "pg_restore", source),
            code="use_pg_restore",
        )
    if not source.is_file():
        raise BadRequest(f"there is no backup file {source}")
    if source == target:
        raise BadRequest("the backup is the database file itself")
    schema = _check_backup(source)
    if target.exists() and _holds_data(target) and not force:
        raise BadRequest(
            f"{target} is a database with data (perhaps in use by tills): stop "
            "the tills, then give --force to replace it with the backup",
            code="restore_refused",
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target, timeout=30)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    return BackupDone(target, target.stat().st_size, schema)


def _check_backup(path: Path) -> str:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            ok = conn.execute("PRAGMA quick_check").fetchone()
            schema = _schema(conn)
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BadRequest(f"{path} is not a SQLite database ({exc})") from None
    if ok is None or ok[0] != "ok":
        raise BadRequest(f"{path} is damaged: {ok[0] if ok else 'no answer'}")
    if schema is None:
        raise BadRequest(f"{path} is not a serialpos database (no schema revision)")
    return schema


def _holds_data(path: Path) -> bool:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = conn.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
            ).fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return True  # unreadable: never replaced without --force
    return bool(tables)
