"""Repositories for orders, their lines, payments, invoices and document numbers (Core)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from serialpos.db import order_tables as ot
from serialpos.db import repo
from serialpos.db.lease_tables import lease_t
from serialpos.db.prepared import Prepared, PreparedRow
from serialpos.domain.discounts import LineTerms, line_discount
from serialpos.domain.orders import LineAmounts, LineStatus, line_amounts
from serialpos.domain.products import SERIAL_MODES, SerialMode

order_t = ot.SaleOrder.__table__  # type: ignore[attr-defined]
line_t = ot.OrderLine.__table__  # type: ignore[attr-defined]
payment_t = ot.OrderPayment.__table__  # type: ignore[attr-defined]
invoice_t = ot.Invoice.__table__  # type: ignore[attr-defined]
invoice_line_t = ot.InvoiceLine.__table__  # type: ignore[attr-defined]
counter_t = ot.DocumentCounter.__table__  # type: ignore[attr-defined]

CENT = Decimal("0.01")


def row_amounts(row: sa.Row[object]) -> LineAmounts:
    """The amounts of an order line row (unit_price, quantity, tax_rate, tax_included, and
    its discounts, taken off before tax)."""
    m = row._mapping
    price = money(m["unit_price"])
    off = line_discount((price * m["quantity"]).quantize(CENT, ROUND_HALF_UP), row_terms(row))
    return line_amounts(price, m["quantity"], rate(m["tax_rate"]), bool(m["tax_included"]), off)


def row_terms(row: sa.Row[object]) -> LineTerms:
    """The discounts stored on an order line row (rows from before migration 0018: none)."""
    m = row._mapping

    def get(key: str, convert: Callable[[object], Decimal]) -> Decimal | None:
        value = m.get(key)
        return None if value is None else convert(value)

    return LineTerms(
        get("discount", money),
        get("discount_percent", rate),
        get("order_discount", money),
        get("order_discount_percent", rate),
    )


def money(value: object) -> Decimal:
    if type(value) is Decimal:  # as the driver reads a price: the same value, no text trip
        return value.quantize(CENT)
    return Decimal(str(value)).quantize(CENT)


def rate(value: object) -> Decimal:
    """20.000 -> 20 and 7.500 -> 7.5. Remembered by the value's text (what the answer is
    made from, so never stale: equal Decimals such as 0 and -0.00 may differ in it); a shop
    has a handful of tax rates."""
    text = str(value)
    found = _RATES.get(text)
    if found is None:
        found = Decimal(f"{Decimal(text).normalize():f}")
        if len(_RATES) >= RATE_MEMO:
            _RATES.clear()
        _RATES[text] = found
    return found


#: Tax rates remembered by :func:`rate` before its memory is cleared.
RATE_MEMO = 256
_RATES: dict[str, Decimal] = {}


@dataclass(frozen=True)
class SaleProduct:
    """What a sale line needs of a product."""

    id: int
    sku: str
    name: str
    price: Decimal
    tax_rate: Decimal
    serial_mode: SerialMode
    serial_format: str | None
    package_type: str | None = None
    #: The product's own PricesIncludeTax (None: the chain setting decides).
    prices_include_tax: bool | None = None

    @property
    def exploded(self) -> bool:
        """A package opened at the sale: its components are the lines that take serials."""
        return self.package_type == "exploded"


product_c = repo.product_t.c
#: product.package_type (migration 0003), read by name so this module needs no more of it.
PACKAGE_TYPE: sa.ColumnClause[str] = sa.literal_column("product.package_type", sa.String())
_component = sa.table(
    "product_component", sa.column("package_id"), sa.column("component_id"), sa.column("quantity")
)


#: What a sale line needs of a product (:class:`SaleProduct`, by :func:`sale_product_of`).
SALE_PRODUCT_SELECT = sa.select(
    product_c.id,
    product_c.sku,
    product_c.name,
    product_c.price,
    product_c.tax_rate,
    product_c.serial_mode,
    product_c.serial_format,
    PACKAGE_TYPE.label("package_type"),
    product_c.prices_include_tax,
)
# Built once with bind parameters (as repo.py's hot statements are): building a statement
# per call costs more than running it on a counter sale's path.
# Run as Prepared driver SQL: every scan reads its product.
_SALE_PRODUCT_BY_SKU = Prepared(SALE_PRODUCT_SELECT.where(product_c.sku == sa.bindparam("sku")))
_SALE_PRODUCT_BY_ID = Prepared(
    SALE_PRODUCT_SELECT.where(product_c.id == sa.bindparam("product_id"))
)


def _sale_product(
    conn: Connection, query: Prepared, params: dict[str, object]
) -> SaleProduct | None:
    r = query.first(conn, params)
    return None if r is None else sale_product_of(tuple(r))


def sale_product_of(values: tuple[Any, ...]) -> SaleProduct:
    """A product from the values of :data:`SALE_PRODUCT_SELECT`'s columns, in order."""
    pid, sku, name, price, tax_rate, serial_mode, serial_format, package_type, included = values
    return SaleProduct(
        pid,
        sku,
        name,
        money(price or 0),
        rate(tax_rate or 0),
        SERIAL_MODES[serial_mode],
        serial_format,
        package_type,
        included,
    )


