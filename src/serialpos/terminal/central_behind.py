"""Central restored from an older backup, told before anything is sent or pulled: its feed
ends before the number this till applied, or its event under the number the till remembers
is another (terminal/feed_memory.py). The till says so (:class:`CentralBehind`,
``central_behind``), changes nothing, and keeps its journal until a person decides
(``serialpos terminal resend``).

Every push goes through the check: a sync round's (:func:`not_behind_before_push`, one small
read whenever entries wait), ``apply --push``'s (once per run, before its first push) and
the console's sale confirmation (before each sale's push): :func:`check`. So does the pull's
first page. The same read asks central whether it still holds the newest journal entry it
took of this till (:func:`first_page`): a sale pushed at once and lost in the restore moved
central's feed, not the till's cursor, so the feed alone could not tell."""

from __future__ import annotations

from typing import Any

from serialpos.db import journal
from serialpos.db.engine import Database
from serialpos.domain.errors import DomainError
from serialpos.terminal import feed_memory
from serialpos.terminal.client import CentralClient, CentralRefused


class CentralBehind(DomainError):
    code = "central_behind"


def check_not_behind(client: CentralClient, page: dict[str, Any], after: int) -> None:
    """Make sure central still has the last event this terminal applied (its feed's last
    number is not before it). If it does not, central was restored from an older backup; the
    terminal says so and keeps its journal and state (nothing is pulled or dropped) until a
    person decides. (Central before the store filter sent no ``last``: asked the old way.)"""
    if feed_end(client, page, after) < after:
        raise CentralBehind(
            f"central's event feed ends before number {after}, which this "
            "terminal already applied: central was restored from an older "
            "backup? Nothing was changed here; the journal is kept. Once central is "
            "back for good, `serialpos terminal resend` sends again what central lost"
        )


def feed_end(client: CentralClient, page: dict[str, Any], after: int) -> int:
    """Central's feed's last number, from a page read after ``after`` (central before the
    store filter sent no ``last``: then only whether it still has number ``after``, asked
    the old way, which is all the check needs)."""
    last = page.get("last")
    if last is None:
        last = after if client.get_json("/v1/events", after=after - 1, limit=1)["events"] else 0
    return int(last)


def not_behind_before_push(db: Database, client: CentralClient, *, store: str) -> None:
    """With entries waiting, make sure central is not behind this till before sending them:
    pushed onto central restored from an older backup, a sale of a unit whose receipt it
    lost came back a conflict, and the till took central's older state (the unit written
    off here) while the sync said nothing had changed. One small read, only when something
    waits (a till that applied no event yet asks too: central may have lost its entries)."""
    after = int(db.read(lambda conn: journal.get_state(conn, "feed_after")) or 0)
    if db.read(journal.counts)[0]:
        check(db, client, after, store=store)


def check(db: Database, client: CentralClient, after: int, *, store: str) -> None:
    """Ask central (one read of its feed from the newest event remembered) whether it still
    has this till's history of ``store`` up to ``after`` and the newest entry it took of
    this till; :class:`CentralBehind` when not."""
    ask, newest = feed_memory.first_ask(db, after)
    page = first_page(db, client, after=ask, limit=2)  # the newest and the next
    check_not_behind(client, page, after)
    if not feed_memory.agrees(page["events"], newest, after=after, store=store):
        raise CentralBehind(feed_memory.diverged_words(newest, after, page["events"]))
    check_entry_held(page)


#: The page's key naming the entry asked about (its local number), kept by
#: :func:`first_page` for the words.
ASKED = "entry_asked"


def first_page(db: Database, client: CentralClient, *, after: int, limit: int) -> dict[str, Any]:
    """A read of the feed that also asks central whether it holds the newest journal entry
    it took of this till (``entry=``, answered as ``entry_held``): an entry pushed at once
    (``apply --push``, the console's sale) moves central's feed but not this till's cursor,
    so a restore to a backup taken before it leaves central's feed exactly as the till last
    read it, and only the entry tells that central lost the sale. A central older than
    the question refuses it as an unknown parameter: read again without it (not told)."""
    taken = db.read(journal.newest_taken)
    if taken is None:
        return dict(client.get_json("/v1/events", after=after, limit=limit))
    try:
        page = dict(client.get_json("/v1/events", after=after, limit=limit, entry=taken[1]))
    except CentralRefused as exc:
        if "'entry'" not in exc.message:
            raise
        return dict(client.get_json("/v1/events", after=after, limit=limit))
    page[ASKED] = taken[0]
    return page


def check_entry_held(page: dict[str, Any]) -> None:
    """:class:`CentralBehind` when central said it no longer holds the entry asked about
    (:func:`first_page`)."""
    if page.get("entry_held") is False:
        raise CentralBehind(lost_entry_words(int(page[ASKED])))


def lost_entry_words(seq: int) -> str:
    return (
        f"central no longer holds journal entry {seq} of this terminal, the newest it took "
        "(an online sale or a sync accepted it): central was restored from an older "
        "backup? Nothing was changed here; the journal is kept. Once central is back for "
        "good, `serialpos terminal resend` sends again what central lost"
    )
