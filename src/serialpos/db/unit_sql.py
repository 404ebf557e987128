"""Serial units: finding one (with its lease), deciding a move in one query, and claiming it.

The hot path of every ledger move: :func:`move_context` reads all a move needs in one round
trip, and :func:`claim_unit` moves the unit only if nobody moved it since (optimistic: the
version and the order line holding it are part of the update's condition). Statements are
built once at import and run as :class:`Prepared` driver SQL (see db/repo.py)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db.lease_tables import lease_t
from serialpos.db.prepared import Prepared
from serialpos.db.repo import (
    PRODUCT_COLUMNS,
    UNIT_COLUMNS,
    ProductRow,
    UnitRow,
    chain_setting_t,
    product_t,
    store_setting_t,
    unit_row,
    unit_t,
    unknown_product,
)
from serialpos.domain.products import SERIAL_MODES


@dataclass(frozen=True)
class MoveContext:
    """What a ledger move reads before it decides, fetched in one query: the product, the
    raw stored values of one setting (the chain's and the store's; None where unset) and the
    unit with the first serial named (None when there is no such unit or no serial)."""

    product: ProductRow
    chain_setting: str | None
    store_setting: str | None
    unit: UnitRow | None


_UNIT_BY_SERIAL = Prepared(
    sa.select(*UNIT_COLUMNS)
    .select_from(unit_t.outerjoin(lease_t, lease_t.c.unit_id == unit_t.c.id))
    .where(
        unit_t.c.product_id == sa.bindparam("product_id"),
        unit_t.c.serial == sa.bindparam("serial"),
    )
)


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
        *PRODUCT_COLUMNS,
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
        ).outerjoin(lease_t, lease_t.c.unit_id == unit_t.c.id)
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
        raise unknown_product(sku)
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
