"""A till's copies of its store's sales made elsewhere, taken by the pull (issue 16).

A customer may bring a unit back to any till of the store that sold it. The pull applies
the sale's event (the unit reads sold here), but the order it names — made at another till
of the store or at central's counter — is a row of central's database, not this till's.
So for each sale event of its store that names an order this till does not hold, the pull
asks central for the order (``GET /v1/snapshot?part=orders``, services/snapshot.py) before
the page is applied, and takes it with the page, in the same local transaction
(db/order_copy_sql.py): order, lines, invoices and payments as central has them then, the
order marked a copy (its ``terminal``: ``copy:`` and the terminal that made it), so the
till's sales reports leave the other till's sale out (services/sale_copies.py).

A sale of a unit this till sold too (its own sale not taken by central, a conflict) is not
copied: the unit's card keeps the till's own sale, NOT TAKEN, until a manager resolves it.

With the copy the till takes the return offline too, exactly as one of its own sales: the
unit back in stock, a refund note numbered by this till, the refund paid in its shift, and
``order_return`` journaled by the order's number and the lines' numbers, so central marks
its line returned and keeps the refund note. Later returns of the order elsewhere reach the
copy as for the till's own orders (terminal/returned_lines.py). A central that does not know
``part=orders`` (older) answers with a refusal: the pull goes on without copies.

A copy follows central: when any event of the page names an order this till holds as a
copy (a line of it fulfilled later at the till that sold it, a return at a third till), the
order is asked for again with the others and the copy brought forward to it, never back
(db/order_refresh_sql.py). It was taken once only: a special order's line fulfilled later
at A read open at B, whose return of it was refused.

The till's own orders follow central's void: an event of another (central's release of a
unit the order held, on a void made at central) naming an order of the till's own still open
or parked here asks for it too, and if central voided it the till's order is voided with
central's refunds (db/order_follow_sql.py). It stayed open and paid here for good. So does
central's fulfilment of it (its sale event names it): the till's order takes central's rows,
fulfilled, with central's payments it lacks.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.engine import Connection

from serialpos.config import ChainConfig
from serialpos.db import order_copy_sql, order_follow_sql, order_refresh_sql
from serialpos.db.engine import Database
from serialpos.services.orders.views import DOCUMENT_TYPE
from serialpos.services.sale_copies import COPY_MARK
from serialpos.terminal.client import CentralClient, CentralRefused

log = logging.getLogger(__name__)

#: Orders asked for in one request (services/snapshot.py ``ORDERS_AT_ONCE``).
ASK_AT_ONCE = 100

Copy = dict[str, Any]


def named_sales(
    events: list[dict[str, Any]], store: str, central_terminal: str
) -> dict[str, list[str]]:
    """The order numbers this store's sale events name, made by anyone but this till, each
    with the serials the events name."""
    found: dict[str, list[str]] = {}
    for e in events:
        document = e.get("document") or {}
        if (
            e.get("store") == store
            and e.get("action") == "sell"
            and e.get("terminal") != central_terminal
            and document.get("type") == DOCUMENT_TYPE
            and isinstance(document.get("id"), str)
        ):
            serials = found.setdefault(document["id"], [])
            if isinstance(e.get("serial"), str):
                serials.append(e["serial"])
    return found


def named_orders(events: list[dict[str, Any]], store: str, central_terminal: str) -> set[str]:
    """The order numbers any event of this store names, made by anyone but this till (a
    copy this till holds is brought forward when one is named: :func:`take`)."""
    return {
        document["id"]
        for e in events
        if e.get("store") == store
        and e.get("terminal") != central_terminal
        and isinstance(document := e.get("document") or {}, dict)
        and document.get("type") == DOCUMENT_TYPE
        and isinstance(document.get("id"), str)
    }


def central_rows(client: CentralClient, chain: ChainConfig, numbers: list[str]) -> Copy:
    """Central's rows of this store's orders ``numbers`` (at most :data:`ASK_AT_ONCE`):
    ``GET /v1/snapshot?part=orders`` (services/snapshot.py). Raises ``CentralRefused`` from a
    central too old to send them."""
    rows: Copy = client.get_json(
        "/v1/snapshot", store=chain.store, terminal=chain.terminal, part="orders", number=numbers
    )
    return rows


def fetch(
    db: Database,
    client: CentralClient,
    chain: ChainConfig,
    events: list[dict[str, Any]],
    central_terminal: str,
) -> list[Copy]:
    """Central's rows of the orders this page's sale events name that the till does not
    hold yet, and of the copies it holds that any of the page's events names (a line
    fulfilled or returned elsewhere since the copy was taken) or of its own orders open
    here that they name (voided at central meanwhile), to take with the page
    (:func:`take`)."""
    named = named_sales(events, chain.store, central_terminal)
    others = named_orders(events, chain.store, central_terminal)
    if not named and not others:
        return []
    serials = sorted({s for found in named.values() for s in found})

    def read(conn: Connection) -> tuple[set[str], set[str], set[str], set[str]]:
        return (
            order_copy_sql.held(conn, list(named)),
            order_copy_sql.sold_here(conn, serials, COPY_MARK),
            order_copy_sql.copies_held(conn, sorted(others), COPY_MARK),
            order_follow_sql.own_open(conn, sorted(others), COPY_MARK),
        )

    held, sold_here, copies_held, own_open = db.read(read)
    # A unit this till sold too (its sale central did not take: a conflict) keeps the till's
    # own sale on its card, NOT TAKEN; the other till's sale of it is returned at central.
    wanted = [n for n, found in named.items() if n not in held and not sold_here & set(found)]
    wanted += sorted((copies_held | own_open) - set(wanted))
    copies: list[Copy] = []
    for start in range(0, len(wanted), ASK_AT_ONCE):
        try:
            copies.append(central_rows(client, chain, wanted[start : start + ASK_AT_ONCE]))
        except CentralRefused as exc:  # an older central: no copies, the pull goes on
            log.warning("central sent no copy of orders %s: %s", wanted[start], exc.message)
            break
    return copies


def take(conn: Connection, copies: list[Copy]) -> tuple[int, int]:
    """Take the copies in the page's transaction: the copies held already brought forward
    to central's rows (db/order_refresh_sql.py), the till's own orders voided at central
    voided here (db/order_follow_sql.py), the others taken; (orders taken, lines of copies
    marked returned)."""
    taken = returned = 0
    for copy in copies:
        returned += order_refresh_sql.refresh(conn, copy, COPY_MARK)[1]
        order_follow_sql.follow_voids(conn, copy, COPY_MARK)
        order_follow_sql.follow_fulfilled(conn, copy, COPY_MARK)
        taken += len(order_copy_sql.take_orders(conn, copy, COPY_MARK))
    return taken, returned
