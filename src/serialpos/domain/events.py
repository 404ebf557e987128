"""Ledger events: the append-only history of every unit and every quantity."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class DocumentRef:
    """The document an event belongs to (a sale, a receipt, a transfer, an adjustment, an
    integration batch) and the line on it."""

    type: str
    id: str
    line: str | None = None


@dataclass(frozen=True)
class LedgerEvent:
    """One recorded change. ``serial`` is None for quantity-only changes."""

    id: int
    at: datetime
    action: str
    user: str
    terminal: str
    store: str
    sku: str
    serial: str | None
    from_state: str | None
    to_state: str | None
    quantity: int
    document_type: str | None
    document_id: str | None
    document_line: str | None
    reason: str | None


def state_setting_event(newest_first: Sequence[tuple[int, str | None]], state: str) -> int | None:
    """Of a unit's events, ``(id, to_state)`` newest first, the one that put it in ``state``,
    its state now: the oldest of the newest run that leaves it in that state. An event that
    moves nothing (a till's ``central_state`` naming the sale that stands, a ``snapshot``, a
    re-read of a shipment already in transit) leaves the state its event before gave, and
    is not what a conflict's "stands" names: the sale or the move that made the unit so is.
    The newest event when none leaves it in ``state`` (a history cut short), None for none.
    """
    found: int | None = None
    for event_id, to_state in newest_first:
        if to_state != state:
            break
        found = event_id
    if found is None and newest_first:
        return newest_first[0][0]
    return found
