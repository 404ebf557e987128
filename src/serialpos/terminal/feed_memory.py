"""What a till remembers of its store's feed, to tell central restored from an older backup
and to know where central's history and its own part (issue 16's bad input).

Central's feed numbers events 1, 2, 3... A central restored from an older backup numbers its
new events from the backup's end again, so the numbers a till applied past that end now name
other events, and once central has made enough new ones its feed is no longer "behind" the
till's cursor: the till would go on from its cursor and never pull the events central made
between the restore and that number (another till's sales, a host's receipts). So each pull
keeps a digest of every event of the store it applied (``feed_seen``, the newest
:data:`KEEP`), and the next pull starts one event early: the event it asks for first is the
newest one remembered, and central must still have it, digest and all
(:func:`agrees`). ``serialpos terminal resend`` finds the newest remembered event central
still has (:func:`parting`, a binary search, a few small reads) and re-reads the feed from
there: everything central made since its restore is pulled, nothing it held before is
applied twice.

The snapshot a till starts from counts as applied too: ``terminal init`` remembers the
store's newest event it holds (central sends it with the snapshot), among the others and as
``snapshot_event`` (kept when the others are pruned; ``none`` when the store had no event
yet). A till that pulled only events the restore lost still has a point where the two
histories agree (:func:`snapshot_point`); without it, it went on from central's end and
never pulled what central made after its restore (the new-user walk of issue 16).

The till's cursor moves on past other stores' events too, so it is often past the newest
event of its store it applied: a central restored to a backup between the two that numbers
the store's new events up to the cursor before the till syncs still has the newest event
remembered. But central holds no other event of the store numbered at or below the cursor
(the till applied them all), so the page :func:`agrees` with must have none either: one
there is one central made after a restore under a number the till had passed (it would
skip it for good), and the sync says ``central_behind`` as for any restore. A till whose
store had no event at its snapshot (``none``) and that has pulled none since remembers no
event at all: it asks from the feed's start (:data:`NONE_YET`), where central must have no
event of the store numbered at or below its cursor.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Connection

from serialpos.db import feed_lost, journal, mirror_sql
from serialpos.db.engine import Database
from serialpos.services.document_numbers import terminal_tag
from serialpos.terminal.client import CentralClient

#: ``sync_state`` key: ``SEQ:DIGEST`` of the store's newest event the snapshot held, or
#: ``none`` when the store had none (absent: set up before this, or from an older central).
SNAPSHOT_EVENT = "snapshot_event"

#: Events remembered: a restore older than this many of the store's events is told only by
#: the feed being behind, and then the feed is taken from central's end (as before 0031).
KEEP = 20_000

Event = dict[str, Any]


#: The fields of a feed event the digest covers: the event's own, as written once in
#: central's ledger (a new event under an old number differs at least in its time). Codes
#: read through a join (the store's, the product's SKU, a transfer's destination) are left
#: out: renamed at central, they would read as a restore.
DIGESTED = (
    "seq",
    "event",
    "at",
    "action",
    "serial",
    "from",
    "to",
    "quantity",
    "user",
    "terminal",
    "document",
    "reason",
)


def digest(event: Event) -> str:
    """The digest of one feed event as central sent it (:data:`DIGESTED`)."""
    fields = {key: event.get(key) for key in DIGESTED}
    text = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def echo(event: Event) -> str | None:
    """What ties a quantity event to the till entry it is the effect of, so that the same
    entry applied again at central (sent again by ``terminal resend`` after a restore) reads
    as the same: the till that made it, the action, the product, the quantity and the
    document and line, when the document is one that till numbered itself (its short code
    in the number: services/document_numbers.py). Central keeps the numbers an entry
    carries, so the entry applied again names the same document and line; no other
    document can: central numbers its own without a till's code (and numbers them again
    from its backup's end after a restore), another till with its own code. None for a
    unit's event (it sets a state: applying it twice changes nothing) and for any other
    document."""
    document = event.get("document")
    terminal, store, quantity = event.get("terminal"), event.get("store"), event.get("quantity")
    if event.get("serial") is not None and event.get("to") is not None:
        return None
    if not isinstance(document, dict) or not isinstance(document.get("id"), str):
        return None
    if not isinstance(terminal, str) or not isinstance(store, str) or not quantity:
        return None
    if f"-{terminal_tag(terminal, store)}-" not in document["id"]:
        return None
    parts = (terminal, event.get("action"), event.get("sku"), quantity, document.get("type"))
    text = json.dumps([*parts, document["id"], document.get("line")], ensure_ascii=False)
    return text[:300]


#: A remembered event's ``echo`` is an :func:`echo` (a JSON list), the unit an event set
#: (:data:`UNIT`) or, for a quantity event no echo ties to a till's entry, this prefix and
#: what the pull moved here for it (:func:`moved_here`), so ``terminal resend`` takes it
#: back when central lost the event (terminal/lost_moves.py).
MOVED = feed_lost.MOVED


def moved_here(event: Event) -> str | None:
    """What a quantity event without an :func:`echo` moved at the till when pulled (its SKU,
    quantity and document), kept with the event (``MOVED`` + a JSON list); None for a
    unit's event (it sets a state) and an event that moved nothing. Central restored from
    an older backup lost it: nothing makes it again by its echo (central's own work, a
    host's, or a till's entry naming a document the till did not number, which comes back
    as a new event when that till sends it again), so it is taken back here."""
    if event.get("serial") is not None and event.get("to") is not None:
        return None
    quantity, sku = event.get("quantity"), event.get("sku")
    if not isinstance(quantity, int) or not quantity or not isinstance(sku, str):
        return None
    document = event.get("document")
    kind, number = (
        (document.get("type"), document.get("id")) if isinstance(document, dict) else (None, None)
    )
    text = MOVED + json.dumps([sku, quantity, kind, number], ensure_ascii=False)
    return text if len(text) <= 300 else None


#: A remembered event's ``echo`` for another's event that set a unit's state here: this
#: prefix and the unit's SKU and serial (:func:`unit_set`), so ``terminal resend`` sets the
#: unit to central's state when central lost the event (terminal/lost_units.py).
UNIT = feed_lost.UNIT


def unit_set(event: Event) -> str | None:
    """The unit an event that sets a state names (``UNIT`` + a JSON list of its SKU and
    serial); None for a quantity event. Central restored from an older backup lost it: its
    console's or a host's work nothing makes again, and another till's entry that till may
    never send again, so the unit would keep here the state the lost event gave it until
    its next event. Kept for another's events only: this till's own entries are sent again
    by the resend and their effect is here."""
    serial, sku = event.get("serial"), event.get("sku")
    if serial is None or event.get("to") is None:
        return None
    if not isinstance(serial, str) or not isinstance(sku, str):
        return None
    text = UNIT + json.dumps([sku, serial], ensure_ascii=False)
    return text if len(text) <= 300 else None


def seen(
    events: Sequence[Event], store: str, own: str | None = None
) -> list[tuple[int, str, str | None]]:
    """``(seq, digest, echo)`` of ``store``'s events among ``events``, to remember; no echo
    for the events of ``own`` (what central calls this till: its own entries' events never
    move anything here when they come again, terminal/mirror.py); for another's quantity
    event without an echo, what it moved here (:func:`moved_here`); for another's unit
    event, the unit (:func:`unit_set`)."""
    return [
        (int(e["seq"]), digest(e), None if own and e.get("terminal") == own else _kept(e))
        for e in events
        if e.get("store") == store
    ]


def _kept(event: Event) -> str | None:
    return echo(event) or moved_here(event) or unit_set(event)


def remember_snapshot(conn: Connection, event: Event | None, store: str) -> None:
    """At ``terminal init``: remember where the snapshot stands in the store's feed."""
    found = [] if event is None else seen([event], store)
    journal.set_state(conn, SNAPSHOT_EVENT, f"{found[0][0]}:{found[0][1]}" if found else "none")
    mirror_sql.remember_events(conn, found)


