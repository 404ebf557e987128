"""On-hand stock per product and store, with the serial units beside the quantity."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.states import UnitState


@dataclass(frozen=True)
class StockLine:
    store: str
    sku: str
    name: str
    serial_mode: str
    quantity: int
    units_in_stock: int  # known in-stock serial units; equals quantity when serials are required


def stock_levels(db: Database, store: str | None = None, sku: str | None = None) -> list[StockLine]:
    p, st, sl, u = repo.product_t.c, repo.store_t.c, repo.stock_t.c, repo.unit_t.c

    def work(conn: Connection) -> list[StockLine]:
        units = (
            sa.select(u.product_id, u.store_id, sa.func.count().label("n"))
            .where(u.state == UnitState.IN_STOCK)
            .group_by(u.product_id, u.store_id)
            .subquery()
        )
        q = (
            sa.select(
                st.code, p.sku, p.name, p.serial_mode, sl.quantity, sa.func.coalesce(units.c.n, 0)
            )
            .select_from(repo.stock_t)
            .join(repo.product_t, p.id == sl.product_id)
            .join(repo.store_t, st.id == sl.store_id)
            .outerjoin(
                units, sa.and_(units.c.product_id == sl.product_id, units.c.store_id == sl.store_id)
            )
            .order_by(st.code, p.sku)
        )
        if store is not None:
            q = q.where(st.id == repo.store_id(db, conn, store))
        if sku is not None:
            repo.product_by_sku(conn, sku)
            q = q.where(p.sku == sku)
        return [StockLine(*row) for row in conn.execute(q)]

    return db.read(work)
