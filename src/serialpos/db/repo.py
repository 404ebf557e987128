"""Repositories on SQLAlchemy Core: the ledger's tables, stores, products and unit rows.

The hot paths (finding a unit, moving it, writing its event) use Core on a Connection rather
than ORM sessions: a committed state change must cost little more than the commit itself.
Their statements are built once, at module level, with bind parameters: SQLAlchemy then
compiles each once per dialect and reuses it (building a statement per call costs more than
running it). One query fetches all a ledger move needs to decide (db/unit_sql.py
``move_context``), and the writes of a move (claim in db/unit_sql.py, events and stock in
db/ledger_writes.py) run as :class:`Prepared` driver SQL. Settings: db/settings_sql.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import tables as t
from serialpos.db.engine import Database
from serialpos.db.lease_tables import lease_t

# Re-exported (``as``): the event, stock and settings tables (defined where they are written
# and read) for every module that reaches them here; add_events, bump_stock, keep_settings and
# settings_pairs for the modules that still call them here (db/order_repo.py, db/sale_sql.py,
# terminal/, services/counts/). New code imports those from db/ledger_writes.py and
# db/settings_sql.py.
from serialpos.db.ledger_writes import add_events as add_events
from serialpos.db.ledger_writes import bump_stock as bump_stock
from serialpos.db.ledger_writes import event_t as event_t
from serialpos.db.ledger_writes import stock_t as stock_t
from serialpos.db.prepared import Prepared
from serialpos.db.settings_sql import chain_setting_t as chain_setting_t
from serialpos.db.settings_sql import keep_settings as keep_settings
from serialpos.db.settings_sql import settings_pairs as settings_pairs
from serialpos.db.settings_sql import store_setting_t as store_setting_t
from serialpos.domain.errors import UnknownProduct, UnknownStore
from serialpos.domain.products import SERIAL_MODES, PackageType, Product, SerialMode
from serialpos.domain.text import clip

store_t = t.Store.__table__  # type: ignore[attr-defined]
product_t = t.Product.__table__  # type: ignore[attr-defined]
barcode_t = t.ProductBarcode.__table__  # type: ignore[attr-defined]
unit_t = t.SerialUnit.__table__  # type: ignore[attr-defined]
user_t = t.User.__table__  # type: ignore[attr-defined]
component_t = t.ProductComponent.__table__  # type: ignore[attr-defined]


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
    reserved_line: int | None = None  # the order line holding a reserved unit (migration 0011)
    #: Its lease row (lease id, terminal, expiry) read with it, None when it has none;
    #: meaningful only when ``lease_read`` (then the ledger's lease check asks nothing more).
    lease: tuple[int, str, datetime] | None = None
    lease_read: bool = False


# -- stores ---------------------------------------------------------------------------
_STORE_ID = sa.select(store_t.c.id).where(store_t.c.code == sa.bindparam("code"))
_STORE_CODES = sa.select(store_t.c.id, store_t.c.code)


def store_id(db: Database, conn: Connection, code: str) -> int:
    """The id of store ``code``; store ids never change, so they are cached per process."""
    cached = db.cached_id("store", code)
    if cached is not None:
        return cached
    found = conn.execute(_STORE_ID, {"code": code}).scalar()
    if found is None:
        raise UnknownStore(f"there is no store '{clip(code)}'")
    db.remember_id("store", code, found)
    return int(found)


def store_codes(conn: Connection) -> dict[int, str]:
    return {row.id: row.code for row in conn.execute(_STORE_CODES)}


# -- products -------------------------------------------------------------------------
PRODUCT_COLUMNS = (
    product_t.c.id,
    product_t.c.sku,
    product_t.c.name,
    product_t.c.serial_mode,
    product_t.c.serial_format,
)


_PRODUCT_BY_SKU = sa.select(*PRODUCT_COLUMNS).where(product_t.c.sku == sa.bindparam("sku"))
_PRODUCT_ID_BY_GTIN = Prepared(
    sa.select(barcode_t.c.product_id).where(barcode_t.c.gtin == sa.bindparam("gtin"))
)


def unknown_product(sku: str) -> UnknownProduct:
    return UnknownProduct(f"there is no product with SKU '{clip(sku)}'")


def product_by_sku(conn: Connection, sku: str) -> ProductRow:
    row = conn.execute(_PRODUCT_BY_SKU, {"sku": sku}).first()
    if row is None:
        raise unknown_product(sku)
    return ProductRow(row.id, row.sku, row.name, SERIAL_MODES[row.serial_mode], row.serial_format)


def product_id_by_gtin(conn: Connection, gtin14: str) -> int | None:
    value = _PRODUCT_ID_BY_GTIN.scalar(conn, {"gtin": gtin14})
    return None if value is None else int(value)


def load_products(
    conn: Connection, where: sa.ColumnElement[bool] | None = None, limit: int | None = None
) -> list[Product]:
    """Whole products with their barcodes and (packages) components, in SKU order."""
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
        q = (
            sa.select(barcode_t.c.product_id, barcode_t.c.gtin)
            .where(barcode_t.c.product_id.in_(chunk))
            .order_by(barcode_t.c.id)
        )
        for pid, gtin in conn.execute(q):
            codes.setdefault(pid, []).append(gtin)
    package_ids = [r.id for r in rows if r.package_type is not None]
    parts = components_of(conn, package_ids) if package_ids else {}
    return [to_product(r, tuple(codes.get(r.id, ())), parts.get(r.id, ())) for r in rows]


def components_of(
    conn: Connection, package_ids: list[int]
) -> dict[int, tuple[tuple[str, int], ...]]:
    """The components of these packages as (SKU, quantity), sorted by SKU, by package id."""
    c, p = component_t.c, product_t.c
    found: dict[int, list[tuple[str, int]]] = {}
    for start in range(0, len(package_ids), 500):
        q = (
            sa.select(c.package_id, p.sku, c.quantity)
            .join(product_t, p.id == c.component_id)
            .where(c.package_id.in_(package_ids[start : start + 500]))
        )
        for pid, sku, qty in conn.execute(q):
            found.setdefault(pid, []).append((sku, int(qty)))
    return {pid: tuple(sorted(items)) for pid, items in found.items()}


def _plain_decimal(value: object) -> Decimal:
    """20.000 -> 20 and 7.500 -> 7.5, never 2E+1 (which is how normalize() writes 20)."""
    return Decimal(f"{Decimal(str(value)).normalize():f}")


def to_product(
    row: sa.Row[object], barcodes: tuple[str, ...], components: tuple[tuple[str, int], ...] = ()
) -> Product:
    m = row._mapping
    package = m.get("package_type")
    return Product(
        sku=m["sku"],
        name=m["name"],
        price=Decimal(m["price"]).quantize(Decimal("0.01")),
        serial_mode=SERIAL_MODES[m["serial_mode"]],
        serial_format=m["serial_format"],
        barcodes=barcodes,
        tax_rate=None if m["tax_rate"] is None else _plain_decimal(m["tax_rate"]),
        warranty_months=m["warranty_months"],
        bin=m["bin"],
        package_type=None if package is None else PackageType(package),
        components=components,
        prices_include_tax=m.get("prices_include_tax"),
    )


# -- serial units ---------------------------------------------------------------------
_lease_c = lease_t.c
#: A unit and its lease (one row per unit at most), read together: the ledger checks the
#: lease on every move (services/lease_guard.py), so that costs no statement of its own.
UNIT_COLUMNS = (
    unit_t.c.id,
    unit_t.c.state,
    unit_t.c.store_id,
    unit_t.c.version,
    unit_t.c.reserved_line_id,
    _lease_c.id.label("lease_id"),
    _lease_c.terminal_id.label("lease_terminal"),
    _lease_c.expires_at.label("lease_expires"),
)


def unit_row(
    uid: int,
    state: str,
    at: int,
    version: int,
    line: int | None,
    lease_id: int | None,
    lease_terminal: str | None,
    lease_expires: datetime | None,
) -> UnitRow:
    """A unit read with its lease columns (:data:`UNIT_COLUMNS`)."""
    held = None
    if lease_id is not None:
        assert lease_terminal is not None and lease_expires is not None
        held = (lease_id, lease_terminal, lease_expires)
    return UnitRow(uid, state, at, version, line, held, True)
