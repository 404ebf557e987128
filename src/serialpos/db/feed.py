"""The event feed's SQL: ledger events joined to their feed number, in feed order."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.integration_tables import EventFeed

feed_t: sa.Table = EventFeed.__table__  # type: ignore[attr-defined]
_f, _e, _s, _p = feed_t.c, repo.event_t.c, repo.store_t.c, repo.product_t.c

_PAGE = (
    sa.select(
        _f.seq,
        _e.at,
        _e.action,
        _e.user_name,
        _e.terminal,
        _s.code.label("store"),
        _p.sku,
        _e.serial,
        _e.from_state,
        _e.to_state,
        _e.quantity,
        _e.document_type,
        _e.document_id,
        _e.document_line,
        _e.reason,
    )
    .select_from(feed_t)
    .join(repo.event_t, _e.id == _f.event_id)
    .join(repo.store_t, _s.id == _e.store_id)
    .join(repo.product_t, _p.id == _e.product_id)
    .where(_f.seq > sa.bindparam("after"))
    .order_by(_f.seq)
    .limit(sa.bindparam("limit"))
)


def page(conn: Connection, after: int, limit: int) -> list[tuple[Any, ...]]:
    """At most ``limit`` events numbered after ``after``, in feed order (columns as
    services/feed.py's ``FeedEvent``)."""
    return [tuple(row) for row in conn.execute(_PAGE, {"after": after, "limit": limit})]


def last_seq(conn: Connection) -> int:
    return int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(_f.seq), 0))).scalar_one())
