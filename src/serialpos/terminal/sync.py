"""``serialpos sync``: push the journal to central, then pull central's feed for the store.

Push: pending entries in local sequence order, each sent as stored (its id is the entry id),
through central's idempotent ``POST /v1/apply``. Each verdict settles its entry in the local
journal: ``accepted`` (applied, or replayed: it had landed before), ``conflict`` (central
recorded a conflict for a manager), ``refused`` (central refused the line; its answer is
kept); a conflict's or a refusal's units take central's state in the same local transaction
(terminal/central_state.py), even when central has them at another store. A
``database_error`` at central or no answer leaves the entry pending for the next push: the
resend is safe, never a second sale. Ordering never comes from clocks.

Pull: central's event feed after the last number applied, for this store only (central
filters by the token's store, services/feed.py); each page
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

import json
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import quote

from sqlalchemy.engine import Connection

from serialpos.config import ChainConfig
from serialpos.db import journal
from serialpos.db.engine import Database
from serialpos.domain.errors import DomainError
from serialpos.services import journal_seals
from serialpos.terminal import central_state, feed_memory, quantities, refresh, tampered_units
from serialpos.terminal.client import CentralClient, CentralRefused
from serialpos.terminal.customers import pull_customers
from serialpos.terminal.mirror import MirrorCount, apply_events

#: Entries sent in one request, and events asked for in one page.
PUSH_BATCH = 500
PULL_PAGE = 1000
#: Verdicts that leave an entry pending (central could not use its database for it).
RETRY_CODES = frozenset({"database_error", "conflict"})
#: Verdicts that refuse the terminal's token, not its entry (a token of no terminal, or of
#: another: the till was given the wrong one). The push stops there with every entry kept
#: pending and the problem said, as for a revoked token; settling them as refused would
#: lose the sale at central and put its unit back in stock here.
TOKEN_CODES = frozenset({"terminal_not_linked", "other_terminal"})


@dataclass
class SyncReport:
    accepted: int = 0
    replayed: int = 0
    conflicts: int = 0
    refused: int = 0
    retry: int = 0
    pulled: int = 0
    #: Transfers shipped to this store, kept here to be received.
    transfers: int = 0
    mirror: MirrorCount = field(default_factory=MirrorCount)
    pending: int = 0
    feed_after: int = 0
    #: settings and catalogue taken again from central this round (terminal/refresh.py)
    refreshed: bool = False
    #: units set here to central's state after a conflict or a refusal
    #: (terminal/central_state.py)
    central_state: int = 0
    #: customer records taken from central this round (terminal/customers.py)
    customers: int = 0
    #: transfers shipped from this store whose copy here took central's (received at the
    #: other store: services/transfers/sent.py)
    sent_transfers: int = 0
    #: quantities (per product, store and document) of entries central did not take, put
    #: back here as they were before the entry (terminal/quantities.py)
    put_back: int = 0
    #: transfers shipped from here that central did not take (a conflict or a refusal),
    #: their copy here marked refused (services/transfers/sent.py)
    refused_transfers: int = 0
    #: transfers received here whose receipt central did not take: their copy here reads
    #: central's again, or refused (services/transfers/incoming.py)
    refused_receipts: int = 0
    #: entries found changed after they were made, refused here unsent
    #: (services/journal_seals.py), each said in words with the units it moved here, put
    #: back as they were before it (terminal/tampered_units.py)
    tampered: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _state_of(verdict: dict[str, Any]) -> str | None:
    if verdict.get("ok"):
        return "accepted"
    code = verdict.get("error")
    if code == "sync_conflict":
        return "conflict"
    if code in RETRY_CODES:
        return None
    return "refused"


_COUNTER = {"accepted": "accepted", "conflict": "conflicts", "refused": "refused"}


def _tampered(changed: journal_seals.Changed, units: list[dict[str, Any]]) -> dict[str, Any]:
    """The verdict the till gives itself for an entry changed after it was made: central
    never saw it, so the units its own events moved here go back as they were before it
    (``central_units``, taken by terminal/central_state.py: terminal/tampered_units.py),
    named with the document the till recorded, for a manager to make it again."""
    undone = f"; undone here: {tampered_units.words(units)}" if units else ""
    return {
        "ok": False,
        "error": "entry_tampered",
        "message": f"{changed.words()}; not sent to central{undone} (make it again if it stands)",
        "central_units": units,
    }


def push(db: Database, client: CentralClient, report: SyncReport, *, store: str) -> None:
    """Send the pending entries of this terminal (of ``store``) and settle each with
    central's verdict; a conflict's or a refusal's units take central's state in the same
    local transaction (terminal/central_state.py)."""
    while True:
        entries = db.read(lambda conn: journal.pending(conn, PUSH_BATCH))
        if not entries:
            return

        # An entry changed after it was made is not sent: refused here, named, the rest go.
        def check(
            conn: Connection, waiting: list[journal.Entry] = entries
        ) -> dict[str, tuple[journal_seals.Changed, list[dict[str, Any]]]]:
            found = journal_seals.changed_among(conn, waiting)
            return {
                e.id: (found[e.id], tampered_units.units_before(conn, e, unsent=found.keys()))
                for e in waiting
                if e.id in found
            }

        changed = db.read(check)
        sent = [e for e in entries if e.id not in changed]
        answers = iter(client.post_lines([e.line for e in sent]) if sent else [])
        verdicts: list[dict[str, Any]] = []
        for entry in entries:
            found = changed.get(entry.id)
            if found is not None:
                verdict = _tampered(*found)
                report.tampered.append(str(verdict["message"]))
                verdicts.append(verdict)
            elif (answer := next(answers, None)) is not None:
                verdicts.append(answer)
            else:
                break  # central stopped answering: the rest wait
        settled: list[tuple[journal.Entry, str, dict[str, Any]]] = []
        wrong_token: CentralRefused | None = None
        for entry, verdict in zip(entries, verdicts, strict=False):
            if verdict.get("error") in TOKEN_CODES:
                wrong_token = CentralRefused(
                    f"central refused this terminal's token: {verdict.get('message')}; "
                    "the journal is kept (give the till a token of its own in its config)",
                    code=str(verdict["error"]),
                )
                break
            state = _state_of(verdict)
            if state is None:
                report.retry += 1
                continue
            if verdict.get("replayed"):
                report.replayed += 1
            name = _COUNTER[state]
            setattr(report, name, getattr(report, name) + 1)
            settled.append((entry, state, verdict))

        def write(
            conn: Connection, settled: list[tuple[journal.Entry, str, dict[str, Any]]] = settled
        ) -> tuple[int, int]:
            answered = [
                (entry, state, verdict)
                for entry, state, verdict in settled
                if journal.settle(conn, entry.id, state, json.dumps(verdict, ensure_ascii=False))
            ]
            # Central kept nothing of a conflict or a refusal: what the entry did to
            # quantities here goes back (terminal/quantities.py), once: settled here only.
            not_taken = [
                (entry, str(verdict.get("error") or "") or None)
                for entry, state, verdict in answered
                if state != "accepted"
            ]
            put = quantities.put_back(conn, not_taken)
            put += sum(
                quantities.follow_count(conn, entry, verdict)
                for entry, state, verdict in answered
                if state == "accepted" and verdict.get("op") == "count"
            )
            taken = central_state.take(
                conn, store=store, answered=[(e, v) for e, _s, v in answered]
            )
            return taken, put

        taken, put = db.write(write)
        report.central_state += taken
        report.put_back += put
        if wrong_token is not None:
            raise wrong_token
        if len(verdicts) < len(entries) or report.retry:
            return  # central stopped answering, or could not apply some: next push


def pull(db: Database, client: CentralClient, chain: ChainConfig, report: SyncReport) -> None:
    central_terminal = db.read(lambda conn: journal.get_state(conn, "central_terminal")) or ""
    after = int(db.read(lambda conn: journal.get_state(conn, "feed_after")) or 0)
    marks = db.read(journal.unit_events)
    ask, newest = feed_memory.first_ask(db, after)
    first = True
    while True:
        page = client.get_json("/v1/events", after=ask if first else after, limit=PULL_PAGE)
        events: list[dict[str, Any]] = page["events"]
        next_after = int(page["next"])
        if first:
            if after > 0:
                _check_not_behind(client, page, after)
            if not feed_memory.agrees(events, newest):  # a restore central has moved past
                raise CentralBehind(feed_memory.diverged_words(newest))
            # The page started at the event remembered (terminal/feed_memory.py): applied.
            events = [e for e in events if int(e["seq"]) > after]
            next_after = max(next_after, after)
        first = False
        if not events:
            if next_after > after:  # other stores' events only: the cursor moves past them
                _set_cursor(db, next_after)
                after = next_after
            break
        cards = _new_products(db, client, events, chain.store)

        def write(
            conn: Connection,
            events: list[dict[str, Any]] = events,
            next_after: int = next_after,
            cards: list[dict[str, Any]] = cards,
        ) -> None:
            known = journal.product_ids(conn)
            for card in cards:
                if card["sku"] not in known:
                    journal.add_product(conn, card)
            apply_events(
                conn,
                events,
                store=chain.store,
                central_terminal=central_terminal,
                count=report.mirror,
            )
            journal.remember_events(conn, feed_memory.seen(events, chain.store))
            journal.set_state(conn, "feed_after", str(next_after))

        db.write(write)
        report.pulled += len(events)
        after = next_after
    report.feed_after = after
    report.mirror.pruned += db.write(lambda conn: journal.drop_unit_events(conn, marks))
    if report.pulled:
        db.write(lambda conn: journal.prune_seen(conn, feed_memory.KEEP))


def _set_cursor(db: Database, after: int) -> None:
    db.write(lambda conn: journal.set_state(conn, "feed_after", str(after)))


def _new_products(
    db: Database, client: CentralClient, events: list[dict[str, Any]], store: str
) -> list[dict[str, Any]]:
    """The catalogue cards of products this store's events name that the terminal does not
    know yet (made at central after its snapshot), fetched before the page is applied."""
    known = db.read(journal.product_ids)
    wanted = sorted(
        {str(e["sku"]) for e in events if e.get("store") == store and e.get("sku") not in known}
    )
    return [client.get_json(f"/v1/products/{quote(sku, safe='')}") for sku in wanted]


def pull_transfers(
    db: Database, client: CentralClient, chain: ChainConfig, report: SyncReport
) -> None:
    """Keep the transfers shipped to this store that the terminal does not hold yet, so
    they can be received here offline too (services/transfers/incoming.py)."""
    from serialpos.services.transfers.incoming import keep_incoming, refused_receipts

    found = client.get_json("/v1/transfers/incoming", store=chain.store)["transfers"]
    # a receipt here central did not take: the copy reads central's (or refused)
    report.refused_receipts += len(
        db.write(lambda conn: refused_receipts(conn, found, chain.store))
    )
    if not found:
        return
    events = [{"store": chain.store, "sku": ln["sku"]} for t in found for ln in t["lines"]]
    cards = _new_products(db, client, events, chain.store)

    def write(conn: Connection) -> list[str]:
        known = journal.product_ids(conn)
        for card in cards:
            if card["sku"] not in known:
                journal.add_product(conn, card)
        return keep_incoming(conn, found, chain.store)

    report.transfers += len(db.write(write))


def follow_sent_transfers(
    db: Database, client: CentralClient, chain: ChainConfig, report: SyncReport
) -> None:
    """Make this terminal's copy of the transfers it holds as shipped from its store what
    central has (received at the other store, and their units there), so the sender's copy
    follows central though its store's feed never carries the other store's receipt. A
    shipment of its own that central did not take is marked refused, and asked no more. The
    units it has in transit at another store are asked for by serial too (another till of
    the store shipped most of them: it holds no copy of that transfer): they take central's
    state."""
    from serialpos.services.transfers.sent import (
        MAX_ASKED,
        follow_sent,
        in_transit_elsewhere,
        refuse_unknown,
        shipped_here,
    )

    numbers = db.read(lambda conn: shipped_here(conn, chain.store))
    serials = db.read(lambda conn: in_transit_elsewhere(conn, chain.store))
    asks = [("number", numbers[i : i + MAX_ASKED]) for i in range(0, len(numbers), MAX_ASKED)]
    asks += [("serial", serials[i : i + MAX_ASKED]) for i in range(0, len(serials), MAX_ASKED)]
    for key, asked in asks:
        found = client.get_json("/v1/transfers/sent", store=chain.store, **{key: asked})
        found = found["transfers"]
        by_number = asked if key == "number" else []

        def write(
            conn: Connection, found: list[dict[str, Any]] = found, by_number: list[str] = by_number
        ) -> tuple[int, int, int]:
            changed = follow_sent(conn, found, chain.store)
            refused = refuse_unknown(conn, by_number, found, chain.store)
            # Its units took central's state with the verdict; its quantities come back.
            central_state.put_back_quantities(conn, refused, store=chain.store)
            taken = 0
            for data in found:
                source = central_state.Source("sync", "central", "transfer", str(data["number"]))
                taken += central_state.take_units(
                    conn, data["central_units"], store=chain.store, source=source
                )
            return len(changed), len(refused), taken

        changed, refused, taken = db.write(write)
        report.sent_transfers += changed
        report.refused_transfers += refused
        report.central_state += taken
    follow_away(db, client, chain, report)


def follow_away(
    db: Database, client: CentralClient, chain: ChainConfig, report: SyncReport
) -> None:
    """Make this terminal's copy of the units its store shipped central's, wherever they went
    since (sold, returned, shipped on at the other store: none of it is in this store's
    feed): central is asked, with a feed cursor of the till's own (``away_after``, started
    at the store's feed cursor), for the units shipped from this store that moved at another
    store since, and each takes central's state (services/transfers/away.py). The units a
    refusal of this till's entries gave up to another store are named (``follow``, at most
    100 an ask: each hundred reads the window again, and the cursor moves to the end the
    first read reached). A unit an entry still waiting here names is left to that entry's
    verdict."""
    from serialpos.services.transfers.sent import MAX_ASKED, given_away

    start = int(
        db.read(lambda conn: journal.get_state(conn, "away_after"))
        or db.read(lambda conn: journal.get_state(conn, "feed_after"))
        or 0
    )
    named = db.read(lambda conn: given_away(conn, chain.store))
    chunks = [named[i : i + MAX_ASKED] for i in range(0, len(named), MAX_ASKED)] or [[]]
    ends: list[int] = []
    for follow in chunks:
        after = start
        while True:
            away = client.get_json(
                "/v1/transfers/sent", store=chain.store, after=after, follow=follow
            ).get("away")
            if away is None:
                return  # a central that does not follow them yet

            def write(conn: Connection, away: dict[str, Any] = away) -> int:
                source = central_state.Source("sync", "central", "feed", str(away["next"]))
                return central_state.take_followed(
                    conn, away["units"], store=chain.store, source=source
                )

            report.central_state += db.write(write)
            after = int(away["next"])
            if not away.get("more"):
                break
        ends.append(after)
    # Each read went to the feed's end as it found it; the earliest end is where every
    # read had reached (a later read of the same events changes nothing).
    db.write(lambda conn: journal.set_state(conn, "away_after", str(min(ends))))


class CentralBehind(DomainError):
    code = "central_behind"


def _check_not_behind(client: CentralClient, page: dict[str, Any], after: int) -> None:
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


def _not_behind_before_push(db: Database, client: CentralClient) -> None:
    """With entries waiting, make sure central is not behind this till before sending them:
    pushed onto central restored from an older backup, a sale of a unit whose receipt it
    lost came back a conflict, and the till took central's older state (the unit written
    off here) while the sync said nothing had changed. One small read, only when something
    waits."""
    after = int(db.read(lambda conn: journal.get_state(conn, "feed_after")) or 0)
    if after > 0 and db.read(journal.counts)[0]:
        ask, newest = feed_memory.first_ask(db, after)
        page = client.get_json("/v1/events", after=ask, limit=1)
        _check_not_behind(client, page, after)
        if not feed_memory.agrees(page["events"], newest):
            raise CentralBehind(feed_memory.diverged_words(newest))


def sync_once(db: Database, chain: ChainConfig, client: CentralClient) -> SyncReport:
    """Push, then pull. Raises ``Offline`` when central cannot be reached (nothing lost)."""
    report = SyncReport()
    _not_behind_before_push(db, client)
    try:
        push(db, client, report, store=chain.store)
    except CentralRefused as exc:
        if exc.code != "terminal_not_linked":
            raise
        # A new token for this terminal (after a revocation): the snapshot's reference part
        # binds it to this terminal, as `terminal init` bound the first; then push again.
        refresh.refresh(db, chain, client)
        report.refreshed = True
        push(db, client, report, store=chain.store)
    # Pull only when everything made here has been answered: a pulled event must never
    # overtake a local entry central has not seen (the next round pulls).
    if db.read(journal.counts)[0] == 0:
        pull(db, client, chain, report)
        if refresh.due(db):
            refresh.refresh(db, chain, client)
            report.refreshed = True
        pull_transfers(db, client, chain, report)
        report.customers = pull_customers(db, client)
        follow_sent_transfers(db, client, chain, report)
    else:
        report.feed_after = int(db.read(lambda conn: journal.get_state(conn, "feed_after")) or 0)
    report.pending = db.read(journal.counts)[0]
    return report
