"""A unit's timeline: its ledger events in the words a shop person reads ("received into stock
at S01", "sold at S01", "returned by the customer to S02") with who, when, where and the
document. The ledger's own names (``transfer_out``, ``in_stock``) stay in the events table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from serialpos.domain.events import LedgerEvent

_DOCUMENTS = {
    "order": "order",
    "sale": "sale",
    "receipt": "receipt",
    "transfer": "transfer",
    "adjustment": "adjustment",
    "rtv": "return to vendor",
    "asn": "ASN",
}


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime  # UTC, as recorded
    what: str  # "sold at S01"
    who: str
    terminal: str
    store: str
    document: str  # "order S01-000003 line 2", or ""
    reason: str | None


def _received(event: LedgerEvent) -> str:
    if event.from_state == "returned_to_vendor":
        return f"received back from the vendor at {event.store}"
    return f"received into stock at {event.store}"


_WORDS: dict[str, Callable[[LedgerEvent], str]] = {
    "expect": lambda e: f"expected at {e.store} (announced by the supplier)",
    "receive": _received,
    "reserve": lambda e: f"put on a customer order at {e.store} (reserved)",
    "release": lambda e: f"taken off the order, back in stock at {e.store}",
    "sell": lambda e: f"sold at {e.store}",
    "return": lambda e: f"returned by the customer, back in stock at {e.store}",
    "return_damaged": lambda e: f"returned damaged by the customer, written off at {e.store}",
    "transfer_out": lambda e: f"sent out of {e.store} (in transit)",
    "transfer_in": lambda e: f"arrived at {e.store} by transfer",
    "rtv": lambda e: f"returned to the vendor from {e.store}",
    "adjust_add": lambda e: f"added to stock at {e.store} (adjustment)",
    "adjust_remove": lambda e: f"removed from stock at {e.store}, written off (adjustment)",
}


def document_words(event: LedgerEvent) -> str:
    if not event.document_type and not event.document_id:
        return ""
    kind = _DOCUMENTS.get(event.document_type or "", event.document_type or "")
    text = " ".join(p for p in (kind, event.document_id) if p)
    return f"{text} line {event.document_line}" if event.document_line else text


def entry(event: LedgerEvent) -> TimelineEntry:
    """One event in words; an action this version does not know is named as recorded."""
    words = _WORDS.get(event.action)
    what = words(event) if words else f"{event.action.replace('_', ' ')} at {event.store}"
    return TimelineEntry(
        event.at, what, event.user, event.terminal, event.store, document_words(event), event.reason
    )


def timeline(events: tuple[LedgerEvent, ...]) -> tuple[TimelineEntry, ...]:
    return tuple(entry(e) for e in events)
