"""A database that cannot be used, said in one clear line: a URL that is not one, a kind of
database serialpos does not support, a SQLite file that does not exist, is not SQLite or is
damaged, a read-only file, an unreachable server.

Kept apart from ``engine.py`` so the engine stays about transactions. The messages never
repeat a URL's password.
"""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa

from serialpos.domain.text import clip

SUPPORTED_BACKENDS = ("sqlite", "postgresql")
URL_HINT = "sqlite:////ABSOLUTE/PATH/shop.sqlite or postgresql://USER@HOST/DATABASE"


class DatabaseUnusable(Exception):
    """Raised through :class:`serialpos.db.engine.DatabaseError` (a subclass); here so the
    checks need no import of the engine."""


def parse_url(url: str) -> sa.URL:
    """The parsed URL of a database serialpos can use, or a one-line refusal."""
    try:
        parsed = sa.engine.make_url(url)
    except (sa.exc.ArgumentError, ValueError):
        raise DatabaseUnusable(f"'{clip(url)}' is not a database URL: give {URL_HINT}") from None
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise DatabaseUnusable(
            f"{clip(backend)} databases are not supported: serialpos works "
            f"with SQLite and PostgreSQL ({URL_HINT})"
        )
    return parsed


def sqlite_file(parsed: sa.URL) -> Path | None:
    """The file of a SQLite URL (None for an in-memory database or another backend)."""
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database
    if not database or database == ":memory:":
        return None
    if database.startswith("file:"):  # a SQLite URI filename (uri=true), e.g. mode=ro
        database = database[len("file:") :].split("?", 1)[0]
        if not database or database.startswith(":memory:"):
            return None
    return Path(database).expanduser().absolute()


def require_existing(parsed: sa.URL) -> None:
    """Refuse a SQLite URL whose file does not exist, creating nothing: a mistyped path must
    not silently become a new, empty database (or a new folder)."""
    path = sqlite_file(parsed)
    if path is not None and not path.exists():
        raise DatabaseUnusable(
            f"there is no database at {path}: check the path (an absolute path needs four "
            "slashes, sqlite:////var/lib/...), or create one with `serialpos db init`"
        )


def _read_only_disk(path: Path) -> bool:
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # no statvfs on this platform
        return False


def disk_full(exc: BaseException) -> bool:
    """Whether SQLite could not write its file: the disk is full (or failing, or the file
    reached the process's size limit, which SQLite reports as an I/O error)."""
    lowered = str(getattr(exc, "orig", exc)).lower()
    return "database or disk is full" in lowered or "disk i/o error" in lowered


def disk_full_message(where: str) -> str:
    """What was lost and what to do come first, the file last: the console names the file
    alone (tui/backend.py), so the sentence fits a handheld's four message rows."""
    return (
        "the disk is full (or failing): this change was not recorded; free some space "
        f"and try again (cannot write {where})"
    )


def explain(exc: BaseException, parsed: sa.URL) -> str | None:
    """One line for an error that says the database itself cannot be used, or None when the
    error is about something else (a constraint, a busy database)."""
    text = str(getattr(exc, "orig", exc)).strip()
    lowered = text.lower()
    path = sqlite_file(parsed)
    where = str(path) if path is not None else "the database"
    if "file is not a database" in lowered or "malformed" in lowered:
        return (
            f"{where} is not a serialpos database: the file is not SQLite, or it is "
            "damaged (restore it from a backup)"
        )
    if "readonly database" in lowered or "read-only" in lowered:
        return (
            f"{where} is read-only: serialpos needs to write to the file and to its "
            "folder (for the -wal and -shm files)"
        )
    if disk_full(exc):
        return disk_full_message(where)
    if "unable to open database file" in lowered:
        if path is not None and path.exists() and _read_only_disk(path):
            return (
                f"{where} is on a read-only disk: serialpos needs to write to the file and "
                "to its folder (for the -wal and -shm files)"
            )
        return f"cannot open {where}: check that it exists and that its folder is writable"
    if (
        parsed.get_backend_name() == "postgresql"
        and isinstance(exc, sa.exc.OperationalError)
        and ("connection" in lowered or "timeout" in lowered)
    ):
        first = text.splitlines()[0] if text else type(exc).__name__
        host = parsed.host or "localhost"
        return f"cannot reach PostgreSQL at {host}:{parsed.port or 5432}: {clip(first, 200)}"
    return None
