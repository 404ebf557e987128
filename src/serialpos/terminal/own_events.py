"""Whether a unit's newest local event is this till's own act (issue 16).

A till applies each act locally when it makes it, and central sends the act's events back in
the store's feed under the till's name. The pull used to tell such an event "already here"
only when the unit was in the state the event gave: one act that moves a unit twice (a
counter sale, ``order_create`` with ``fulfil``: reserve, then sell) found the unit sold at
its "reserve", so the pull wrote the reserve and the sell again, showing the unit reserved
meanwhile, and each ``terminal resend`` after a restore of central wrote them once more.

The journal knows which local events each entry made (``events_after < id <= events_to``,
terminal/entry_events.py). When the unit's newest local event is one of those, nothing from
outside has moved the unit here since the till's own act: the act, and every earlier act of
the till that central sends back, is already in the unit's state and history, and the pull
skips it. When the newest is a copy of another till's or central's event (the mirror's, or a
``central_state`` after a conflict), an event earlier at central was pulled after the till's
own act, and central's copy of the till's act puts the unit back in the state it gave.

**Only an entry central took is the till's own act here.** An entry central recorded as a
conflict or refused made local events central never had: a unit whose newest local event is
one of those is not as central left it, and central's events of it (the till's own taken
acts included) apply. A new user's walk found it: a till sold a unit in a sale central
recorded as a conflict, counted without it (central, which never had the sale, wrote it
off), then returned it (refused: central never had the sale); the pull skipped the count's
write-off as the till's own, the newest local event being the refused return's, and the
till kept the unit in stock for good while central and every other till had it written off
(tests/terminal/test_count_after_conflict.py).

A till's events hold together by the ledger's ids, never by clocks or by comparing what the
events say (an earlier attempt matched by action and document and could not tell the till's
acts from the mirror's copies written under the till's name).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import journal, repo

_E = repo.event_t.c
_J = journal.journal_t.c

#: The journal state of an entry central took (applied, or answered as replayed).
TAKEN = "accepted"

_NEWEST = sa.select(sa.func.max(_E.id)).where(_E.unit_id == sa.bindparam("unit"))
#: The one entry that can hold an event: entries' ranges follow each other in ``seq`` order,
#: so the first range ending at or after the event is the only candidate
#: (``ix_journal_entry_events_to``, migration 0034).
_HOLDER = (
    sa.select(_J.events_after, _J.state)
    .where(_J.events_to >= sa.bindparam("event"))
    .order_by(_J.events_to)
    .limit(1)
)


def newest_is_own(conn: Connection, unit_id: int) -> bool:
    """Whether the newest local ledger event of unit ``unit_id`` was made by one of this
    till's journal entries that central took (an entry journaled before migration 0027
    names no events, and its events count as not its own: the local state decides, as
    before)."""
    newest = conn.execute(_NEWEST, {"unit": unit_id}).scalar()
    if newest is None:
        return False
    holder = conn.execute(_HOLDER, {"event": newest}).first()
    if holder is None or holder.events_after is None or holder.events_after >= newest:
        return False
    return bool(holder.state == TAKEN)
