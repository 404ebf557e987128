"""Migration 0039 (quantity moves): ``ix_ledger_event_quantity_moves``, the ledger's events
with no unit by product and action, on SQLite and PostgreSQL both ways; on SQLite the limits
of a bare ``transfer_in`` and of a quantity ``return`` go by it, not by reading every event
(before, each such line read the whole ledger: 0.27 s and 0.12 s at 1M events)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy.engine import Connection

from serialpos.db import migrate, repo
from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import ledger, products, quantity_returns
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger
from serialpos.services.transfers import bare_receipts

INDEX = "ix_ledger_event_quantity_moves"
on_sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _indexes(db: Database) -> set[str]:
    return {ix["name"] for ix in sa.inspect(db.engine).get_indexes("ledger_event") if ix["name"]}


def _downgrade(db: Database, revision: str) -> None:
    cfg = migrate._config()
    with db.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
        conn.commit()


def _stock(db: Database, admin: Actor) -> int:
    products.create_product(db, admin, sku="CAB", name="Cable")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="CAB", quantity=10)
    ledger.move(db, admin, Action.SELL, store="S1", sku="CAB", quantity=4)
    return int(db.read(lambda conn: repo.product_by_sku(conn, "CAB").id))


def test_0039_both_ways(db: Database, admin: Actor) -> None:
    product = _stock(db, admin)
    sold = db.read(lambda conn: quantity_returns.returned_beyond_sold(conn, product))
    assert INDEX in _indexes(db)

    _downgrade(db, "0038_till_seal")
    assert INDEX not in _indexes(db)
    assert db.read(lambda conn: quantity_returns.returned_beyond_sold(conn, product)) == sold

    migrate.upgrade(db)
    assert INDEX in _indexes(db)
    ledger.move(db, admin, Action.RETURN, store="S1", sku="CAB", quantity=1)
    assert check_ledger(db) == []


def _plans(db: Database, read: Callable[[Connection], Any]) -> list[str]:
    """The query plan of every statement ``read`` runs on the SQLite file."""
    statements: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, sql: str, params: Any, *_rest: Any) -> None:
        statements.append((sql, params))

    sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        db.read(read)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)
    assert db.engine.url.database is not None and statements
    with sqlite3.connect(Path(db.engine.url.database)) as raw:
        return [
            " ".join(row[3] for row in raw.execute(f"EXPLAIN QUERY PLAN {sql}", params))
            for sql, params in statements
        ]


@on_sqlite_only
def test_the_quantity_limits_read_the_ledger_by_the_index(db: Database, admin: Actor) -> None:
    product = _stock(db, admin)
    store = int(db.read(lambda conn: repo.store_id(db, conn, "S1")))
    for read in (
        lambda conn: quantity_returns.returned_beyond_sold(conn, product),
        lambda conn: bare_receipts.bare_in_transit(conn, product, store, "S1"),
    ):
        for plan in _plans(db, read):
            if "ledger_event" in plan:
                assert INDEX in plan and "SCAN ledger_event" not in plan, plan
