"""A store terminal's token reads and acts in its own store only, on every route of its sync
(issue 16, "Bad input"), as it does on ``POST /v1/apply`` (services/apply/home_store.py) and
``GET /v1/events`` (services/feed.py).

``GET /v1/transfers/incoming``, ``/v1/transfers/sent`` (with its ``away`` part) and
``/v1/asns/open`` took any ``store=``, so the till of S02 read S01's transfers, ASNs and
the units shipped from S01; and ``POST /v1/conflicts/{id}/resolve`` resolved a conflict of
S01 from the till of S02, with a manager at it. A read of another store is now refused
``permission_denied`` (403), as the feed refuses one; a resolution of another store's
conflict ``wrong_store``, as ``apply`` refuses a line acting there. A token bound to no
terminal (an admin's, a host system's) keeps every store. The snapshot binds the token
to its store (another store is ``token_in_use``), leases are the token's own terminal's,
and customer records are the chain's, in no store.

The lookups a host makes were chain-wide for a till's token too: ``GET /v1/orders/{order}``,
``/v1/serials/{serial}``, ``/v1/serials?prefix=``, ``/v1/stock``, ``/v1/apply/status`` and
``/v1/reports/sales-detail``. One thing of another store (an order, a unit, a line's
outcome) is refused ``permission_denied`` as the transfers are; a listing asked for another
store too, and asked for no store it lists the till's own (:func:`store_to_read`), as the
conflict list does. The catalogue (``/v1/products``) is the chain's, as the snapshot gives
it to every till.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection

from serialpos.db import conflict_sql
from serialpos.db.engine import Database
from serialpos.domain.errors import PermissionDenied
from serialpos.domain.text import clip
from serialpos.services import terminal_links, tokens
from serialpos.services.context import Actor

if TYPE_CHECKING:
    from serialpos.services.lookup import UnitCard


def home_of(db: Database, actor: Actor) -> tuple[str, str] | None:
    """(terminal id, store code) of ``actor``'s token when it is bound to a store terminal;
    None for any other actor (a token of no terminal, a person at central)."""
    if not actor.terminal.startswith(tokens.TERMINAL_PREFIX):
        return None
    return db.read(lambda conn: terminal_links.link_in(conn, db, actor.terminal))


def require_own_store(db: Database, actor: Actor, store: str, what: str) -> None:
    """Refuse (``permission_denied``) a store terminal's token reading ``what`` of a store
    other than its own."""
    home = home_of(db, actor)
    if home is not None and home[1] != store:
        raise _not_yours(home, what, store)


def _not_yours(home: tuple[str, str], what: str, store: str) -> PermissionDenied:
    return PermissionDenied(
        f"this token belongs to terminal {home[0]} of store {home[1]}; it may not read "
        f"{what} of store {clip(store)}"
    )


@dataclass(frozen=True)
class Reader:
    """Who reads through a lookup route: the token's actor and, when the token is a store
    terminal's, that terminal and its store (``home``); None for a token of no terminal."""

    actor: Actor
    home: tuple[str, str] | None


def reader(db: Database, bearer: tokens.Bearer) -> Reader:
    """The token checked and its terminal's store read in one transaction: a host's token,
    bound to no terminal, is read on every request (it may be bound at any moment), and a
    transaction of its own for that doubled the lookups' (a till's link is kept after its
    first read: services/terminal_links.py)."""

    def work(conn: Connection) -> Reader:
        actor = bearer.actor_in(conn)
        if not actor.terminal.startswith(tokens.TERMINAL_PREFIX):
            return Reader(actor, None)
        return Reader(actor, terminal_links.link_in(conn, db, actor.terminal))

    return db.read(work)


def require_own(who: Reader, store: str, what: str) -> None:
    """:func:`require_own_store` for a reader: ``what`` of another store is refused."""
    if who.home is not None and who.home[1] != store:
        raise _not_yours(who.home, what, store)


def store_to_read(who: Reader, asked: str | None, what: str) -> str | None:
    """The store a listing (the stock, the sales detail, a serial search) reads: a store
    terminal's token its own, asked or not (another store is refused ``permission_denied``);
    any other token the store it asked for (None: every store)."""
    if who.home is None:
        return asked
    require_own(who, asked or who.home[1], what)
    return who.home[1]


def own_units(who: Reader, serial: str, cards: list[UnitCard]) -> list[UnitCard]:
    """The units with ``serial`` a store terminal's token may read: its own store's (a unit
    in transit belongs to the store it is shipped to). Units of that serial in other stores
    only: refused ``permission_denied``, as a transfer of another store is."""
    if who.home is None:
        return cards
    own = [c for c in cards if c.store == who.home[1]]
    if cards and not own:
        raise _not_yours(who.home, f"the unit with the serial {clip(serial)}", cards[0].store)
    return own


def require_own_lines(db: Database, who: Reader, answers: Sequence[dict[str, Any]]) -> None:
    """Refuse (``permission_denied``) a store terminal's token reading what became of a line
    its store's terminals did not send (``GET /v1/apply/status``): another store's till's,
    a host's or one entered at central. An id never applied tells nothing, and is answered."""
    home = who.home
    if home is None:
        return
    applied = [a for a in answers if a.get("status") == "applied"]
    names = sorted({str(a["terminal"]) for a in applied})
    stores = db.read(lambda conn: conflict_sql.stores_of_terminals(conn, names)) if names else {}
    for answer in applied:
        if stores.get(str(answer["terminal"])) != {home[1]}:
            raise PermissionDenied(
                f"this token belongs to terminal {home[0]} of store {home[1]}; it may read "
                f"the lines its store's terminals sent only: line {clip(str(answer['id']))} "
                f"was not sent from store {home[1]}"
            )


def require_own_conflict(db: Database, actor: Actor, conflict_id: int) -> None:
    """Refuse (``wrong_store``) a store terminal's token resolving a conflict of another
    store; an unknown conflict is named by the resolution itself (``unknown_conflict``)."""
    from serialpos.services.conflicts import UnknownConflict, WrongStore, show

    home = home_of(db, actor)
    if home is None:
        return
    try:
        store = show(db, conflict_id).get("store")
    except UnknownConflict:
        return
    if store is not None and store != home[1]:
        raise WrongStore(
            f"terminal {home[0]} belongs to store {home[1]}; it may not resolve conflict "
            f"{conflict_id} of store {clip(str(store))}"
        )
