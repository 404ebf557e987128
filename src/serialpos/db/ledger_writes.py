"""What every ledger move writes besides the unit: its events and the stock level.

Events are hashed into their chain before they are inserted (db/ledger_chain.py); stock levels
are bounded in the update itself, so a level past MAX_STOCK_LEVEL changes no row on either
database and :func:`refuse_stock` says why."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from serialpos.db import array_insert, ledger_chain
from serialpos.db import tables as t
from serialpos.db.prepared import Prepared
from serialpos.domain.limits import MAX_STOCK_LEVEL, check_stock_level

event_t = t.LedgerEvent.__table__  # type: ignore[attr-defined]
stock_t = t.StockLevel.__table__  # type: ignore[attr-defined]

_INSERT_EVENT = sa.insert(event_t)
EVENT_KEYS = [c.name for c in event_t.columns if c.name != "id"]
#: The same keys as a set, made once: a move's one event is checked against it.
_EVENT_KEY_SET = frozenset(EVENT_KEYS)
_INSERT_EVENT_RUN = Prepared(_INSERT_EVENT, EVENT_KEYS)


def add_events(conn: Connection, events: list[dict[str, object]]) -> None:
    """Insert new ledger events, each hashed into its chain first (db/ledger_chain.py)."""
    ledger_chain.stamp(conn, events)
    if len(events) == 1 and events[0].keys() == _EVENT_KEY_SET:
        _INSERT_EVENT_RUN.run(conn, events[0])  # one whole row: the hot path
    elif events and conn.dialect.name == "postgresql" and _same_keys(events):
        array_insert.insert_rows(conn, event_t, events)  # one statement, not one per event
    elif events:
        conn.execute(_INSERT_EVENT, events)


def insert_event(conn: Connection, event: dict[str, object]) -> None:
    """Insert one event already stamped into its chain (its head moved by the caller)."""
    if event.keys() == _EVENT_KEY_SET:
        _INSERT_EVENT_RUN.run(conn, event)  # one whole row: the hot path
    else:
        conn.execute(_INSERT_EVENT, [event])


def _same_keys(rows: list[dict[str, object]]) -> bool:
    keys = rows[0].keys()
    return all(row.keys() == keys for row in rows)


def add_to_level(stmt: sqlite.Insert | postgresql.Insert) -> sqlite.Insert | postgresql.Insert:
    # The bound is part of the update, so a level past MAX_STOCK_LEVEL updates no row on
    # either database (a PostgreSQL integer would overflow at 2^31, SQLite never would).
    total = stock_t.c.quantity + stmt.excluded.quantity
    return stmt.on_conflict_do_update(
        index_elements=[stock_t.c.product_id, stock_t.c.store_id],
        set_={"quantity": total},
        where=total.between(-MAX_STOCK_LEVEL, MAX_STOCK_LEVEL),
    )


# Bind names differ from the column names: SQLAlchemy reserves those for its own use.
_STOCK_VALUES: dict[str, sa.BindParameter[object]] = {
    "product_id": sa.bindparam("stock_product"),
    "store_id": sa.bindparam("stock_store"),
    "quantity": sa.bindparam("delta"),
}
_BUMP_STOCK = {
    "sqlite": Prepared(add_to_level(sqlite.insert(stock_t).values(_STOCK_VALUES))),
    "postgresql": Prepared(add_to_level(postgresql.insert(stock_t).values(_STOCK_VALUES))),
}


_STOCK_QUANTITY = sa.select(stock_t.c.quantity).where(
    stock_t.c.product_id == sa.bindparam("product_id"),
    stock_t.c.store_id == sa.bindparam("store_id"),
)


def stock_quantity(conn: Connection, product_id: int, store: int) -> int:
    """On-hand quantity of a product at a store (0 when it never had any)."""
    found = conn.execute(_STOCK_QUANTITY, {"product_id": product_id, "store_id": store}).scalar()
    return int(found or 0)


def bump_stock(conn: Connection, product_id: int, store: int, delta: int) -> None:
    """Add ``delta`` to the quantity of a product at a store, creating the row if needed."""
    if delta == 0:
        return
    check_stock_level(delta, "quantity change")
    done = _BUMP_STOCK[conn.dialect.name].run(
        conn, {"stock_product": product_id, "stock_store": store, "delta": delta}
    )
    if done.rowcount == 0:  # the bounded update above refused it
        refuse_stock(conn, product_id, store, delta)


def refuse_stock(conn: Connection, product_id: int, store: int, delta: int) -> None:
    """The bounded stock update changed no row: say why (the level it would reach)."""
    check_stock_level(stock_quantity(conn, product_id, store) + delta)
    raise RuntimeError(f"stock of product {product_id} at store {store} was not updated")
