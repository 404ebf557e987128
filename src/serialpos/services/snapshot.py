"""What central sends a store terminal to start from (``GET /v1/snapshot?store=``).

One consistent read: the catalogue, stores, settings, users (their PIN hashes: a till checks
PINs offline), the store's units and stock, and the feed number the snapshot is current to,
so the terminal's first pull starts exactly after it. Asking binds the token's terminal to
the store and terminal id (db/sync_tables.py ``terminal_link``): one token, one terminal, so
the events a terminal made are told apart in the feed by the token's terminal name.
The store's open documents come with it (db/snapshot_sql.py ``DOCUMENT_TABLES``): open ASNs
with their lines and saved scans (and each announced unit names its ASN line, so the terminal
records it as announced), transfers shipped to the store and not yet received, and open
counts; so receiving and counting work offline. So do the chain's customer records (taken by
key, services/customer_sync.py). Orders are not (a store's years of sales): a till asks for
the orders of its store it learns of from the feed, made at another till or at central
(:func:`orders`, terminal/order_copies.py), so a customer may return any of the store's sales
at any of its tills.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from serialpos.db import conflict_sql, order_copy_sql, repo, snapshot_sql, token_use
from serialpos.db import feed as feed_sql
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.errors import BadRequest, DomainError
from serialpos.domain.text import clip, has_control_chars
from serialpos.domain.users import Permission, Role
from serialpos.services import customer_sync
from serialpos.services.context import Actor
from serialpos.services.feed import FeedEvent
from serialpos.services.tokens import TERMINAL_PREFIX


class TokenInUse(DomainError):
    code = "token_in_use"


class AdminToken(DomainError):
    """An admin's token, never used yet, given to a till: not bound (see :func:`link`)."""

    code = "admin_token"


def _check_id(terminal_id: str) -> str:
    if not terminal_id.strip() or len(terminal_id) > 64 or has_control_chars(terminal_id):
        raise BadRequest("'terminal' must be text of 1 to 64 characters")
    return terminal_id


def link(db: Database, actor: Actor, store: str, terminal_id: str) -> None:
    """Bind the token's terminal to (store, terminal id); the same again is fine, another
    terminal or store on the same token is refused: give each terminal its own token. So is
    a token that has already recorded at central as a token of no terminal (a host
    system's, an admin's, put in a till's config): bound, it would act and read at this
    store only, and the system using it would be refused everywhere else.

    An admin's token not used yet is refused too (``admin_token``): nothing tells a host's
    new token from a till's but its user, and an admin's is central's, for every store and
    user; bound, the admin's token would be held to one store, and the till would hold a
    secret with the rights to manage users and stores. A till's token is a store user's
    (a manager's, a cashier's); a till bound to an admin's token before keeps it."""
    actor.require(Permission.SELL)
    _check_id(terminal_id)

    def work(conn: Connection) -> None:
        here = repo.store_id(db, conn, store)
        found = conflict_sql.link_of(conn, actor.terminal)
        if found is None and token_use.has_recorded(conn, actor.terminal):
            raise TokenInUse(
                f"this token ({actor.terminal.removeprefix('api:')}) already records at "
                "central for no terminal (a host system's or an admin's, every store); "
                f"bound to terminal {clip(terminal_id)} it would act at store {store} only: "
                f"create a token for terminal {clip(terminal_id)}"
            )
        if found is None and actor.role is Role.ADMIN and _is_token(actor):
            raise AdminToken(
                f"this token ({actor.terminal.removeprefix(TERMINAL_PREFIX)}) is admin "
                f"{actor.user}'s, which acts at every store: a till is not given an "
                f"admin's token; create a token for terminal {clip(terminal_id)} of a "
                "manager or a cashier (serialpos token create USER --name NAME)"
            )
        if found is None:
            conflict_sql.add_link(conn, actor.terminal, terminal_id, here)
        elif found != (terminal_id, store):
            raise TokenInUse(
                f"this token already belongs to terminal {found[0]} at store "
                f"{found[1]}; create a token for terminal {clip(terminal_id)}"
            )

    db.write(work)


def _is_token(actor: Actor) -> bool:
    return actor.terminal.startswith(TERMINAL_PREFIX)


