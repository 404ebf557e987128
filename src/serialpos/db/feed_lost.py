"""The echoes of feed events a till applied that central lost in a restore (``feed_lost``,
migration 0032): kept by ``terminal resend``, taken one by one by the pulls that meet the
same entry's events again (terminal/mirror.py)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db.sync_tables import FeedLost, FeedSeen

lost_t: sa.Table = FeedLost.__table__  # type: ignore[attr-defined]
seen_t: sa.Table = FeedSeen.__table__  # type: ignore[attr-defined]


def keep_lost_after(conn: Connection, seq: int) -> int:
    """Keep the echoes of the remembered events numbered after ``seq`` (central lost them),
    before they are forgotten; how many were kept."""
    echoes = conn.execute(
        sa.select(seen_t.c.echo)
        .where(seen_t.c.seq > seq, seen_t.c.echo.is_not(None))
        .order_by(seen_t.c.seq)
    ).scalars()
    rows = [{"echo": echo} for echo in echoes]
    if rows:
        conn.execute(lost_t.insert(), rows)
    return len(rows)


def take(conn: Connection, echo: str) -> bool:
    """Take one lost event of ``echo``: True when there was one (its effect is here)."""
    found = conn.execute(
        sa.select(lost_t.c.id).where(lost_t.c.echo == echo).order_by(lost_t.c.id).limit(1)
    ).scalar()
    if found is None:
        return False
    conn.execute(lost_t.delete().where(lost_t.c.id == found))
    return True


def count(conn: Connection) -> int:
    """How many lost events wait for their entry to come back."""
    return int(conn.execute(sa.select(sa.func.count()).select_from(lost_t)).scalar() or 0)