def snapshot_point(db: Database, client: CentralClient) -> int | None:
    """Where to read the feed again from when central has none of the events this till
    pulled: the store's event its snapshot held, if central still has it unchanged (0 when
    the store had none: every event of it central has came later). None when central lost
    or changed it (restored from a backup older than the till's snapshot), or the till does
    not know it: then only ``terminal init`` sets it up on central's history again."""
    kept = db.read(lambda conn: journal.get_state(conn, SNAPSHOT_EVENT))
    if kept is None:
        return None
    if kept == "none":
        return 0
    seq, _sep, digested = kept.partition(":")
    page = client.get_json("/v1/events", after=int(seq) - 1, limit=1)
    return int(seq) if agrees(page["events"], (int(seq), digested)) else None


#: :func:`first_ask`'s event for a till that has applied no event of its store (none at its
#: snapshot, none pulled since): it asks from the start, and central must have none of the
#: store's events numbered at or below its cursor.
NONE_YET = (0, "")


def first_ask(db: Database, after: int) -> tuple[int, tuple[int, str] | None]:
    """Where a pull asks from (one before the newest event remembered, so the page starts
    with it) and that event; from 0 with :data:`NONE_YET` when the store had no event at
    the snapshot and none was pulled since; else ``after`` and None (nothing known)."""

    def work(conn: Connection) -> tuple[int, tuple[int, str] | None]:
        newest = mirror_sql.newest_seen(conn, after)
        if newest is not None:
            return min(after, newest[0] - 1), newest
        if after > 0 and journal.get_state(conn, SNAPSHOT_EVENT) == "none":
            return 0, NONE_YET
        return after, None

    return db.read(work)