def components(conn: Connection, package_id: int) -> list[tuple[int, int]]:
    """A package's components as (product id, quantity), in SKU order."""
    c = _component.c
    rows = conn.execute(
        sa.select(c.component_id, c.quantity)
        .join(repo.product_t, product_c.id == c.component_id)
        .where(c.package_id == package_id)
        .order_by(product_c.sku)
    ).all()
    return [(int(pid), int(qty)) for pid, qty in rows]


def sale_product_by_sku(conn: Connection, sku: str) -> SaleProduct | None:
    return _sale_product(conn, _SALE_PRODUCT_BY_SKU, {"sku": sku})


def sale_product_by_id(conn: Connection, product_id: int) -> SaleProduct:
    found = _sale_product(conn, _SALE_PRODUCT_BY_ID, {"product_id": product_id})
    assert found is not None
    return found


def _next_number_upsert(insert: Any) -> sa.Executable:
    stmt = insert(counter_t).values(
        store_id=sa.bindparam("store_id"), kind=sa.bindparam("kind"), value=1
    )
    upsert: sa.Executable = stmt.on_conflict_do_update(
        index_elements=[counter_t.c.store_id, counter_t.c.kind],
        set_={"value": counter_t.c.value + 1},
    ).returning(counter_t.c.value)
    return upsert


_NEXT_NUMBER = {
    "sqlite": Prepared(_next_number_upsert(sqlite.insert)),
    "postgresql": Prepared(_next_number_upsert(postgresql.insert)),
}


def next_number(conn: Connection, store_id: int, kind: str) -> int:
    """The next number of ``kind`` at a store, in one upsert: safe under concurrency (SQLite
    writers are serialised; PostgreSQL locks the counter row until commit)."""
    found = _NEXT_NUMBER[conn.dialect.name].scalar(conn, {"store_id": store_id, "kind": kind})
    return int(found)


order_c, store_c, line_c = order_t.c, repo.store_t.c, line_t.c
_ORDER_ROW = (
    sa.select(order_t, store_c.code.label("store_code"))
    .join(repo.store_t, store_c.id == order_c.store_id)
    .where(order_c.number == sa.bindparam("number"))
)
#: The order a step changes, locked, and whether it has any payment (``has_payments``): a
#: counter sale's steps before its tender have none, and then need not read them.
_ORDER_ROW_LOCKED = _ORDER_ROW.add_columns(
    sa.exists().where(payment_t.c.order_id == order_c.id).correlate(order_t).label("has_payments")
).with_for_update(of=order_t)
#: Every order step reads its order and lines: run as Prepared driver SQL.
_ORDER_ROW_RUN = Prepared(_ORDER_ROW)
_SETTING_COLUMNS = ("chain_settings", "store_settings")


def settings_pairs(store_id: sa.ColumnElement[int] | None, dialect: str) -> sa.ScalarSelect[Any]:
    """The chain's stored settings (``store_id`` None) or store ``store_id``'s as one JSON
    array of ``[key, value]`` pairs, for a statement that reads them beside what it reads
    anyway: repo.settings_pairs on PostgreSQL (NULL when there are none); on SQLite
    ``json_group_array``, whose text :func:`keep_settings_of` parses."""
    if dialect == "postgresql":
        return repo.settings_pairs(store_id)
    table = repo.chain_setting_t if store_id is None else repo.store_setting_t
    c = table.c
    pairs = sa.select(sa.func.json_group_array(sa.func.json_array(c.key, c.value)))
    if store_id is not None:
        pairs = pairs.where(c.store_id == store_id)
    return pairs.scalar_subquery()


