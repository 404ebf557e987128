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
"""

from __future__ import annotations

from serialpos.db.engine import Database
from serialpos.domain.errors import PermissionDenied
from serialpos.domain.text import clip
from serialpos.services import terminal_links, tokens
from serialpos.services.context import Actor


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
        raise PermissionDenied(
            f"this token belongs to terminal {home[0]} of store {home[1]}; it may not read "
            f"{what} of store {clip(store)}"
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
