"""The checks on one scanned unit in the stockroom's scan-out flows (transfers, returns to
vendor, adjustments): which product the serial is, and whether the ledger would let it move,
refused in the ledger's own words before anything is written.

A serial may be scanned with its product (a GS1 label, or after the product's barcode) or
alone; alone, the unit is found by its serial, preferring the one in stock at this store.
Errors a stockroom worker meets are named: garbage, a product label scanned as a serial, a
serial of another product, a unit not in stock here (sold, in transit, at another store).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.errors import BadRequest, BadSerial, NotInStock, NotSerialized
from serialpos.domain.products import SerialMode
from serialpos.domain.serials import SerialFormat, require_serial
from serialpos.domain.states import Action, UnitState, check_move
from serialpos.domain.text import clip
from serialpos.services.receiving import barcode_owner
from serialpos.services.scan_resolver import (
    case_hint_in,
    facts_of,
    refuse_new_serial,
    refused,
    run_on_refusal_in,
)
from serialpos.services.settings import settings_in


@dataclass(frozen=True)
class StockProduct:
    """A product as a scan-out flow at one store handles it: by serial or by quantity."""

    sku: str
    name: str
    serial_mode: SerialMode
    #: Units are scanned one by one here (the product has serials and the store tracks them).
    by_serial: bool

    @property
    def quantity_allowed(self) -> bool:
        """A quantity may be given: no serials here, or serials optional for the product."""
        return not self.by_serial or self.serial_mode is SerialMode.OPTIONAL


@dataclass(frozen=True)
class PickedUnit:
    sku: str
    name: str
    serial: str


def tracks_serials(db: Database, conn: Connection, store: str) -> bool:
    """Whether the store keeps its stock by serial (the ``serialized_inventory`` setting)."""
    return bool(settings_in(db, conn, store).serialized_inventory)


def stock_product(db: Database, conn: Connection, store: str, sku: str) -> StockProduct:
    product = repo.product_by_sku(conn, sku)
    return StockProduct(
        product.sku,
        product.name,
        product.serial_mode,
        product.serial_mode.tracked and tracks_serials(db, conn, store),
    )


def find_stock_product(db: Database, store: str, text: str) -> StockProduct:
    """A product by its SKU or any of its barcodes, as handled at ``store``."""
    from serialpos.domain.errors import BadValue, UnknownProduct
    from serialpos.domain.products import normalize_gtin

    code = text.strip()

    def work(conn: Connection) -> StockProduct:
        try:
            return stock_product(db, conn, store, code)
        except UnknownProduct:
            pass
        try:
            product_id = repo.product_id_by_gtin(conn, normalize_gtin(code))
        except BadValue:
            product_id = None
        if product_id is None:
            raise UnknownProduct(f"'{clip(code)}' is neither a SKU nor a product barcode")
        sku = conn.execute(
            sa.select(repo.product_t.c.sku).where(repo.product_t.c.id == product_id)
        ).scalar_one()
        return stock_product(db, conn, store, sku)

    return db.read(work)


unit_c, product_c = repo.unit_t.c, repo.product_t.c
_UNITS_BY_SERIAL = (
    sa.select(
        unit_c.id, unit_c.state, unit_c.store_id, unit_c.version, product_c.sku, product_c.name
    )
    .join(repo.product_t, product_c.id == unit_c.product_id)
    .where(unit_c.serial == sa.bindparam("serial"))
    .order_by(product_c.sku)
)


def resolve_unit(
    db: Database,
    conn: Connection,
    store: str,
    raw_serial: str,
    sku: str | None,
    action: Action,
    *,
    labelled: bool = False,
    run_on: tuple[str, str] | None = None,
) -> PickedUnit:
    """The unit a scan names, checked for ``action`` at ``store``; refused with the reason.

    ``sku`` is the product the worker scanned first (or the GS1 label's, ``labelled``);
    without it the serial is looked up among every product's units (not possible for a unit
    being added, which the ledger does not know yet). A bare serial that only another
    product's units hold is followed to that unit (a bare serial always finds its own
    product); a GS1 label names its product, so there the mismatch is refused."""
    serial = require_serial(raw_serial)
    here = repo.store_id(db, conn, store)
    codes = repo.store_codes(conn)
    matches = list(conn.execute(_UNITS_BY_SERIAL, {"serial": serial}))
    if (
        sku is not None
        and not labelled
        and action is not Action.ADJUST_ADD
        and matches
        and all(m.sku != sku for m in matches)
    ):
        sku = None  # a bare serial finds its own product's unit, whichever product is selected
    if sku is not None:
        product = repo.product_by_sku(conn, sku)
        if not product.serial_mode.tracked:
            raise NotSerialized(f"{sku} has no serials: give a quantity, not a serial")
        mine = [m for m in matches if m.sku == product.sku]
        others = [m.sku for m in matches if m.sku != product.sku]
        if not mine:
            # A product label or another product's unit breaks the format too: say which.
            _refuse_barcode(conn, serial)
            if others and action is not Action.ADJUST_ADD:
                _refuse_unknown(conn, serial, sku, others, action)
            elif others:  # a unit being added: the other product's unit named (a sold
                # phone's serial with a laptop selected was "not valid for the laptop")
                refuse_new_serial(conn, facts_of(product), serial)
        fmt = SerialFormat.parse(product.serial_format)
        if fmt is not None and not mine:  # a recorded unit: never judged by a newer format
            fmt.check(serial, sku)
        if not mine:
            _refuse_unknown(conn, serial, sku, others, action)
            # A unit being added: never two labels run together, never the serial of another
            # product's unit (live or gone: its own product's label).
            refuse_new_serial(conn, facts_of(product), serial)
            run_on_refused = run_on_refusal_in(conn, product.sku, serial, run_on)
            if run_on_refused is not None:  # the label's lot or date read into its serial
                raise refused(run_on_refused)
            _refuse_untracked(db, conn, store, product.sku)
            return PickedUnit(product.sku, product.name, serial)  # a unit being added
        unit = mine[0]
    else:
        if not matches:
            _refuse_unknown(conn, serial, None, [], action)
        if action is Action.ADJUST_ADD:
            raise BadRequest(
                f"serial {clip(serial)} needs its product: scan the product "
                "first, then the units to add"
            )
        here_units = [
            m for m in matches if m.store_id == here and m.state == UnitState.IN_STOCK.value
        ]
        if len(matches) > 1 and len(here_units) != 1:
            skus = ", ".join(m.sku for m in matches)
            raise BadRequest(
                f"serial {clip(serial)} belongs to several products ({skus}): "
                "scan the product first"
            )
        unit = here_units[0] if here_units else matches[0]
    _refuse_untracked(db, conn, store, unit.sku)
    check_move(
        action, serial, UnitState(unit.state), unit_store=codes.get(unit.store_id), here=store
    )
    return PickedUnit(unit.sku, unit.name, serial)


def _refuse_untracked(db: Database, conn: Connection, store: str, sku: str) -> None:
    if not tracks_serials(db, conn, store):
        raise BadRequest(
            f"serialized inventory is off at {store}: count {sku} (scan its "
            "barcode or type how many), do not scan its serials"
        )


def _refuse_unknown(
    conn: Connection, serial: str, sku: str | None, others: list[str], action: Action
) -> None:
    """No unit of the product has this serial: say what it is instead, if anything."""
    _refuse_barcode(conn, serial)
    if action is Action.ADJUST_ADD:
        return  # a new unit: the caller refuses a serial live under another product
    if others:
        raise BadSerial(f"serial {clip(serial)} is a unit of {', '.join(others)}, not of {sku}")
    hint = case_hint_in(conn, serial)  # caps lock: the recorded label named, never taken
    said = f": {hint}" if hint is not None else ""
    raise NotInStock(f"serial {clip(serial)} is not known to the ledger{said}")  # as the ledger


def _refuse_barcode(conn: Connection, serial: str) -> None:
    owner = barcode_owner(conn, serial)
    if owner is not None:
        raise BadSerial(
            f"'{clip(serial)}' is the barcode of {owner}, not a serial: scan the serial label"
        )