#: The locked order with the settings in force at its store (the chain's and the store's
#: own), which every step reads next: one statement (and on PostgreSQL one round trip), not
#: two. One per dialect (the JSON functions differ).
_ORDER_ROW_LOCKED_WITH_SETTINGS = {
    dialect: Prepared(
        _ORDER_ROW_LOCKED.add_columns(
            settings_pairs(None, dialect).label(_SETTING_COLUMNS[0]),
            settings_pairs(order_c.store_id, dialect).label(_SETTING_COLUMNS[1]),
        )
    )
    for dialect in ("sqlite", "postgresql")
}
_LINES = (
    sa.select(
        line_t, product_c.serial_mode.label("serial_mode"), PACKAGE_TYPE.label("package_type")
    )
    .join(repo.product_t, product_c.id == line_c.product_id)
    .where(line_c.order_id == sa.bindparam("order_id"))
)
_ORDER_LINES_ALL = Prepared(_LINES.order_by(line_c.number))
_ORDER_LINES = Prepared(_LINES.where(line_c.status != LineStatus.REMOVED).order_by(line_c.number))
#: One line with what a sale line needs of its product (for SaleProduct), in one query.
_LINES_WITH_PRODUCT = _LINES.add_columns(
    product_c.sku.label("product_sku"),
    product_c.name.label("product_name"),
    product_c.price.label("product_price"),
    product_c.tax_rate.label("product_tax_rate"),
    product_c.serial_format.label("product_serial_format"),
    product_c.prices_include_tax.label("product_prices_include_tax"),
)
_LINE_ROW = Prepared(_LINES_WITH_PRODUCT.where(line_c.id == sa.bindparam("line_id")))
#: The order's lines (not removed, in number order) as _LINE_ROW reads one: what a serial
#: step needs of its line and what the order's view needs of all, in one read.
_ORDER_LINES_WITH_PRODUCTS = Prepared(
    _LINES_WITH_PRODUCT.where(line_c.status != LineStatus.REMOVED).order_by(line_c.number)
)
#: The order's lines with their products (as _LINE_ROW) and the unit each line's serial
#: names, with its lease (repo's unit columns; all None for a line with no serial or no
#: such unit): what a fulfilment needs to sell them, in one read.
_ORDER_LINES_WITH_UNITS = Prepared(
    _LINES_WITH_PRODUCT.add_columns(*repo.UNIT_COLUMNS)
    .outerjoin(
        repo.unit_t,
        sa.and_(
            repo.unit_t.c.product_id == line_c.product_id, repo.unit_t.c.serial == line_c.serial
        ),
    )
    .outerjoin(lease_t, lease_t.c.unit_id == repo.unit_t.c.id)
    .where(line_c.status != LineStatus.REMOVED)
    .order_by(line_c.number)
)
#: The order's lines as _ORDER_LINES_WITH_PRODUCTS reads them, the line ``line_id`` with the
#: unit of its product whose serial is ``serial`` and that unit's lease (repo's unit columns;
#: None on every other line, and where there is no such unit): a serial step's line, its
#: view's lines and the unit it reserves, in one round trip instead of two.
_ORDER_LINES_AND_UNIT = Prepared(
    _LINES_WITH_PRODUCT.add_columns(*repo.UNIT_COLUMNS)
    .outerjoin(
        repo.unit_t,
        sa.and_(
            line_c.id == sa.bindparam("line_id"),
            repo.unit_t.c.product_id == line_c.product_id,
            repo.unit_t.c.serial == sa.bindparam("serial"),
        ),
    )
    .outerjoin(lease_t, lease_t.c.unit_id == repo.unit_t.c.id)
    .where(line_c.status != LineStatus.REMOVED)
    .order_by(line_c.number)
)
_PAYMENTS = Prepared(
    sa.select(payment_t)
    .where(payment_t.c.order_id == sa.bindparam("order_id"))
    .order_by(payment_t.c.id)
)
_INVOICES = Prepared(
    sa.select(invoice_t.c.id, invoice_t.c.number)
    .where(invoice_t.c.order_id == sa.bindparam("order_id"))
    .order_by(invoice_t.c.id)
)


