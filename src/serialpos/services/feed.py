"""The event feed a host follows: every ledger event once, in commit order.

Each event carries ``seq``, a number the database assigns as the writing transaction commits
(migration 0014): gap-free and in commit order, so a host that asks for the events after the
last ``seq`` it saw never misses one and never sees one twice. The events' own ids cannot do
this: on PostgreSQL they come from a sequence, handed out at insert time and lost on
rollback, so a smaller id may become visible after a larger one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from serialpos.db import feed as feed_sql
from serialpos.db.engine import Database
from serialpos.domain.errors import BadRequest

#: The most events one page may hold.
MAX_PAGE = 1000
DEFAULT_PAGE = 100


@dataclass(frozen=True)
class FeedEvent:
    seq: int
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

    def to_json(self) -> dict[str, Any]:
        document = (
            None
            if self.document_id is None
            else {"type": self.document_type, "id": self.document_id, "line": self.document_line}
        )
        return {
            "seq": self.seq,
            "serial": self.serial,
            "sku": self.sku,
            "store": self.store,
            "from": self.from_state,
            "to": self.to_state,
            "at": self.at.isoformat(timespec="microseconds") + "Z",
            "document": document,
            "action": self.action,
            "quantity": self.quantity,
            "user": self.user,
            "terminal": self.terminal,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class FeedPage:
    events: tuple[FeedEvent, ...]
    #: The ``after`` to ask with next: the last ``seq`` here, or the one asked with.
    next: int


def events_after(db: Database, after: int = 0, limit: int = DEFAULT_PAGE) -> FeedPage:
    """The events numbered after ``after`` (0: from the first), at most ``limit``."""
    if after < 0:
        raise BadRequest("'after' must be 0 or a seq from the feed")
    if not 1 <= limit <= MAX_PAGE:
        raise BadRequest(f"'limit' must be between 1 and {MAX_PAGE}")
    rows = db.read(lambda conn: feed_sql.page(conn, after, limit))
    events = tuple(FeedEvent(*row) for row in rows)
    return FeedPage(events, events[-1].seq if events else after)


def last_seq(db: Database) -> int:
    """The newest event's number (0 when there is none): where a new follower may start."""
    return db.read(feed_sql.last_seq)
