"""The database as a long-running process (``serialpos serve``) holds it, and the storage
errors a caller of the services may meet besides a domain refusal.

The API layer imports services only; this module is where it gets its database handle and
learns which exceptions mean "the database could not be used" (answered 503, never 500).
"""

from __future__ import annotations

import sqlalchemy as sa

from serialpos.db import migrate
from serialpos.db.engine import Database, DatabaseError

#: The database failed (unreachable, lost connection, broken schema): not a refusal.
STORAGE_ERRORS: tuple[type[Exception], ...] = (DatabaseError, sa.exc.SQLAlchemyError)

__all__ = ["STORAGE_ERRORS", "Database", "DatabaseError", "open_database"]


def open_database(url: str, pool_size: int | None = None) -> Database:
    """The database at ``url``, refused unless its schema is this version's; ``pool_size``
    connections kept open (a server: one per worker thread)."""
    db = Database(url, pool_size=pool_size)
    try:
        migrate.ensure_current(db)
    except BaseException:
        db.dispose()
        raise
    return db
