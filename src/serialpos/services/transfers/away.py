"""A store's shipped units, followed at the other stores (issue 16).

A store terminal holds a copy of every unit its store shipped to another store: the
shipment is in its store's feed, and the receipt there reaches it by the sender's follow of
the transfer (services/transfers/sent.py). After that the unit is the other store's: it is
sold, returned, shipped on, and none of it is in the sending store's feed. A till that
stopped following it would go on showing it in stock at the other store after it was sold
there. So the till asks central, with a cursor of its own on the event feed, for the units
its store shipped that moved at another store since (``GET /v1/transfers/sent?after=``),
and takes central's state of each (terminal/follow_transfers.py). The till's copy of every unit its
store shipped is then central's, wherever the unit went, at the cost of the events of the
window since the last ask (never the store's whole history): a cursor, not a list of
serials that grows with every shipment. A unit a conflict sent away (the same new serial
received at two stores offline: the losing store's tills give their copy up to the store
central has it at, terminal/central_state.py) is followed the same way: the conflict, of an
entry made at the store, names it. A unit a **refusal** gave up to another store (a receipt
central refused for its number, of a serial central has at another store) is named by
nothing central keeps (a refusal records nothing): the till names it itself (``follow``,
services/transfers/sent.py ``given_away``) for as long as it holds it at another store.

The page is read in one snapshot with the feed's last number, as a store's feed page is
(services/feed.py): when it is not full, its ``next`` is that last number, every event up to
it being visible there; so no event of such a unit is ever skipped by the cursor.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Connection

from serialpos.db import away_sql, conflict_sql, repo, snapshot_sql
from serialpos.db import feed as feed_sql
from serialpos.db.engine import Database
from serialpos.domain.errors import BadRequest
from serialpos.domain.users import Permission
from serialpos.services.context import Actor

#: The most events one answer reads (the units are at most as many).
MAX_EVENTS = 1000


def away_json(
    db: Database, actor: Actor, store: str, after: int, follow: Sequence[str] = ()
) -> dict[str, Any]:
    """Central's state (``units``: serial, sku, store, state, event, as a conflict's
    ``central_units``) of the units shipped from ``store`` (or named by its conflicts, or
    one of ``follow``: serials the till asks for, at most 100) that moved at another store
    in the feed after ``after``, the cursor to ask with ``next``, and ``more``: whether a
    full page was read (ask again at once). The sell permission, as for the transfers."""
    actor.require(Permission.SELL)
    if after < 0:
        raise BadRequest("'after' must be 0 or a number of the event feed")

    def read(conn: Connection) -> dict[str, Any]:
        snapshot_sql.begin_consistent_read(conn)  # before any other statement
        here = repo.store_id(db, conn, store)
        events = away_sql.away_events(conn, here, after, MAX_EVENTS, follow)
        more = len(events) == MAX_EVENTS
        last = feed_sql.last_seq(conn)
        after_page = events[-1][0] if more else max(after, last)
        wanted = {(serial, sku) for _seq, serial, sku in events}
        units = [
            {"serial": s, "sku": k, "store": at, "state": state, "event": event}
            for s, k, at, state, event in conflict_sql.unit_states(
                conn, sorted({s for s, _k in wanted})
            )
            if (s, k) in wanted
        ]
        return {"units": units, "next": after_page, "more": more}

    return db.read(read)
