"""A till follows the money central takes on its own open orders (issue 16).

A part payment taken at central on a layby this till made (at the head office, by a host's
``order_pay``) moves no unit: no event of the feed names the order, so the pull never asked
for it, and the till showed the layby owing what it owed before. The cashier then took the
whole balance again at collection (db/order_follow_sql.py). So at each round that pulls,
this till's own orders open or parked here that hold a payment, and its own open laybys
and special orders holding none (laid by without a deposit), are asked for
(``GET /v1/snapshot?part=orders``, as copies are: terminal/order_copies.py) and each
payment central has that the till lacks is taken (central's drawer: no shift); an order
central voided meanwhile is voided here with its refunds, one it fulfilled is fulfilled here
with its payments, as when the pull names it.
None is asked when the till holds no such order (the common case: one local read), and the
console's rounds (every few seconds) ask at most once every :data:`ASK_EVERY` seconds: a
part payment at the head office reaches the till within a minute, and a chain of a
thousand stores with laybys open does not ask central for them 12 times a minute per
till. ``serialpos sync`` run once asks every time (a person or a script waiting on it).

The write happens only when nothing waits to be pushed, read in its own transaction: a
payment taken here while central's rows were on their way is not at central yet, and its
amount could pass for one of central's (matched by kind, method and amount); the next
round follows again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from serialpos.config import ChainConfig
from serialpos.db import journal, order_follow_sql
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.services.sale_copies import COPY_MARK
from serialpos.terminal.client import CentralClient, CentralRefused
from serialpos.terminal.order_copies import ASK_AT_ONCE, central_rows

log = logging.getLogger(__name__)

#: Seconds between two asks of a till's own open orders in its background rounds.
ASK_EVERY = 60
#: The journal's state key: when this till last asked (ISO time, the till's clock).
ASKED_AT = "own_orders_at"


def _due(conn: Connection) -> bool:
    """Whether the background round asks again: never asked, asked :data:`ASK_EVERY`
    seconds ago or more, or at a time after the till's clock now (a clock that ran ahead
    never freezes the asks: terminal/refresh.py ``due``)."""
    last = journal.get_state(conn, ASKED_AT)
    if last is None:
        return True
    try:
        then = datetime.fromisoformat(last)
    except ValueError:
        return True
    now = utcnow()
    return then > now or now - then >= timedelta(seconds=ASK_EVERY)


def follow_own_orders(
    db: Database, client: CentralClient, chain: ChainConfig, *, now: bool = False
) -> int:
    """Take central's payments on this till's own open orders holding money (module doc);
    how many payments were taken. ``now``: ask whenever the last ask was (a one-off
    ``serialpos sync``); else at most every :data:`ASK_EVERY` seconds."""
    if not now and not db.read(_due):
        return 0
    numbers = db.read(lambda conn: order_follow_sql.own_open_paid(conn, COPY_MARK))
    if not numbers:
        return 0  # nothing to ask (no write either: the common case costs one read)
    db.write(lambda conn: journal.set_state(conn, ASKED_AT, utcnow().isoformat()))
    taken = 0
    for start in range(0, len(numbers), ASK_AT_ONCE):
        asked = numbers[start : start + ASK_AT_ONCE]
        try:
            copy = central_rows(client, chain, asked)
        except CentralRefused as exc:  # an older central: the next round asks again
            log.warning("central sent no rows of orders %s: %s", asked[0], exc.message)
            break

        def work(conn: Connection, copy: dict[str, Any] = copy) -> int:
            if journal.counts(conn)[0]:
                return 0  # an act of this till waits to be pushed: the next round
            order_follow_sql.follow_voids(conn, copy, COPY_MARK)
            order_follow_sql.follow_fulfilled(conn, copy, COPY_MARK)
            return order_follow_sql.follow_payments(conn, copy, COPY_MARK)

        taken += db.write(work)
    return taken