def take(db: Database, actor: Actor, store: str, terminal_id: str) -> dict[str, Any]:
    """The whole snapshot a new terminal starts from. Refused (``token_in_use``) to a
    terminal id that has already recorded at central: set up again it would start its
    journal and its document numbers from 1, central would refuse its next sale as
    ``number_taken`` and the till would put back a sale whose unit left with the customer.
    Asked again before the terminal recorded anything (an init that failed), it is given."""
    link(db, actor, store, terminal_id)
    if db.read(lambda conn: token_use.terminal_has_recorded(conn, terminal_id)):
        raise TokenInUse(
            f"terminal {clip(terminal_id)} has already recorded at central: set up again "
            "under its id it would number its sales from 1 again, and central would refuse "
            "them. Keep using the terminal's own config and database; to replace the "
            "terminal (a new machine, a lost disk), set it up under a new id with a new "
            "token (serialpos token create USER --name NAME; terminal init --terminal NEW)"
        )

    def work(conn: Connection) -> dict[str, Any]:
        snapshot_sql.begin_consistent_read(conn)
        here = repo.store_id(db, conn, store)
        feed_after = snapshot_sql.last_seq(conn)
        at = feed_sql.newest_of_store(conn, feed_after, here)
        out: dict[str, Any] = {
            "store": store,
            "terminal": terminal_id,
            # central records this terminal's entries under its id
            "central_terminal": terminal_id,
            "feed_after": feed_after,
            # the store's newest event the snapshot holds (None: the store has none yet): the
            # till's point to fall back to after central is restored (terminal/feed_memory.py)
            "feed_event": None if at is None else FeedEvent(*at).to_json(),
        }
        for name, table in snapshot_sql.WHOLE_TABLES.items():
            out[name] = snapshot_sql.rows(conn, table)
        units = snapshot_sql.store_units(conn, here)
        documents = snapshot_sql.store_documents(conn, here)
        announced = snapshot_sql.expected_on_asn(conn, [a["asn"] for a in documents["asns"]])
        for unit in units:
            on_asn = announced.get((unit["product_id"], unit["serial"]))
            if on_asn is not None:
                unit["asn"], unit["asn_line"] = on_asn
        out["units"] = units
        out["stock"] = snapshot_sql.store_stock(conn, here)
        out |= documents
        # every customer record of the chain, taken by key (services/customer_sync.py)
        out["customers_until"] = utcnow().isoformat()
        out["customers"] = customer_sync.records_in(conn)
        return out

    return db.read(work)


def reference(db: Database, actor: Actor, store: str, terminal_id: str) -> dict[str, Any]:
    """``GET /v1/snapshot?part=reference``: the settings and catalogue a terminal takes again
    after its snapshot (db/snapshot_sql.py ``REFERENCE_TABLES``), so a setting or a product
    changed at central reaches it without setting it up again."""
    link(db, actor, store, terminal_id)

    def work(conn: Connection) -> dict[str, Any]:
        snapshot_sql.begin_consistent_read(conn)
        return {
            name: snapshot_sql.rows(conn, table)
            for name, table in snapshot_sql.REFERENCE_TABLES.items()
        }

    return db.read(work)


#: Orders one ``part=orders`` request may name.
ORDERS_AT_ONCE = 100


def orders(
    db: Database, actor: Actor, store: str, terminal_id: str, numbers: list[str]
) -> dict[str, Any]:
    """``GET /v1/snapshot?part=orders&number=...``: central's rows of the store's orders
    named (db/order_copy_sql.py), for a till to hold a copy of a sale made at another till
    or at central and take its return; an order of another store is left out."""
    link(db, actor, store, terminal_id)
    if not numbers or len(numbers) > ORDERS_AT_ONCE:
        raise BadRequest(f"name 1 to {ORDERS_AT_ONCE} orders ('number')")
    if any(len(n) > 64 or has_control_chars(n) for n in numbers):
        raise BadRequest("'number' must be text of at most 64 characters, no control characters")

    def work(conn: Connection) -> dict[str, Any]:
        snapshot_sql.begin_consistent_read(conn)
        here = repo.store_id(db, conn, store)
        return order_copy_sql.store_orders(conn, here, sorted(set(numbers)))

    return db.read(work)
