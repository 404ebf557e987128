"""The SQL of a store terminal's snapshot: what central sends (rows as JSON-safe dicts) and
how a new terminal database takes them (services/snapshot.py, terminal/bootstrap.py).

Catalogue, stores, settings and users are copied with their ids, so the units and stock that
follow refer to them unchanged. Values cross the wire as JSON: dates as ISO text, decimals
as text; :func:`insert_rows` turns them back by the column's type.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import feed as feed_sql
from serialpos.db import repo

#: Tables copied whole, in the order a new database can take them (foreign keys first).
WHOLE_TABLES: dict[str, sa.Table] = {
    "stores": repo.store_t,
    "chain_settings": repo.chain_setting_t,
    "store_settings": repo.store_setting_t,
    "users": repo.user_t,
    "products": repo.product_t,
    "barcodes": repo.barcode_t,
    "components": repo.component_t,
}


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def rows(
    conn: Connection, table: sa.Table, where: sa.ColumnElement[bool] | None = None
) -> list[dict[str, Any]]:
    q = sa.select(table)
    if where is not None:
        q = q.where(where)
    return [{k: _json_value(v) for k, v in row._mapping.items()} for row in conn.execute(q)]


def store_units(conn: Connection, store_id: int) -> list[dict[str, Any]]:
    """The store's units (any state) with their SKU, for the terminal to hold."""
    u, p = repo.unit_t.c, repo.product_t.c
    q = (
        sa.select(u.serial, u.state, p.sku, u.product_id)
        .join(repo.product_t, p.id == u.product_id)
        .where(u.store_id == store_id)
        .order_by(u.id)
    )
    return [dict(r._mapping) for r in conn.execute(q)]


def store_stock(conn: Connection, store_id: int) -> list[dict[str, Any]]:
    s = repo.stock_t.c
    return [
        {"product_id": pid, "quantity": q}
        for pid, q in conn.execute(
            sa.select(s.product_id, s.quantity).where(s.store_id == store_id)
        )
    ]


def begin_consistent_read(conn: Connection) -> None:
    """Make the rest of this read one snapshot (PostgreSQL's default reads each statement
    afresh); SQLite's read transaction is one snapshot already."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")


def last_seq(conn: Connection) -> int:
    return feed_sql.last_seq(conn)


def _from_json(column: sa.Column[Any], value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column.type, sa.DateTime):
        return datetime.fromisoformat(value)
    if isinstance(column.type, sa.Numeric):
        return Decimal(value)
    return value


def insert_rows(conn: Connection, table: sa.Table, items: list[dict[str, Any]]) -> None:
    """Insert rows sent by central; keys the local table lacks are ignored."""
    if not items:
        return
    cols = table.c
    conn.execute(
        table.insert(),
        [{k: _from_json(cols[k], v) for k, v in item.items() if k in cols} for item in items],
    )


def is_empty(conn: Connection) -> bool:
    """No store and no event yet: a database a snapshot may be loaded into."""
    return (
        conn.execute(sa.select(sa.func.count()).select_from(repo.store_t)).scalar_one() == 0
        and conn.execute(sa.select(sa.func.count()).select_from(repo.event_t)).scalar_one() == 0
    )