def order_row(conn: Connection, number: str, *, lock: bool = False) -> sa.Row[object] | None:
    """The order with its store's code; ``lock``: FOR UPDATE on PostgreSQL (SQLite's writers
    are serialised already, and its compiler leaves the clause out), ``has_payments``, and
    its store's settings kept for the transaction (repo.keep_settings) instead of read by a
    statement of their own (every step that locks an order reads them next)."""
    if lock:
        return _locked_with_settings(conn, number)
    found: sa.Row[object] | None = _ORDER_ROW_RUN.first(conn, {"number": number})
    return found


def _locked_with_settings(conn: Connection, number: str) -> sa.Row[object] | None:
    """The locked order row, with its store's settings kept for the transaction."""
    query = _ORDER_ROW_LOCKED_WITH_SETTINGS[conn.dialect.name]
    found = query.first(conn, {"number": number})
    return None if found is None else keep_settings_of(conn, found)


def with_settings(
    store_id: sa.ColumnElement[int], dialect: str = "postgresql"
) -> list[sa.Label[Any]]:
    """The columns an order read or insert adds to bring its store's settings
    (:func:`keep_settings_of` keeps them and takes them off the row)."""
    return [
        settings_pairs(None, dialect).label(_SETTING_COLUMNS[0]),
        settings_pairs(store_id, dialect).label(_SETTING_COLUMNS[1]),
    ]


def _pairs(value: object) -> list[list[str]] | None:
    """Settings pairs as read: a list (PostgreSQL's json), JSON text (SQLite), or NULL.
    SQLite's text is parsed once per distinct text (``json.loads`` cost a few microseconds,
    four times a counter sale, for the same few settings); the lists are only read."""
    if isinstance(value, str):
        parsed = _PARSED_PAIRS.get(value)
        if parsed is None:
            if len(_PARSED_PAIRS) >= 64:
                _PARSED_PAIRS.clear()
            parsed = _PARSED_PAIRS[value] = json.loads(value)
        return parsed
    return cast("list[list[str]] | None", value)


#: Settings texts as parsed (see :func:`_pairs`); a handful: the chain's and each store's.
_PARSED_PAIRS: dict[str, list[list[str]]] = {}


def keep_settings_of(conn: Connection, found: sa.Row[object]) -> sa.Row[object]:
    """The order row without the :func:`with_settings` columns, which are kept as the
    transaction's settings of its store (repo.keep_settings)."""
    keys: tuple[str, ...]
    values: Sequence[Any]
    if isinstance(found, PreparedRow):  # its class's key tuple, and the row is a tuple
        keys, values = found._keys, found
    else:
        keys, values = tuple(map(str, found._mapping)), tuple(found)
    shape = _WITHOUT_SETTINGS.get(keys)
    if shape is None:
        shape = _WITHOUT_SETTINGS[keys] = _without_settings(keys)
    kept, kept_keys, kept_index, store_at, chain_at, own_at = shape
    repo.keep_settings(
        conn, int(values[store_at]), _pairs(values[chain_at]), _pairs(values[own_at])
    )
    row: sa.Row[object] = cast(Any, PreparedRow(kept_keys, [values[i] for i in kept], kept_index))
    return row


#: Per shape of row read with the settings (its keys, shared by every row of a statement):
#: the positions and keys kept, and where the store and the settings are. Worked out once:
#: a counter step's order read spent more on sorting its 25 columns than on the read.
_WITHOUT_SETTINGS: dict[
    Sequence[str], tuple[tuple[int, ...], tuple[str, ...], dict[str, int], int, int, int]
] = {}


def _without_settings(
    keys: Sequence[str],
) -> tuple[tuple[int, ...], tuple[str, ...], dict[str, int], int, int, int]:
    at = {key: i for i, key in enumerate(keys)}  # a repeated key reads its last column
    kept = tuple(at[k] for k in at if k not in _SETTING_COLUMNS)
    kept_keys = tuple(keys[i] for i in kept)
    index = {key: i for i, key in enumerate(kept_keys)}
    return kept, kept_keys, index, at["store_id"], at[_SETTING_COLUMNS[0]], at[_SETTING_COLUMNS[1]]


