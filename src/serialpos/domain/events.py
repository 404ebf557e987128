"""Ledger events: the append-only history of every unit and every quantity."""

from __future__ import annotations

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
