"""Whether a feed event this till made itself is already in its ledger (issue 16).

A till applies each act locally when it is made, and central sends the act's events back in
the store's feed under the till's name. Comparing the unit's local state with the event's
``to`` does not tell them apart when one act moved the unit twice: a counter sale
(``order_create`` with ``fulfil``) reserves the unit, then sells it, so the pulled "reserve"
finds the unit sold, and applying it (and the "sell" after it) wrote the sale again in the
unit's history, showing it reserved meanwhile; each ``terminal resend`` after a restore of
central wrote it once more.

So an own event is known by what the till wrote for it: the unit's local ledger holds an
event of this till with the same action, new state and document (its type, number and line:
central keeps the numbers the till gave). When no event of another till or of central moved
the unit here since that one, the pulled event is already here. When one did (an event
earlier at central, pulled after the till's own act), central's own copy must put the unit
back in the state it gave, and the local state decides as before (terminal/mirror.py).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo

_E = repo.event_t.c


def already_here(conn: Connection, unit_id: int, event: dict[str, Any], terminal: str) -> bool:
    """Whether the local ledger of unit ``unit_id`` holds this till's copy of ``event`` (a
    unit's event central records under ``terminal``, this till's name there), with only this
    till's own events of the unit after it."""
    document = event.get("document")
    if not isinstance(document, dict) or not isinstance(document.get("id"), str):
        return False  # nothing names the act: the local state decides
    wanted = (
        terminal,
        str(event.get("action")),
        event.get("to"),
        document.get("type"),
        document["id"],
        document.get("line"),
    )
    rows = conn.execute(
        sa.select(
            _E.terminal,
            _E.action,
            _E.to_state,
            _E.document_type,
            _E.document_id,
            _E.document_line,
        )
        .where(_E.unit_id == unit_id)
        .order_by(_E.id.desc())
    )
    for row in rows:
        if tuple(row) == wanted:
            return True
        if row.terminal != terminal:
            return False  # moved here by another till or central since
    return False
