"""Repositories on SQLAlchemy Core: the statements services run, kept in one place.

The hot paths (finding a unit, moving it, writing its event) use Core on a Connection rather
than ORM sessions: a committed state change must cost little more than the commit itself.
Their statements are built once, here at module level, with bind parameters: SQLAlchemy then
compiles each once per dialect and reuses it (building a statement per call costs more than
running it). One query fetches all a ledger move needs to decide (:func:`move_context`), and
the writes of a move (claim, event, stock) run as :class:`Prepared` driver SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from serialpos.db import array_insert, ledger_chain
from serialpos.db import tables as t
from serialpos.db.engine import Database
from serialpos.db.lease_tables import lease_t
from serialpos.db.prepared import Prepared
from serialpos.db.txcache import forget, transaction_cache
from serialpos.domain.errors import UnknownProduct, UnknownStore
from serialpos.domain.limits import MAX_STOCK_LEVEL, check_stock_level
from serialpos.domain.products import SERIAL_MODES, PackageType, Product, SerialMode
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


@dataclass(frozen=True)
class MoveContext:
    """What a ledger move reads before it decides, fetched in one query: the product, the
    raw stored values of one setting (the chain's and the store's; None where unset) and the
    unit with the first serial named (None when there is no such unit or no serial)."""

    product: ProductRow
    chain_setting: str | None
    store_setting: str | None
    unit: UnitRow | None


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


# -- settings -------------------------------------------------------------------------
_chain_c, _store_c = chain_setting_t.c, store_setting_t.c
_CHAIN_VALUES = sa.select(_chain_c.key, _chain_c.value, sa.literal_column("0").label("rank"))
_CHAIN_ONLY = Prepared(_CHAIN_VALUES)
# Chain values first, then the store's own, so the store's win when read in order.
_CHAIN_AND_STORE_VALUES = Prepared(
    sa.union_all(
        _CHAIN_VALUES,
        sa.select(_store_c.key, _store_c.value, sa.literal_column("1").label("rank")).where(
            _store_c.store_id == sa.bindparam("store_id")
        ),
    ).order_by("rank")
)


_SETTINGS_CACHE = "serialpos_settings"


def setting_values(conn: Connection, store: int | None) -> dict[str, str]:
    """Stored setting values: the chain's, overridden by store ``store``'s own (one query,
    read once per transaction: a counter step asks several times; the chain's own come with
    a store's). A write to the settings calls :func:`forget_settings` in its transaction."""
    cache = transaction_cache(conn, _SETTINGS_CACHE)
    found: dict[str, str] | None = cache.get(store)
    if found is None:
        if store is None:
            found = {key: value for key, value, _rank in _CHAIN_ONLY.rows(conn, {})}
        else:
            chain: dict[str, str] = {}
            found = {}
            for key, value, rank in _CHAIN_AND_STORE_VALUES.rows(conn, {"store_id": store}):
                if rank == 0:
                    chain[key] = value
                found[key] = value
            cache.setdefault(None, chain)
        cache[store] = found
    return dict(found)


def settings_pairs(store_id: sa.ColumnElement[int] | None) -> sa.ScalarSelect[Any]:
    """PostgreSQL: the chain's stored settings (``store_id`` None) or store ``store_id``'s,
    as one JSON array of ``[key, value]`` pairs (NULL when there are none), for a statement
    that reads them beside what it reads anyway (:func:`keep_settings`)."""
    c = _chain_c if store_id is None else _store_c
    pairs = sa.select(sa.func.json_agg(sa.func.json_build_array(c.key, c.value)))
    if store_id is not None:
        pairs = pairs.where(_store_c.store_id == store_id)
    return pairs.scalar_subquery()


def keep_settings(
    conn: Connection,
    store: int,
    chain: list[list[str]] | None,
    own: list[list[str]] | None,
) -> None:
    """Settings read by another statement of this transaction (:func:`settings_pairs`): the
    chain's and store ``store``'s, kept as :func:`setting_values` would have read them."""
    cache = transaction_cache(conn, _SETTINGS_CACHE)
    values = {str(key): str(value) for key, value in chain or ()}
    cache.setdefault(None, dict(values))
    values.update({str(key): str(value) for key, value in own or ()})
    cache[store] = values


def forget_settings(conn: Connection) -> None:
    """The settings changed in this transaction: the next read goes to the tables."""
    forget(conn, _SETTINGS_CACHE)


# -- products -------------------------------------------------------------------------
_PRODUCT_COLUMNS = (
    product_t.c.id,
    product_t.c.sku,
    product_t.c.name,
    product_t.c.serial_mode,
    product_t.c.serial_format,
)


_PRODUCT_BY_SKU = sa.select(*_PRODUCT_COLUMNS).where(product_t.c.sku == sa.bindparam("sku"))
_PRODUCT_ID_BY_GTIN = Prepared(
    sa.select(barcode_t.c.product_id).where(barcode_t.c.gtin == sa.bindparam("gtin"))
)


def _unknown_product(sku: str) -> UnknownProduct:
    return UnknownProduct(f"there is no product with SKU '{clip(sku)}'")


def product_by_sku(conn: Connection, sku: str) -> ProductRow:
    row = conn.execute(_PRODUCT_BY_SKU, {"sku": sku}).first()
    if row is None:
        raise _unknown_product(sku)
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
_UNIT_BY_SERIAL = Prepared(
    sa.select(*UNIT_COLUMNS)
    .select_from(unit_t.outerjoin(lease_t, _lease_c.unit_id == unit_t.c.id))
    .where(
        unit_t.c.product_id == sa.bindparam("product_id"),
        unit_t.c.serial == sa.bindparam("serial"),
    )
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


def unit_by_serial(conn: Connection, product_id: int, serial: str) -> UnitRow | None:
    """The product's unit with this serial (None: no such unit), with its lease."""
    row = _UNIT_BY_SERIAL.first(conn, {"product_id": product_id, "serial": serial})
    return None if row is None else unit_row(*row)


def _setting(table: sa.Table, *where: sa.ColumnElement[bool]) -> sa.ScalarSelect[str]:
    return (
        sa.select(table.c.value)
        .where(table.c.key == sa.bindparam("setting"), *where)
        .scalar_subquery()
    )


_MOVE_CONTEXT = Prepared(
    sa.select(
        *_PRODUCT_COLUMNS,
        _setting(chain_setting_t).label("chain_setting"),
        _setting(store_setting_t, store_setting_t.c.store_id == sa.bindparam("store_id")).label(
            "store_setting"
        ),
        *UNIT_COLUMNS,
    )
    .select_from(
        product_t.outerjoin(
            unit_t,
            sa.and_(
                unit_t.c.product_id == product_t.c.id,
                unit_t.c.serial == sa.bindparam("serial"),
            ),
        ).outerjoin(lease_t, _lease_c.unit_id == unit_t.c.id)
    )
    .where(product_t.c.sku == sa.bindparam("sku"))
)


def move_context(
    conn: Connection, sku: str, store: int, serial: str | None, setting: str
) -> MoveContext:
    """The product ``sku``, the values of ``setting`` (chain-wide and at ``store``) and the
    unit of that product with ``serial``, in one round trip. Raises UnknownProduct."""
    row = _MOVE_CONTEXT.first(
        conn, {"sku": sku, "serial": serial, "store_id": store, "setting": setting}
    )
    if row is None:
        raise _unknown_product(sku)
    pid, found_sku, name, mode, fmt, chain_value, store_value, *unit_values = row
    product = ProductRow(pid, found_sku, name, SERIAL_MODES[mode], fmt)
    unit = None if unit_values[0] is None else unit_row(*unit_values)
    return MoveContext(product, chain_value, store_value, unit)


CLAIM = (
    sa.update(unit_t)
    .where(
        unit_t.c.id == sa.bindparam("unit_id"),
        unit_t.c.version == sa.bindparam("seen_version"),
        # The order line holding the unit is part of the condition (0: none), so a sale line
        # can only ever sell or release the unit reserved to it.
        sa.func.coalesce(unit_t.c.reserved_line_id, 0)
        == sa.bindparam("seen_line", type_=sa.Integer()),
    )
    .values(
        state=sa.bindparam("to_state"),
        store_id=sa.bindparam("to_store"),
        version=unit_t.c.version + 1,
        updated_at=sa.bindparam("now"),
        reserved_line_id=sa.bindparam("hold", type_=sa.Integer()),
    )
)


_CLAIM_RUN = Prepared(CLAIM)


def claim_unit(
    conn: Connection,
    unit: UnitRow,
    to_state: str,
    to_store: int,
    now: object,
    hold: int | None = None,
) -> bool:
    """Move a unit only if nobody moved it since we read it and the order line holding it is
    still the one we read. ``hold`` is the order line the unit is reserved to after the move
    (None unless it becomes reserved). False means another terminal won the race; the caller
    re-reads and refuses with the reason."""
    result = _CLAIM_RUN.run(conn, claim_params(unit, to_state, to_store, now, hold))
    return result.rowcount == 1


def claim_params(
    unit: UnitRow, to_state: str, to_store: int, now: object, hold: int | None = None
) -> dict[str, object]:
    """The bind values of :data:`CLAIM` (see :func:`claim_unit`)."""
    return {
        "unit_id": unit.id,
        "seen_version": unit.version,
        "seen_line": unit.reserved_line or 0,
        "to_state": to_state,
        "to_store": to_store,
        "now": now,
        "hold": hold,
    }


def claim_unit_to_life(
    conn: Connection,
    unit: UnitRow,
    to_state: str,
    to_store: int,
    now: object,
    hold: int | None,
    shared_by: str | None,
) -> bool:
    """:func:`claim_unit` for a unit coming back to life (sold, written off or returned to the
    vendor, now live again). Its ``shared_by`` is set first (a manager's acceptance, or None:
    an earlier acceptance does not carry over); then the claim, which the live-serial unique
    index refuses when another product's unit with the serial went live at the same instant.
    False (re-read and decide) in both races."""
    conn.execute(sa.update(unit_t).where(unit_t.c.id == unit.id).values(shared_by=shared_by))
    try:
        if conn.dialect.name == "postgresql":
            with conn.begin_nested():
                return claim_unit(conn, unit, to_state, to_store, now, hold)
        return claim_unit(conn, unit, to_state, to_store, now, hold)
    except sa.exc.IntegrityError:
        return False


_INSERT_UNIT = sa.insert(unit_t)


def insert_unit_if_absent(
    conn: Connection,
    product_id: int,
    serial: str,
    state: str,
    store: int,
    now: object,
    shared_by: str | None = None,
) -> int | None:
    """Create a unit, or return None when a unique constraint says another terminal created
    it first: the same (product, serial), or (index ``uq_serial_unit_live_serial``) the same
    serial live under another product. SQLite writers are serialised by BEGIN IMMEDIATE;
    PostgreSQL needs a savepoint so the refused insert does not abort the whole transaction.
    ``shared_by``: the manager who accepted a shared serial (the unit is left out of the
    live-serial index)."""
    values = {
        "product_id": product_id,
        "serial": serial,
        "state": state,
        "store_id": store,
        "version": 1,
        "updated_at": now,
        "shared_by": shared_by,
    }
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
EVENT_KEYS = [c.name for c in event_t.columns if c.name != "id"]
_INSERT_EVENT_RUN = Prepared(_INSERT_EVENT, EVENT_KEYS)


def add_events(conn: Connection, events: list[dict[str, object]]) -> None:
    """Insert new ledger events, each hashed into its chain first (db/ledger_chain.py)."""
    ledger_chain.stamp(conn, events)
    if len(events) == 1 and events[0].keys() == set(EVENT_KEYS):
        _INSERT_EVENT_RUN.run(conn, events[0])  # one whole row: the hot path
    elif events and conn.dialect.name == "postgresql" and _same_keys(events):
        array_insert.insert_rows(conn, event_t, events)  # one statement, not one per event
    elif events:
        conn.execute(_INSERT_EVENT, events)


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
