"""``db check`` on a store terminal: which order, of whom, holds a reserved unit no local
order line holds (the note ``reserved_at_central``, services/integrity.py)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import journal, repo
from serialpos.db import order_repo as orepo

ev = repo.event_t.c


def held_at_central(conn: Connection, unit_id: int) -> tuple[str, str | None] | None:
    """On a store terminal: the order holding a reserved unit that no local line holds, and
    the terminal that reserved it as central's event names it (None for a snapshot's copy,
    which names no till); None when a local line could hold it. The unit's newest event
    names the order, which the till does not have: the snapshot and the feed copy a
    reservation, never the order (another till's lay-by, or one of central's counter). So
    the note must not call it central's. Central holds every order, so there an unheld
    reservation stays a violation."""
    own = journal.get_state(conn, "central_terminal")
    if own is None:
        return None
    o = orepo.order_t.c
    newest = conn.execute(
        sa.select(ev.document_type, ev.document_id, ev.terminal)
        .where(ev.unit_id == unit_id)
        .order_by(ev.id.desc())
        .limit(1)
    ).first()
    if newest is None or newest.document_type != "order" or newest.document_id is None:
        return None
    held_here = conn.execute(sa.select(o.id).where(o.number == newest.document_id)).first()
    if held_here is not None:
        return None
    # A snapshot's copy of the reservation is written as "central"'s: it names no till.
    named = newest.terminal if newest.terminal not in (None, "", "central", own) else None
    return str(newest.document_id), named
