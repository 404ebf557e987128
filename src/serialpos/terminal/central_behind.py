"""Central restored from an older backup, told before anything is sent or pulled: its feed
ends before the number this till applied, or its event under the number the till remembers
is another (terminal/feed_memory.py). The till says so (:class:`CentralBehind`,
``central_behind``), changes nothing, and keeps its journal until a person decides
(``serialpos terminal resend``).

Every push goes through the check: a sync round's (:func:`not_behind_before_push`, one small
read whenever entries wait), ``apply --push``'s (once per run, before its first push) and
the console's sale confirmation (before each sale's push): :func:`check`."""

from __future__ import annotations

from typing import Any

from serialpos.db import journal
from serialpos.db.engine import Database
from serialpos.domain.errors import DomainError
from serialpos.terminal import feed_memory
from serialpos.terminal.client import CentralClient


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
    waits."""
    after = int(db.read(lambda conn: journal.get_state(conn, "feed_after")) or 0)
    if after > 0 and db.read(journal.counts)[0]:
        check(db, client, after, store=store)


def check(db: Database, client: CentralClient, after: int, *, store: str) -> None:
    """Ask central (one read of its feed from the newest event remembered) whether it still
    has this till's history of ``store`` up to ``after``; :class:`CentralBehind` when not."""
    ask, newest = feed_memory.first_ask(db, after)
    page = client.get_json("/v1/events", after=ask, limit=2)  # the newest and the next
    check_not_behind(client, page, after)
    if not feed_memory.agrees(page["events"], newest, after=after, store=store):
        raise CentralBehind(feed_memory.diverged_words(newest, after, page["events"]))