def agrees(
    events: Sequence[Event],
    newest: tuple[int, str] | None,
    *,
    after: int = 0,
    store: str | None = None,
) -> bool:
    """Whether a page asked from :func:`first_ask` starts with the event remembered (any
    start for :data:`NONE_YET`) and has no other event of ``store`` numbered ``after`` or
    less: the till applied every event of its store up to its cursor and remembers the
    newest, so another one there is one central made after a restore under a number the
    till had passed (its cursor moved on with other stores' events)."""
    if newest is None:
        return True
    rest = events
    if newest != NONE_YET:
        if not events or int(events[0]["seq"]) != newest[0] or digest(events[0]) != newest[1]:
            return False
        rest = events[1:]
    return not any(newest[0] < int(e["seq"]) <= after and e.get("store") == store for e in rest)


def diverged_words(
    newest: tuple[int, str] | None, after: int = 0, events: Sequence[Event] = ()
) -> str:
    """Why central's history is not this till's, in words (``events``: the page that did
    not :func:`agrees`)."""
    number = "?" if newest is None else newest[0]
    if newest == NONE_YET or agrees(events[:1], newest):
        since = "" if newest == NONE_YET else f" (after its event {number})"
        said = (
            f"central has events of this store numbered up to {after} that this terminal "
            f"never applied{since}"
        )
    else:
        said = f"central's event {number} is not the one this terminal applied under that number"
    return (
        f"{said}: central was restored from an older backup and has made new events since? "
        "Nothing was changed here; the journal is kept. Once central is back for good, "
        "`serialpos terminal resend` sends again what central lost and pulls what it made since"
    )


def parting(db: Database, client: CentralClient, last: int) -> int | None:
    """The newest remembered event (numbered ``last`` or less: central's feed ends there)
    that central still has as this till applied it, or None when it has none of them. The
    remembered events central still has are the oldest ones (its history up to the backup
    is the till's), so a binary search finds the newest. When none is there any more, the
    snapshot's own point (:func:`snapshot_point`)."""
    remembered = db.read(lambda conn: mirror_sql.seen_numbers(conn, last))

    def still_there(i: int) -> bool:
        seq, _d = remembered[i]
        page = client.get_json("/v1/events", after=seq - 1, limit=1)
        return agrees(page["events"], remembered[i])

    low, high, found = 0, len(remembered) - 1, None
    while low <= high:
        middle = (low + high) // 2
        if still_there(middle):
            found, low = remembered[middle][0], middle + 1
        else:
            high = middle - 1
    return found if found is not None else snapshot_point(db, client)
