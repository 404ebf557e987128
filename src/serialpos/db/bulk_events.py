"""Many ledger events in one bulk insert, with their event-feed numbers written once for the
batch instead of by the feed trigger row by row (migration 0014's trigger, 0023's switch).

The trigger numbers each event as it is inserted (SQLite) or as its transaction commits
(PostgreSQL: a deferred trigger that bumps one counter row per event, which a 100k-event
import turned into minutes of row versions). For a batch the numbers are the same when given
at once: the next ``n`` numbers after the feed's last, in id order, which is the order the
trigger would have numbered them in. How each database skips the trigger for the batch only:

- SQLite: the trigger is dropped and created again (its own stored text) inside the write
  transaction. SQLite has one writer at a time and its DDL is transactional: no other
  connection inserts an event or sees the trigger missing, and a rollback restores it. The
  append-only guard ``ledger_event_no_replace`` (migration 0012: refuses an insert that names
  the id of an event already there) is set aside the same way: the batch names no ids (the
  database gives them), so it could never fire, and running its WHEN once per event was a
  quarter of the batch's insert time.
- PostgreSQL: migration 0023 gives the trigger ``WHEN (current_setting('serialpos.feed_by_batch',
  true) IS DISTINCT FROM 'on')``; the batch sets it ``on`` with ``set_config(..., true)``
  (this transaction only), inserts, and sets it back before anything else runs. The batch's
  ids are taken from the sequence first, so its feed rows name exactly its events. The
  counter row is then moved once, by ``n``: its lock is held to commit as the trigger's is
  (later writers number after this batch, so the feed stays gap-free and in commit order).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import bulk, repo

#: The feed trigger's name (migration 0014) and PostgreSQL's switch for it (0023).
TRIGGER = "ledger_event_feed"
SWITCH = "serialpos.feed_by_batch"
#: SQLite's triggers set aside for a batch: the feed's, and the guard against an insert
#: naming an existing event's id (a batch names none).
_SET_ASIDE = (TRIGGER, "ledger_event_no_replace")

log = logging.getLogger(__name__)


def insert_events(
    conn: Connection, shared: Mapping[str, Any], columns: Mapping[str, Sequence[Any]]
) -> None:
    """Insert ledger events (hashed already; :func:`bulk.insert_columns`' ``shared`` values
    and ``columns``) and number them in the event feed, inside the caller's transaction."""
    if not next(iter(columns.values()), ()):
        return
    if conn.dialect.name == "postgresql":
        _postgresql(conn, shared, columns)
    else:
        _sqlite(conn, shared, columns)


def _sqlite(
    conn: Connection, shared: Mapping[str, Any], columns: Mapping[str, Sequence[Any]]
) -> None:
    found = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN (?, ?)",
        _SET_ASIDE,
    )
    stored: dict[str, str] = {str(name): str(sql) for name, sql in found}
    if TRIGGER not in stored:  # a database without the feed: nothing to number
        bulk.insert_columns(conn, repo.event_t, shared, columns)
        return
    before = int(conn.exec_driver_sql("SELECT COALESCE(MAX(id), 0) FROM ledger_event").scalar_one())
    last = int(conn.exec_driver_sql("SELECT COALESCE(MAX(seq), 0) FROM event_feed").scalar_one())
    n = len(next(iter(columns.values())))
    for name in stored:
        conn.exec_driver_sql(f"DROP TRIGGER {name}")
    try:
        # The write lock is held: the events take the ids after the highest, in order, and
        # the feed numbers them after its last in the same order (no window, no sort).
        ids = range(before + 1, before + n + 1)
        bulk.insert_columns(conn, repo.event_t, shared, {**columns, "id": ids})
        conn.exec_driver_sql(
            "INSERT INTO event_feed (seq, event_id, store_id) "
            "SELECT ? + id, id, store_id FROM ledger_event WHERE id > ?",
            (last - before, before),
        )
    except BaseException:
        _restore(conn, stored)
        raise
    for create in stored.values():
        conn.exec_driver_sql(str(create))


def _restore(conn: Connection, stored: Mapping[str, str]) -> None:
    """After a failed batch: the triggers back if the transaction still lacks them (the
    caller rolls back anyway; SQLite may have rolled back already, bringing them back)."""
    try:
        for name, create in stored.items():
            missing = (
                conn.exec_driver_sql(
                    "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?", (name,)
                ).first()
                is None
            )
            if missing:
                conn.exec_driver_sql(str(create))
    except Exception:  # the batch's own error is the one raised
        log.exception("could not re-create the ledger triggers after a failed bulk insert")


def _postgresql(
    conn: Connection, shared: Mapping[str, Any], columns: Mapping[str, Sequence[Any]]
) -> None:
    n = len(next(iter(columns.values())))
    ids = sorted(
        conn.execute(
            sa.text(
                "SELECT nextval(pg_get_serial_sequence('ledger_event', 'id')) "
                "FROM generate_series(1, :n)"
            ),
            {"n": n},
        ).scalars()
    )
    # Transaction-local: a failure here aborts the transaction, whose rollback resets it.
    conn.execute(sa.text("SELECT set_config(:name, 'on', true)"), {"name": SWITCH})
    bulk.insert_columns(conn, repo.event_t, shared, {**columns, "id": ids})
    conn.execute(sa.text("SELECT set_config(:name, 'off', true)"), {"name": SWITCH})
    conn.execute(
        sa.text(
            "WITH moved AS (UPDATE event_feed_counter SET last_seq = last_seq + :n "
            "WHERE id = 1 RETURNING last_seq - :n AS base) "
            "INSERT INTO event_feed (seq, event_id, store_id) "
            "SELECT moved.base + batch.n, batch.id, batch.store_id FROM moved, "
            "unnest(CAST(:ids AS bigint[]), CAST(:stores AS integer[])) "
            "WITH ORDINALITY AS batch(id, store_id, n)"
        ),
        {"n": len(ids), "ids": ids, "stores": _stores(shared, columns, n)},
    )


def _stores(shared: Mapping[str, Any], columns: Mapping[str, Sequence[Any]], n: int) -> list[int]:
    """Each event's store, in the order of ``columns`` (the feed row keeps it: 0028)."""
    if "store_id" in columns:
        return [int(s) for s in columns["store_id"]]
    return [int(shared["store_id"])] * n
