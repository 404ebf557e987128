"""After the pull, a sync round follows the store's transfers at central: those shipped to
it (kept here to be received offline, :func:`pull_transfers`), those it shipped
(:func:`follow_sent_transfers`), and the units its store shipped, wherever they went since
(:func:`follow_away`); and its open ASNs (:func:`pull_asns`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.engine import Connection

from serialpos.config import ChainConfig
from serialpos.db import journal, mirror_sql
from serialpos.db.engine import Database
from serialpos.terminal import central_state
from serialpos.terminal.client import ROUTE_MISSING, CentralClient, CentralRefused
from serialpos.terminal.pull import new_products
from serialpos.terminal.sync_report import SyncReport


def pull_transfers(
    db: Database, client: CentralClient, chain: ChainConfig, report: SyncReport
) -> None:
    """Keep the transfers shipped to this store that the terminal does not hold yet, so
    they can be received here offline too (services/transfers/incoming.py)."""
    from serialpos.services.transfers.incoming import keep_incoming, refused_receipts

    answer = client.get_json("/v1/transfers/incoming", store=chain.store)
    found = answer["transfers"]
    # a receipt here central did not take: the copy reads central's (or refused)
    report.refused_receipts += len(
        db.write(lambda conn: refused_receipts(conn, found, chain.store))
    )
    report.transfers += _kept(db, client, chain, found, keep_incoming)
    bare = answer.get("units_in_transit") or []  # a central older than this names none
    if bare:
        from serialpos.services.transfers.bare import keep_in_transit

        db.write(lambda conn: keep_in_transit(conn, bare, chain.store))


def pull_asns(db: Database, client: CentralClient, chain: ChainConfig, report: SyncReport) -> None:
    """Keep the store's open ASNs the terminal does not hold yet (imported at central after
    it was set up), and make its copy of an ASN whose receipt here central did not take
    read central's again (services/asn/till_copy.py)."""
    from serialpos.services.asn.till_copy import keep_open, refused_receipts

    try:
        found = client.get_json("/v1/asns/open", store=chain.store)["asns"]
    except CentralRefused as exc:
        if exc.code in ROUTE_MISSING:
            return  # a central older than this: the snapshot's ASNs only, as before
        raise
    report.refused_asn_receipts += len(
        db.write(lambda conn: refused_receipts(conn, found, chain.store))
    )
    report.asns += _kept(db, client, chain, found, keep_open)


def _kept(
    db: Database,
    client: CentralClient,
    chain: ChainConfig,
    found: list[dict[str, Any]],
    keep: Callable[[Connection, list[dict[str, Any]], str], list[str]],
) -> int:
    """How many of central's documents ``found`` (incoming transfers, open ASNs) ``keep``
    newly kept here, in one transaction with the cards of products they name that this
    terminal does not hold yet (fetched first, outside it)."""
    if not found:
        return 0
    events = [{"store": chain.store, "sku": ln["sku"]} for d in found for ln in d["lines"]]
    cards = new_products(db, client, events, chain.store)

    def write(conn: Connection) -> list[str]:
        known = mirror_sql.product_ids(conn)
        for card in cards:
            if card["sku"] not in known:
                mirror_sql.add_product(conn, card)
        return keep(conn, found, chain.store)

    return len(db.write(write))


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
