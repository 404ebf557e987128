"""Units a store terminal holds that central has no record of (issue 16).

When central refuses a till's receipt of a new unit (the receipt was a conflict: another of
its units was in stock elsewhere), central holds no such unit at all, and the till's copy is
written off where it was (terminal/central_state.py): its row cannot go, its events refer to
it. That write-off is marked by its reason (:data:`NO_RECORD`) so the unit can be received
again at the till, as the unit central never heard of that it is, instead of being refused
"already recorded (written off)": the stockroom redoes the receipt, and central takes it as
a first receipt. Only a terminal's database holds such events (``central_state`` is an act of
the terminal's sync, never central's own).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo

#: The start of the reason of a till's write-off of a unit central holds none of.
NO_RECORD = "no record at central"
#: The local ledger's action for a unit set to central's state (terminal/central_state.py).
CENTRAL_STATE = "central_state"

_event = repo.event_t.c
_LAST = (
    sa.select(_event.action, _event.to_state, _event.reason)
    .where(_event.unit_id == sa.bindparam("unit"))
    .order_by(_event.id.desc())
    .limit(1)
)


def no_record_reason(error: str | None) -> str:
    """The reason of the write-off of a unit central holds none of, central's error kept."""
    return f"{NO_RECORD} ({error})" if error else NO_RECORD


def unrecorded(conn: Connection, unit_id: int) -> bool:
    """Whether the unit ``unit_id`` was written off here only because central holds no such
    unit (its newest event is that write-off): it may be received again as a new unit."""
    row = conn.execute(_LAST, {"unit": unit_id}).first()
    return (
        row is not None
        and row.action == CENTRAL_STATE
        and row.to_state == "written_off"
        and str(row.reason or "").startswith(NO_RECORD)
    )
