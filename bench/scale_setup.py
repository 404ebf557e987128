"""The scale bench's set-up in bulk: stores' units received, and a token and terminal link per
terminal, many stores per transaction (offline_scale_bench.py).

Through the services, each store took one ledger receive (about 240 ms of CPU for its 80
units, one statement per unit) and each terminal a token and a link (two transactions): 1-4
minutes per 50 stores on the shared machine, so 1,000 stores were never run. Here the same
rows are written as the import writes them (services/asn/importing.py): the units of a
hundred stores in one insert (db/bulk.py), their receive events hashed into each store's
chain in one pass (``ledger_chain.stamp_columns``) and inserted with their feed numbers at
once (db/bulk_events.py), one stock level per store; the tokens (only their sha256 kept, as
``tokens.create_token`` keeps it) and links in one insert each. What the bench then reads
is what the ledger's receive would have left: ``db check`` holds (the bench checks it when
``--check`` is given).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import bulk, bulk_events, ledger_chain, ledger_writes, repo
from serialpos.db.conflict_sql import link_t
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.states import Action, UnitState
from serialpos.services import tokens

#: Stores written per transaction.
STORES_PER_WRITE = 100


@dataclass(frozen=True)
class Terminal:
    """A terminal to set up: its store, its id and the name of its token."""

    store: str
    terminal: str


def receive(
    db: Database, sku: str, user: str, units: dict[str, list[str]], *, terminal: str = "bench"
) -> None:
    """Receive ``units`` (serials by store code) of product ``sku``, in stock, as the ledger's
    receive would (events in the user's chain at each store, the stock levels)."""
    codes = list(units)
    for start in range(0, len(codes), STORES_PER_WRITE):
        part = {code: units[code] for code in codes[start : start + STORES_PER_WRITE]}
        db.write(lambda conn, part=part: _receive_in(conn, db, sku, user, terminal, part))


def _receive_in(
    conn: Connection,
    db: Database,
    sku: str,
    user: str,
    terminal: str,
    units: dict[str, list[str]],
) -> None:
    product_id = conn.execute(
        sa.select(repo.product_t.c.id).where(repo.product_t.c.sku == sku)
    ).scalar_one()
    store_ids = {code: repo.store_id(db, conn, code) for code in units}
    now = utcnow()
    stores = [store_ids[code] for code, serials in units.items() for _s in serials]
    serials = [s for listed in units.values() for s in listed]
    unit_ids = bulk.insert_units(
        conn,
        {
            "product_id": product_id,
            "state": UnitState.IN_STOCK.value,
            "version": 1,
            "updated_at": now,
        },
        {"store_id": stores, "serial": serials},
    )
    shared: dict[str, object] = {
        "at": now,
        "action": Action.RECEIVE.value,
        "user_name": user,
        "terminal": terminal,
        "product_id": product_id,
        "from_state": None,
        "to_state": UnitState.IN_STOCK.value,
        "quantity": 1,
        "document_type": None,
        "document_id": None,
        "document_line": None,
        "reason": None,
    }
    columns: dict[str, Sequence[object]] = {
        "store_id": stores,
        "unit_id": unit_ids,
        "serial": serials,
    }
    chained = ledger_chain.stamp_columns(conn, shared, columns)
    bulk_events.insert_events(conn, shared, {**columns, **chained})
    for code, listed in units.items():
        ledger_writes.bump_stock(conn, product_id, store_ids[code], len(listed))


def tokens_and_links(db: Database, user: str, terminals: list[Terminal]) -> list[str]:
    """A token acting as ``user`` for each terminal (named as the terminal), linked to it
    at its store as its snapshot would link it; the tokens, in order (shown once, as
    ``tokens.create_token`` shows them)."""
    made = [tokens.PREFIX + secrets.token_urlsafe(32) for _t in terminals]
    for start in range(0, len(terminals), 10 * STORES_PER_WRITE):
        part = list(range(start, min(start + 10 * STORES_PER_WRITE, len(terminals))))
        db.write(lambda conn, part=part: _tokens_in(conn, db, user, terminals, made, part))
    return made


def _tokens_in(
    conn: Connection,
    db: Database,
    user: str,
    terminals: list[Terminal],
    made: list[str],
    part: list[int],
) -> None:
    user_id = conn.execute(
        sa.select(repo.user_t.c.id).where(repo.user_t.c.name == user)
    ).scalar_one()
    now = utcnow()
    conn.execute(
        sa.insert(tokens.token_t),
        [
            {
                "name": terminals[n].terminal,
                "user_id": user_id,
                "secret_sha256": tokens._digest(made[n]),
                "created_by": "bench",
                "created_at": now,
                "expires_at": None,
            }
            for n in part
        ],
    )
    conn.execute(
        sa.insert(link_t),
        [
            {
                "api_terminal": f"api:{terminals[n].terminal}"[:64],
                "terminal_id": terminals[n].terminal,
                "store_id": repo.store_id(db, conn, terminals[n].store),
                "linked_at": now,
            }
            for n in part
        ],
    )
