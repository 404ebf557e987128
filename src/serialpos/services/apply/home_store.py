"""Which store an ``apply`` line acts in, and the rule that a store terminal's token acts in
its own store only (issue 16, "Bad input").

A token bound to a terminal (services/snapshot.py ``link``) is that till's: it reads its own
store's events only, and every line it sends must act there too. Its journal entries were
checked by the ``store`` they named only, and its plain lines (no ``journal``) not at all, so
the token of a till of S02 could sell a unit of S01 or take S01's stock down through
``POST /v1/apply``. Each line is now refused ``wrong_store`` when it acts in another store,
whichever key says so:

* ``store``: the store a move, a document, a count, an ASN receipt or a new order is at
  (``receive``, ``sell``, ``return``, ``rtv``, ``adjust``, ``count``, ``asn_receive``,
  ``order_create``, and an ``order_return``'s store the units come back to). A
  ``transfer_out`` acts at its ``store``, the sender: its ``to`` names the other store, as a
  shipment must. A ``transfer_in`` acts at its ``store``, the receiver: the transfer it names
  comes from another store, as a receipt does (services/transfers checks that the transfer
  goes from and to the stores the line names).
* ``order``: the order an order operation changes is its store's (``order_set_serial``,
  ``order_amend``, ``order_fulfil``, ``order_void``, ``order_pay``, ``order_park``,
  ``order_return``).
* ``exchange_of``: the refund note whose credit an exchange's ``order_create`` spends is
  its order's store's.

``customer_upsert`` acts in no store: customer records are the chain's. A token bound to no
terminal (an admin's, a host system's) keeps its access to every store. An unknown store or
order is left to the operation, which names it as ever (``unknown_store``,
``unknown_order``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_repo
from serialpos.db.engine import Database
from serialpos.domain.text import clip
from serialpos.services import terminal_links, tokens
from serialpos.services.context import Actor
from serialpos.services.terminal_links import WrongStore

#: Operations that change an order named by ``order``: they act in that order's store.
ORDER_OPS = frozenset(
    {
        "order_set_serial",
        "order_amend",
        "order_fulfil",
        "order_void",
        "order_pay",
        "order_refund",
        "order_park",
        "order_return",
    }
)


def _order_store(conn: Connection, number: Any) -> str | None:
    if not isinstance(number, str) or not number.strip():
        return None
    row = order_repo.order_row(conn, number.strip())
    return None if row is None else str(row._mapping["store_code"])


def _refund_note_store(conn: Connection, number: Any) -> str | None:
    """The store of the order whose refund note ``number`` is (an exchange's credit)."""
    if not isinstance(number, str) or not number.strip():
        return None
    i, o = order_repo.invoice_t.c, order_repo.order_t.c
    holder = conn.execute(
        sa.select(o.number)
        .join(order_repo.invoice_t, i.order_id == o.id)
        .where(i.number == number.strip())
    ).scalar()
    return None if holder is None else _order_store(conn, holder)


def stores_acted_in(conn: Connection, data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(store code, what names it) for each store the line ``data`` acts in, as far as it
    names them; empty for a line that acts in no store or names none it could be read from."""
    found: list[tuple[str, str]] = []
    store = data.get("store")
    if isinstance(store, str):
        found.append((store, f"store {clip(store)}"))
    op = data.get("op")
    if op in ORDER_OPS:
        at = _order_store(conn, data.get("order"))
        if at is not None:
            found.append((at, f"order {clip(str(data['order']).strip())} of store {at}"))
    if op == "order_create":
        at = _refund_note_store(conn, data.get("exchange_of"))
        if at is not None:
            note = clip(str(data["exchange_of"]).strip())
            found.append((at, f"refund note {note} of store {at}"))
    return found


def check_in(conn: Connection, terminal: str, home: str, data: Mapping[str, Any]) -> None:
    """Refuse ``data`` (``wrong_store``) when it acts in a store other than ``home``, the
    store of the terminal ``terminal`` whose token sent it."""
    for store, named in stores_acted_in(conn, data):
        if store != home:
            raise WrongStore(
                f"terminal {terminal} belongs to store {home}; it may not record at {named}"
            )


def check_token_line(db: Database, actor: Actor, data: Mapping[str, Any]) -> None:
    """:func:`check_in` for a line sent with a token (``actor``'s terminal ``api:<name>``)
    bound to a store terminal; nothing for any other actor (a token of no terminal, a
    person at a console or the CLI). One read, before the line's own transaction: a link
    never changes once made, nor an order's store."""
    if not actor.terminal.startswith(tokens.TERMINAL_PREFIX):
        return

    def read(conn: Connection) -> None:
        link = terminal_links.link_in(conn, db, actor.terminal)
        if link is not None:
            check_in(conn, link[0], link[1], data)

    db.read(read)
