"""Many ledger events in one bulk insert, with their event-feed numbers written once for the
batch instead of by the feed trigger row by row (migration 0014's trigger, 0023's switch).

The trigger numbers each event as it is inserted (SQLite) or as its transaction commits
(PostgreSQL: a deferred trigger that bumps one counter row per event, which a 100k-event
import turned into minutes of row versions). For a batch the numbers are the same when given
at once: the next ``n`` numbers after the feed's last, in id order, which is the order the
trigger would have numbered them in. How each database skips the trigger for the batch only:

- SQLite: the trigger is dropped and created again (its own stored text) inside the write
  transaction. SQLite has one writer at a time and its DDL is transactional: no other
  connection inserts an event or sees the trigger missing, and a rollback restores it.
- PostgreSQL: migration 0023 gives the trigger ``WHEN (current_setting('serialpos.feed_by_batch',
  true) IS DISTINCT FROM 'on')``; the batch sets it ``on`` with ``set_config(..., true)``
  (this transaction only), inserts, and sets it back before anything else runs. The batch's
  ids are taken from the sequence first, so its feed rows name exactly its events. The
  counter row is then moved once, by ``n``: its lock is held to commit as the trigger's is
  (later writers number after this batch, so the feed stays gap-free and in commit order).
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import bulk, repo

#: The feed trigger's name (migration 0014) and PostgreSQL's switch for it (0023).
TRIGGER = "ledger_event_feed"
SWITCH = "serialpos.feed_by_batch"

log = logging.getLogger(__name__)


def insert_events(conn: Connection, keys: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert ledger events (tuples in ``keys`` order, hashed already) and number them in the
    event feed, inside the caller's transaction."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        _postgresql(conn, keys, rows)
    else:
        _sqlite(conn, keys, rows)


def _sqlite(conn: Connection, keys: list[str], rows: list[tuple[Any, ...]]) -> None:
    found = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (TRIGGER,)
    ).scalar()
    if found is None:  # a database without the feed: nothing to number
        bulk.insert_many(conn, repo.event_t, keys, rows)
        return
    before = conn.exec_driver_sql("SELECT COALESCE(MAX(id), 0) FROM ledger_event").scalar_one()
    last = conn.exec_driver_sql("SELECT COALESCE(MAX(seq), 0) FROM event_feed").scalar_one()
    conn.exec_driver_sql(f"DROP TRIGGER {TRIGGER}")
    try:
        bulk.insert_many(conn, repo.event_t, keys, rows)
        conn.exec_driver_sql(
            "INSERT INTO event_feed (seq, event_id) "
            "SELECT ? + ROW_NUMBER() OVER (ORDER BY id), id FROM ledger_event WHERE id > ?",
            (int(last), int(before)),
        )
    except BaseException:
        _restore(conn, str(found))
        raise
    conn.exec_driver_sql(str(found))


def _restore(conn: Connection, create: str) -> None:
    """After a failed batch: the trigger back if the transaction still lacks it (the caller
    rolls back anyway; SQLite may have rolled back already, bringing it back itself)."""
    try:
        missing = (
            conn.exec_driver_sql(
                "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?", (TRIGGER,)
            ).first()
            is None
        )
        if missing:
            conn.exec_driver_sql(create)
    except Exception:  # the batch's own error is the one raised
        log.exception("could not re-create %s after a failed bulk insert", TRIGGER)


def _postgresql(conn: Connection, keys: list[str], rows: list[tuple[Any, ...]]) -> None:
    ids = sorted(
        conn.execute(
            sa.text(
                "SELECT nextval(pg_get_serial_sequence('ledger_event', 'id')) "
                "FROM generate_series(1, :n)"
            ),
            {"n": len(rows)},
        ).scalars()
    )
    with_ids = [(*row, event_id) for row, event_id in zip(rows, ids, strict=True)]
    # Transaction-local: a failure here aborts the transaction, whose rollback resets it.
    conn.execute(sa.text("SELECT set_config(:name, 'on', true)"), {"name": SWITCH})
    bulk.copy_in(conn, repo.event_t, [*keys, "id"], with_ids)
    conn.execute(sa.text("SELECT set_config(:name, 'off', true)"), {"name": SWITCH})
    conn.execute(
        sa.text(
            "WITH moved AS (UPDATE event_feed_counter SET last_seq = last_seq + :n "
            "WHERE id = 1 RETURNING last_seq - :n AS base) "
            "INSERT INTO event_feed (seq, event_id) "
            "SELECT moved.base + batch.n, batch.id FROM moved, "
            "unnest(CAST(:ids AS bigint[])) WITH ORDINALITY AS batch(id, n)"
        ),
        {"n": len(ids), "ids": ids},
    )
