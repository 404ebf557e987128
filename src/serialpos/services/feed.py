"""The event feed a host follows: every ledger event once, in commit order.

Each event carries ``seq``, a number the database assigns as the writing transaction commits
(migration 0014): gap-free and in commit order, so a host that asks for the events after the
last ``seq`` it saw never misses one and never sees one twice. The events' own ids cannot do
this: on PostgreSQL they come from a sequence, handed out at insert time and lost on
rollback, so a smaller id may become visible after a larger one.

A store terminal's token reads its own store's events only (:func:`store_of_reader`): the
other stores' events never leave central for it. A page of one store's events stays
gap-free for the cursor: it is read in one snapshot, and when it is not full its ``next`` is
the feed's last number in that snapshot, since every event numbered up to it is visible
there (numbers become visible in order) and none of them is this store's beyond the page.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from serialpos.db import apply_outcomes, repo
from serialpos.db import feed as feed_sql
from serialpos.db.engine import Database
from serialpos.domain.errors import BadRequest, PermissionDenied
from serialpos.domain.text import clip
from serialpos.services import terminal_links, tokens
from serialpos.services.context import Actor
from serialpos.services.terminal_links import OtherTerminal
from serialpos.services.tokens import Bearer

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
    #: A transfer's destination store (its events only), else None.
    to_store: str | None = None
    #: Central's ledger event id. One unit's events are numbered in the order they
    #: happened (each is written under the unit's row lock), so a store terminal compares it
    #: with the event its copy of the unit was last set from and never applies an older
    #: state over a newer one (terminal/mirror.py).
    event: int | None = None

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
            "to_store": self.to_store,
            "event": self.event,
        }


@dataclass(frozen=True)
class FeedPage:
    events: tuple[FeedEvent, ...]
    #: The ``after`` to ask with next: the last ``seq`` here, or the one asked with (for
    #: one store's page that is not full: the feed's last number, see the module's words).
    next: int
    #: The feed's last number when the page was read (all stores): a follower whose cursor
    #: is beyond it follows a database restored from an older backup.
    last: int = 0
    #: Asked with a journal entry id of the reading till: whether central holds that entry
    #: (its outcome kept); None when not asked. A till's entry central took and no longer
    #: holds was lost in a restore from an older backup (terminal/central_behind.py).
    entry_held: bool | None = None


def _check_page(after: int, limit: int) -> None:
    if after < 0:
        raise BadRequest("'after' must be 0 or a seq from the feed")
    if not 1 <= limit <= MAX_PAGE:
        raise BadRequest(f"'limit' must be between 1 and {MAX_PAGE}")


def events_after(
    db: Database, after: int = 0, limit: int = DEFAULT_PAGE, store: str | None = None
) -> FeedPage:
    """The events numbered after ``after`` (0: from the first), at most ``limit``; with
    ``store``, that store's events only."""
    _check_page(after, limit)

    def read(conn: Connection) -> FeedPage:
        return _page(conn, db, after, limit, store)

    return db.read_each(read)


def events_for(
    db: Database,
    reader: Actor | Bearer,
    after: int,
    limit: int,
    asked: str | None = None,
    terminal: str | None = None,
    entry: str | None = None,
) -> FeedPage:
    """:func:`events_after` for ``reader``, of the store it may read
    (:func:`store_of_reader`): a store terminal's pull. One read transaction checks a bearer
    token, finds the store and reads the page, instead of one transaction for each.
    ``terminal``: the id of the till reading, which every read of a till's sync names, so a
    till given another till's token is told so (``other_terminal``) at its first read,
    before it compares the feed with its own (another store's feed, or another till's,
    read as "central restored from an older backup" and answered by ``terminal resend``,
    which changed the till's journal). ``entry``: one of the till's journal entry ids (the
    newest central took), answered in ``entry_held``: an online sale accepted and then lost
    in a restore leaves the feed as the till last read it, so only this tells."""
    _check_page(after, limit)

    def read(conn: Connection) -> FeedPage:
        actor = tokens.actor_in(conn, reader)
        store = _store_of_reader_in(conn, db, actor, asked, terminal)
        page = _page(conn, db, after, limit, store)
        if entry is None:
            return page
        link = terminal_links.link_in(conn, db, actor.terminal)
        till = link[0] if link is not None else terminal
        return replace(page, entry_held=apply_outcomes.holds(conn, entry, till))

    # The page and the feed's last number come from one statement (one snapshot): the
    # token's and link's reads need none in common with it, so no transaction is opened.
    return db.read_each(read)


def _page(conn: Connection, db: Database, after: int, limit: int, store: str | None) -> FeedPage:
    store_id = None if store is None else repo.store_id(db, conn, store)
    # The page and the feed's last number from one snapshot (one statement on PostgreSQL).
    rows, last = feed_sql.page_and_last(conn, after, limit, store_id)
    events = tuple(FeedEvent(*row) for row in rows)
    if len(events) == limit:
        return FeedPage(events, events[-1].seq, last)
    if store_id is not None:
        return FeedPage(events, max(after, last), last)
    return FeedPage(events, events[-1].seq if events else after, last)


def store_of_reader(db: Database, actor: Actor, asked: str | None) -> str | None:
    """The store whose events ``actor`` may read: a store terminal's token (bound to a
    terminal by its snapshot) its own store only, asked or not; any other token the store it
    asks for, or every store."""
    return db.read(lambda conn: _store_of_reader_in(conn, db, actor, asked))


def _store_of_reader_in(
    conn: Connection, db: Database, actor: Actor, asked: str | None, terminal: str | None = None
) -> str | None:
    link = terminal_links.link_in(conn, db, actor.terminal)
    if link is None:
        return asked
    terminal_id, store = link
    if terminal is not None and terminal != terminal_id:
        raise OtherTerminal(
            f"this token belongs to terminal {terminal_id}, not {clip(terminal)}: give the "
            "till a token of its own in its config"
        )
    if asked is not None and asked != store:
        raise PermissionDenied(
            f"this token belongs to terminal {terminal_id} of store {store}; it may not "
            f"read the events of store {clip(asked)}"
        )
    return store


def last_seq(db: Database) -> int:
    """The newest event's number (0 when there is none): where a new follower may start."""
    return db.read(feed_sql.last_seq)
