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


def transaction_cache(conn: Connection, name: str) -> dict[Any, Any]:
    """The dict ``name`` of the transaction ``conn`` is in (a new one for a new transaction)."""
    transaction = conn.get_transaction()
    cached = conn.info.get(name)
    if cached is None or cached[0] is not transaction:
        cached = (transaction, {})
        conn.info[name] = cached
    found: dict[Any, Any] = cached[1]
    return found


def forget(conn: Connection, name: str) -> None:
    """Drop the dict ``name`` (a write in this transaction changed what it holds)."""
    conn.info.pop(name, None)
