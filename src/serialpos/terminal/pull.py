"""The pull of ``serialpos sync``: central's event feed after the last number applied, for
this store only (the client asks ``store=`` the till's own, and central filters a till
token's reads by its store in any case: services/feed.py); each page
and the new cursor are written in one local transaction, so a terminal killed mid-pull
re-reads at most the page it was on and applies nothing twice.

A pull that reaches the feed's end drops the ``unit_event:`` marks that were there when it
began (terminal/mirror.py skips a unit's events up to its mark). Dropping them cannot let an
older event win: a mark is central's event that gave the unit the state taken, read from a
verdict or an answer after central committed it, and every older event of the unit was
committed before it (one unit's events are written under its row lock). So every older
event was committed before this pull began, the feed numbers events as they commit, and a
pull ends at a number read after it began: the older events of the unit at this store were
all on the pages just read (and skipped); none can come later. A unit never seen in the
feed again (at another store) would otherwise keep its mark for good.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from sqlalchemy.engine import Connection

from serialpos.config import ChainConfig
from serialpos.db import journal, mirror_sql
from serialpos.db.engine import Database
from serialpos.terminal import feed_memory, order_copies
from serialpos.terminal.central_behind import (
    CentralBehind,
    check_entry_held,
    check_not_behind,
    first_page,
)
from serialpos.terminal.client import CentralClient
from serialpos.terminal.mirror import apply_events
from serialpos.terminal.sync_report import SyncReport

#: Events asked for in one page.
PULL_PAGE = 1000


def pull(db: Database, client: CentralClient, chain: ChainConfig, report: SyncReport) -> None:
    central_terminal = db.read(lambda conn: journal.get_state(conn, "central_terminal")) or ""
    after = int(db.read(lambda conn: journal.get_state(conn, "feed_after")) or 0)
    marks = db.read(mirror_sql.unit_events)
    ask, newest = feed_memory.first_ask(db, after)
    first = True
    while True:
        if first:  # asks too whether central holds the newest entry it took of this till
            page = first_page(db, client, after=ask, limit=PULL_PAGE)
        else:
            page = client.get_json("/v1/events", after=after, limit=PULL_PAGE)
        events: list[dict[str, Any]] = page["events"]
        next_after = int(page["next"])
        if first:
            if after > 0:
                check_not_behind(client, page, after)
            # a restore central has moved past
            if not feed_memory.agrees(events, newest, after=after, store=chain.store):
                raise CentralBehind(feed_memory.diverged_words(newest, after, events))
            check_entry_held(page)  # an online sale central lost, its feed as read here
            # The page started at the event remembered (terminal/feed_memory.py): applied.
            events = [e for e in events if int(e["seq"]) > after]
            next_after = max(next_after, after)
        first = False
        if not events:
            if next_after > after:  # other stores' events only: the cursor moves past them
                _set_cursor(db, next_after)
                after = next_after
            break
        cards = new_products(db, client, events, chain.store)
        # the store's sales made elsewhere, copied so they may be returned here
        copies = order_copies.fetch(db, client, chain, events, central_terminal)

        def write(
            conn: Connection,
            events: list[dict[str, Any]] = events,
            next_after: int = next_after,
            cards: list[dict[str, Any]] = cards,
            copies: list[order_copies.Copy] = copies,
        ) -> tuple[int, int]:
            known = mirror_sql.product_ids(conn)
            for card in cards:
                if card["sku"] not in known:
                    mirror_sql.add_product(conn, card)
            taken = order_copies.take(conn, copies)  # (orders copied, lines returned)
            apply_events(
                conn,
                events,
                store=chain.store,
                central_terminal=central_terminal,
                count=report.mirror,
            )
            mirror_sql.remember_events(
                conn, feed_memory.seen(events, chain.store, central_terminal)
            )
            journal.set_state(conn, "feed_after", str(next_after))
            return taken

        copied, returned = db.write(write)
        report.mirror.order_copies += copied
        report.mirror.returned_lines += returned
        report.pulled += len(events)
        after = next_after
    report.feed_after = after
    report.mirror.pruned += db.write(lambda conn: mirror_sql.drop_unit_events(conn, marks))
    if report.pulled:
        db.write(lambda conn: mirror_sql.prune_seen(conn, feed_memory.KEEP))


def _set_cursor(db: Database, after: int) -> None:
    db.write(lambda conn: journal.set_state(conn, "feed_after", str(after)))


def new_products(
    db: Database, client: CentralClient, events: list[dict[str, Any]], store: str
) -> list[dict[str, Any]]:
    """The catalogue cards of products this store's events name that the terminal does not
    know yet (made at central after its snapshot), fetched before the page is applied."""
    known = db.read(mirror_sql.product_ids)
    wanted = sorted(
        {str(e["sku"]) for e in events if e.get("store") == store and e.get("sku") not in known}
    )
    return [client.get_json(f"/v1/products/{quote(sku, safe='')}") for sku in wanted]
