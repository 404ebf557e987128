"""Repositories on SQLAlchemy Core: the statements services run, kept in one place.

The hot paths (finding a unit, moving it, writing its event) use Core on a Connection rather
than ORM sessions: a committed state change must cost little more than the commit itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from serialpos.db import tables as t
from serialpos.db.engine import Database
from serialpos.domain.errors import UnknownProduct, UnknownStore
from serialpos.domain.products import Product, SerialMode
from serialpos.domain.text import clip

store_t = t.Store.__table__  # type: ignore[attr-defined]
product_t = t.Product.__table__  # type: ignore[attr-defined]
barcode_t = t.ProductBarcode.__table__  # type: ignore[attr-defined]
unit_t = t.SerialUnit.__table__  # type: ignore[attr-defined]
stock_t = t.StockLevel.__table__  # type: ignore[attr-defined]
event_t = t.LedgerEvent.__table__  # type: ignore[attr-defined]
user_t = t.User.__table__  # type: ignore[attr-defined]
chain_setting_t = t.ChainSetting.__table__  # type: ignore[attr-defined]
store_setting_t = t.StoreSetting.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class ProductRow:
    id: int
    sku: str
    name: str
    serial_mode: SerialMode
    serial_format: str | None


@dataclass(frozen=True)
class UnitRow:
    id: int
    state: str
    store_id: int
    version: int


# -- stores ---------------------------------------------------------------------------
def store_id(db: Database, conn: Connection, code: str) -> int:
    """The id of store ``code``; store ids never change, so they are cached per process."""
    cached = db.cached_id("store", code)
    if cached is not None:
        return cached
    found = conn.execute(sa.select(store_t.c.id).where(store_t.c.code == code)).scalar()
    if found is None:
        raise UnknownStore(f"there is no store '{clip(code)}'")
    db.remember_id("store", code, found)
    return int(found)


def store_codes(conn: Connection) -> dict[int, str]:
    return {row.id: row.code for row in conn.execute(sa.select(store_t.c.id, store_t.c.code))}


# -- products -------------------------------------------------------------------------
_PRODUCT_COLUMNS = (
    product_t.c.id,
    product_t.c.sku,
    product_t.c.name,
    product_t.c.serial_mode,
    product_t.c.serial_format,
)


def product_by_sku(conn: Connection, sku: str) -> ProductRow:
    row = conn.execute(sa.select(*_PRODUCT_COLUMNS).where(product_t.c.sku == sku)).first()
    if row is None:
        raise UnknownProduct(f"there is no product with SKU '{clip(sku)}'")
    return ProductRow(row.id, row.sku, row.name, SerialMode(row.serial_mode), row.serial_format)


def product_id_by_gtin(conn: Connection, gtin14: str) -> int | None:
    found = conn.execute(sa.select(barcode_t.c.product_id).where(barcode_t.c.gtin == gtin14))
    value = found.scalar()
    return None if value is None else int(value)


def load_products(conn: Connection, where: sa.ColumnElement[bool] | None = None,
                  limit: int | None = None) -> list[Product]:
    """Whole products with their barcodes, in SKU order."""
    query = sa.select(product_t).order_by(product_t.c.sku)
    if where is not None:
        query = query.where(where)
    if limit is not None:
        query = query.limit(limit)
    rows = conn.execute(query).all()
    if not rows:
        return []
    ids = [r.id for r in rows]
    codes: dict[int, list[str]] = {}
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start : chunk_start + 500]
        q = sa.select(barcode_t.c.product_id, barcode_t.c.gtin).where(
            barcode_t.c.product_id.in_(chunk)
        ).order_by(barcode_t.c.id)
        for pid, gtin in conn.execute(q):
            codes.setdefault(pid, []).append(gtin)
    return [to_product(r, tuple(codes.get(r.id, ()))) for r in rows]


def to_product(row: sa.Row[object], barcodes: tuple[str, ...]) -> Product:
    m = row._mapping
    return Product(
        sku=m["sku"],
        name=m["name"],
        price=Decimal(m["price"]).quantize(Decimal("0.01")),
        serial_mode=SerialMode(m["serial_mode"]),
        serial_format=m["serial_format"],
        barcodes=barcodes,
        tax_rate=None if m["tax_rate"] is None else Decimal(m["tax_rate"]).normalize(),
        warranty_months=m["warranty_months"],
        bin=m["bin"],
    )


# -- serial units ---------------------------------------------------------------------
_UNIT_BY_SERIAL = sa.select(unit_t.c.id, unit_t.c.state, unit_t.c.store_id, unit_t.c.version).where(
    unit_t.c.product_id == sa.bindparam("product_id"), unit_t.c.serial == sa.bindparam("serial")
)


def unit_by_serial(conn: Connection, product_id: int, serial: str) -> UnitRow | None:
    row = conn.execute(_UNIT_BY_SERIAL, {"product_id": product_id, "serial": serial}).first()
    return None if row is None else UnitRow(row.id, row.state, row.store_id, row.version)


_CLAIM = (
    sa.update(unit_t)
    .where(
        unit_t.c.id == sa.bindparam("unit_id"),
        unit_t.c.version == sa.bindparam("seen_version"),
    )
    .values(
        state=sa.bindparam("to_state"),
        store_id=sa.bindparam("to_store"),
        version=unit_t.c.version + 1,
        updated_at=sa.bindparam("now"),
    )
)


def claim_unit(conn: Connection, unit: UnitRow, to_state: str, to_store: int, now: object) -> bool:
    """Move a unit only if nobody moved it since we read it. False means another terminal
    won the race; the caller re-reads and refuses with the reason."""
    result = conn.execute(
        _CLAIM,
        {"unit_id": unit.id, "seen_version": unit.version, "to_state": to_state,
         "to_store": to_store, "now": now},
    )
    return result.rowcount == 1


_INSERT_UNIT = sa.insert(unit_t)


def insert_unit_if_absent(conn: Connection, product_id: int, serial: str, state: str,
                          store: int, now: object) -> int | None:
    """Create a unit, or return None when the unique (product, serial) constraint says another
    terminal created it first. SQLite writers are serialised by BEGIN IMMEDIATE; PostgreSQL
    needs a savepoint so the refused insert does not abort the whole transaction."""
    values = {"product_id": product_id, "serial": serial, "state": state, "store_id": store,
              "version": 1, "updated_at": now}
    try:
        if conn.dialect.name == "postgresql":
            with conn.begin_nested():
                result = conn.execute(_INSERT_UNIT, values)
        else:
            result = conn.execute(_INSERT_UNIT, values)
    except sa.exc.IntegrityError:
        return None
    pk = result.inserted_primary_key
    assert pk is not None
    return int(pk[0])


# -- events and stock -----------------------------------------------------------------
_INSERT_EVENT = sa.insert(event_t)


def add_events(conn: Connection, events: list[dict[str, object]]) -> None:
    if events:
        conn.execute(_INSERT_EVENT, events)


def bump_stock(conn: Connection, product_id: int, store: int, delta: int) -> None:
    if delta == 0:
        return
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(stock_t).values(product_id=product_id, store_id=store, quantity=delta)
    stmt = stmt.on_conflict_do_update(
        index_elements=[stock_t.c.product_id, stock_t.c.store_id],
        set_={"quantity": stock_t.c.quantity + delta},
    )
    conn.execute(stmt)
