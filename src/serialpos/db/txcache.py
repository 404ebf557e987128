"""Values a transaction reads more than once, kept on its connection until it ends.

A counter step asks for the store's settings three or four times (opening the order, the
line's tax, the serial prompt, the shift check); reading them once per transaction keeps
the step's statements to what it changes. The cache belongs to the transaction object, so
the next transaction on the same pooled connection starts empty and never sees a value
another terminal has changed since.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

#: The caches a savepoint's rollback makes stale (what the savepoint wrote may be in them).
_UNDONE_BY_SAVEPOINT: set[str] = set()


def transaction_cache(conn: Connection, name: str) -> dict[Any, Any]:
    """The dict ``name`` of the transaction ``conn`` is in (a new one for a new transaction)."""
    # conn._transaction and the pooled connection's info: Connection.get_transaction() and
    # Connection.info (three property calls) read the same, at some 11 lookups a sale.
    transaction = conn._transaction
    fairy = conn._dbapi_connection
    info = conn.info if fairy is None else fairy.info
    cached = info.get(name)
    if cached is None or cached[0] is not transaction:
        cached = (transaction, {})
        info[name] = cached
    found: dict[Any, Any] = cached[1]
    return found


def forget(conn: Connection, name: str) -> None:
    """Drop the dict ``name`` (a write in this transaction changed what it holds)."""
    conn.info.pop(name, None)


def undone_by_savepoint(name: str) -> str:
    """Mark the dict ``name`` as holding what the transaction wrote: a savepoint rolled back
    drops it (:func:`savepoint_rolled_back`), so it is read again from the database."""
    _UNDONE_BY_SAVEPOINT.add(name)
    return name


def savepoint_rolled_back(conn: Connection) -> None:
    """Called by the dialect (db/engine.py) before a savepoint of ``conn`` is rolled back."""
    info = conn.info
    for name in _UNDONE_BY_SAVEPOINT:
        info.pop(name, None)