def order_lines(
    conn: Connection, order_id: int, *, include_removed: bool = False
) -> list[sa.Row[object]]:
    query = _ORDER_LINES_ALL if include_removed else _ORDER_LINES
    return query.rows(conn, {"order_id": order_id})


def line_row(conn: Connection, order_id: int, line_id: int) -> sa.Row[object] | None:
    found: sa.Row[object] | None = _LINE_ROW.first(conn, {"order_id": order_id, "line_id": line_id})
    return found


def order_lines_with_products(conn: Connection, order_id: int) -> list[sa.Row[object]]:
    """The order's lines (not removed, in number order), each as :func:`line_row` reads it."""
    return _ORDER_LINES_WITH_PRODUCTS.rows(conn, {"order_id": order_id})


def order_lines_with_units(
    conn: Connection, order_id: int
) -> list[tuple[sa.Row[object], repo.UnitRow | None]]:
    """The order's lines (not removed, in number order) as :func:`line_row` reads them, each
    with the unit its serial names (None: no serial, or no such unit)."""
    out: list[tuple[sa.Row[object], repo.UnitRow | None]] = []
    width = len(repo.UNIT_COLUMNS)
    for row in _ORDER_LINES_WITH_UNITS.rows(conn, {"order_id": order_id}):
        unit_values = tuple(row)[-width:]
        out.append((row, None if unit_values[0] is None else repo.unit_row(*unit_values)))
    return out


def order_lines_and_unit(
    conn: Connection, order_id: int, line_id: int, serial: str | None
) -> tuple[list[sa.Row[object]], repo.UnitRow | None]:
    """The order's lines as :func:`order_lines_with_products` reads them, and the unit of
    line ``line_id``'s product with ``serial`` (None: no such line or unit, or no serial),
    read in the same statement."""
    rows = _ORDER_LINES_AND_UNIT.rows(
        conn, {"order_id": order_id, "line_id": line_id, "serial": serial}
    )
    width = len(repo.UNIT_COLUMNS)
    for row in rows:
        unit_values = tuple(row)[-width:]
        if unit_values[0] is not None:
            return rows, repo.unit_row(*unit_values)
    return rows, None


def line_product(row: sa.Row[object]) -> SaleProduct:
    """The product of a line read by :func:`line_row` (no second query)."""
    m = row._mapping
    return SaleProduct(
        m["product_id"],
        m["product_sku"],
        m["product_name"],
        money(m["product_price"] or 0),
        rate(m["product_tax_rate"] or 0),
        SERIAL_MODES[m["serial_mode"]],
        m["product_serial_format"],
        m["package_type"],
        m["product_prices_include_tax"],
    )


def payments(conn: Connection, order_id: int) -> list[sa.Row[object]]:
    return _PAYMENTS.rows(conn, {"order_id": order_id})


def payments_of(conn: Connection, order: sa.Row[object]) -> list[sa.Row[object]]:
    """The payments of an order row as it was read: none asked for when its locked read said
    it had none (for a step that adds no payment after that read)."""
    if not order._mapping.get("has_payments", True):
        return []
    return payments(conn, int(order._mapping["id"]))


def invoices(conn: Connection, order_id: int) -> dict[int, str]:
    """The order's invoices (and refund notes): number by id, in the order issued."""
    return {row.id: row.number for row in _INVOICES.rows(conn, {"order_id": order_id})}


def invoice_numbers(conn: Connection, order_id: int) -> list[str]:
    return list(invoices(conn, order_id).values())


def holding_line(conn: Connection, line_id: int | None) -> sa.Row[object] | None:
    """The order and line number of an order line (the one a reserved unit is reserved to),
    with the order's and the line's status."""
    if line_id is None:
        return None
    c, o = line_t.c, order_t.c
    return conn.execute(
        sa.select(o.number, o.status.label("order_status"), c.number.label("line_number"), c.status)
        .join(order_t, o.id == c.order_id)
        .where(c.id == line_id)
    ).first()


def holder_text(conn: Connection, line_id: int | None) -> str:
    """ "reserved on order S1-000003 line 2", for a refusal naming who holds a unit."""
    found = holding_line(conn, line_id)
    if found is None:
        return "reserved, but no order line holds it (see `serialpos db check`)"
    return f"reserved on order {found.number} line {found.line_number}"
