"""The echoes of feed events a till applied that central lost in a restore (``feed_lost``,
migration 0032): kept by ``terminal resend``, taken one by one by the pulls that meet the
same entry's events again (terminal/mirror.py)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db.sync_tables import FeedLost, FeedSeen

#: The prefix of a remembered event's ``echo`` that is what the pull moved here, not an
#: echo (terminal/feed_memory.py ``MOVED``).
MOVED = "moved:"

#: The prefix of a remembered event's ``echo`` that names the unit another's event set here
#: (terminal/feed_memory.py ``UNIT``): asked of central by ``terminal resend`` when central
#: lost the event (terminal/lost_units.py), never waited for.
UNIT = "unit:"

lost_t: sa.Table = FeedLost.__table__  # type: ignore[attr-defined]
seen_t: sa.Table = FeedSeen.__table__  # type: ignore[attr-defined]


def keep_lost_after(conn: Connection, seq: int) -> int:
    """Keep the echoes of the remembered events numbered after ``seq`` (central lost them),
    before they are forgotten; how many were kept."""
    echoes = conn.execute(
        sa.select(seen_t.c.echo)
        .where(
            seen_t.c.seq > seq,
            seen_t.c.echo.is_not(None),
            # what a pull moved for an event no echo ties to an entry: taken back instead
            # (terminal/lost_moves.py), never waited for
            sa.not_(seen_t.c.echo.startswith(MOVED, autoescape=True)),
            # the unit another's event set here: set to central's state instead
            # (terminal/lost_units.py)
            sa.not_(seen_t.c.echo.startswith(UNIT, autoescape=True)),
        )
        .order_by(seen_t.c.seq)
    ).scalars()
    rows = [{"echo": echo} for echo in echoes]
    if rows:
        conn.execute(lost_t.insert(), rows)
    return len(rows)


def moved_after(conn: Connection, seq: int) -> list[tuple[int, str]]:
    """``(seq, what it moved)`` of the remembered events numbered after ``seq`` that moved a
    quantity here with no echo (``MOVED`` rows: terminal/feed_memory.py), oldest first."""
    rows = conn.execute(
        sa.select(seen_t.c.seq, seen_t.c.echo)
        .where(seen_t.c.seq > seq, seen_t.c.echo.startswith(MOVED, autoescape=True))
        .order_by(seen_t.c.seq)
    )
    return [(int(r[0]), str(r[1])) for r in rows]


def units_after(conn: Connection, seq: int) -> list[str]:
    """What was kept (``UNIT`` rows: terminal/feed_memory.py) of the remembered events
    numbered after ``seq`` that set a unit's state here, oldest first."""
    rows = conn.execute(
        sa.select(seen_t.c.echo)
        .where(seen_t.c.seq > seq, seen_t.c.echo.startswith(UNIT, autoescape=True))
        .order_by(seen_t.c.seq)
    ).scalars()
    return [str(r) for r in rows]


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
