"""The one scan resolver: what a scan or typed entry means in a flow, from the ledger's facts.

Every flow that takes scans asks :func:`resolve_in` (inside its own transaction) or
:func:`resolve` (a read of its own), and the ledger asks :func:`refuse_live_elsewhere` before
a unit comes to life, so that no path (screen, CLI, ``apply``) records a serial live under two
products. The rules are in ``domain/scan_resolution.py``; this module only fetches the facts:
the units with the serial under every product (one query on the serial index, joined to their
product and store) and the product a barcode or SKU names (one query).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo, serial_case_sql
from serialpos.db.engine import Database
from serialpos.domain.decoder import DecodedScan, decode
from serialpos.domain.errors import (
    BadRequest,
    BadSerial,
    BadValue,
    DomainError,
    DuplicateSerial,
    NotSerialized,
    UnknownProduct,
)
from serialpos.domain.products import SerialMode, normalize_gtin
from serialpos.domain.scan_resolution import (
    LIVE,
    Accepts,
    LedgerFacts,
    Outcome,
    ProductFacts,
    Refusal,
    ScanContext,
    UnitFacts,
    is_global_identifier,
    known_elsewhere,
    live_elsewhere,
    new_serial_problem,
    other_product_refusal,
    run_on_refusal,
)
from serialpos.domain.scan_resolution import resolve as resolve_rules
from serialpos.domain.serial_case import case_twin, did_you_mean, fold, twin_message
from serialpos.domain.states import UnitState

#: More units than this with one serial is a data problem; the rules need only a few.
MAX_UNITS = 20

unit_c, product_c, store_c, barcode_c = (
    repo.unit_t.c,
    repo.product_t.c,
    repo.store_t.c,
    repo.barcode_t.c,
)
_PRODUCT_FIELDS = (product_c.sku, product_c.name, product_c.serial_mode, product_c.serial_format)

_UNITS_OF = (
    sa.select(*_PRODUCT_FIELDS, unit_c.serial, unit_c.state, store_c.code)
    .select_from(
        repo.unit_t.join(repo.product_t, product_c.id == unit_c.product_id).join(
            repo.store_t, store_c.id == unit_c.store_id
        )
    )
    .order_by(product_c.sku)
    .limit(MAX_UNITS)
)
_UNITS = _UNITS_OF.where(unit_c.serial == sa.bindparam("serial"))
_BY_GTIN = (
    sa.select(*_PRODUCT_FIELDS)
    .select_from(repo.product_t.join(repo.barcode_t, barcode_c.product_id == product_c.id))
    .where(barcode_c.gtin == sa.bindparam("gtin"))
    .limit(1)
)
_BY_SKU = sa.select(*_PRODUCT_FIELDS).where(product_c.sku == sa.bindparam("sku"))


def _product(row: Any) -> ProductFacts:  # a Row of _PRODUCT_FIELDS (and more)
    return ProductFacts(
        str(row.sku),
        str(row.name),
        SerialMode(str(row.serial_mode)),
        None if row.serial_format is None else str(row.serial_format),
    )


def units_with_serial(conn: Connection, serial: str) -> tuple[UnitFacts, ...]:
    """Every unit with this exact serial, under every product, with its product and store."""
    return tuple(
        UnitFacts(_product(row), row.serial, UnitState(row.state), row.code)
        for row in conn.execute(_UNITS, {"serial": serial})
    )


#: Units by folded serial, other than the exact serial, per dialect (db/serial_case_sql.py).
_FOLDED_QUERIES = {
    dialect: _UNITS_OF.where(
        serial_case_sql.folded(dialect) == sa.bindparam("key"),
        unit_c.serial != sa.bindparam("serial"),
    )
    for dialect in ("sqlite", "postgresql")
}


def case_twins(conn: Connection, serial: str) -> tuple[UnitFacts, ...]:
    """The units whose serial is ``serial`` in other letter case (not equal exactly), under
    every product: one search of the folded-serial index (migration 0037)."""
    query = _FOLDED_QUERIES[conn.dialect.name]
    return tuple(
        UnitFacts(_product(row), row.serial, UnitState(row.state), row.code)
        for row in conn.execute(query, {"key": fold(serial), "serial": serial})
    )


def case_hint_in(conn: Connection, serial: str) -> str | None:
    """``did you mean W2D-9?`` when units (of any product) have ``serial`` in other letter
    case, all named when several serials do (domain/serial_case.did_you_mean); None when none.
    For a refusal of a serial no unit has exactly (asked on the refusal path only): the
    serial look-ups' words, at the counter and wherever a unit is taken out, and the twin is
    never taken in its place."""
    return did_you_mean(serial, (u.serial for u in case_twins(conn, serial)))


def refuse_case_twin(conn: Connection, serial: str, sku: str | None = None) -> None:
    """Raise ``duplicate_serial`` when a recorded unit's serial is ``serial`` in other letter
    case (domain/serial_case.py): asked only where a new unit would be made, never of a unit
    coming back to its own product (``sku``: nothing is refused when that product already has
    a unit with exactly ``serial``). No manager's acceptance shares a case twin."""
    twin = case_twin(serial, case_twins(conn, serial))
    if twin is None:
        return
    if sku is not None and any(u.product.sku == sku for u in units_with_serial(conn, serial)):
        return  # the product's own unit: not new (twins recorded before 0037 are db check's)
    raise DuplicateSerial(twin_message(serial, twin, twin.product.sku))


def facts_of(product: repo.ProductRow) -> ProductFacts:
    return ProductFacts(product.sku, product.name, product.serial_mode, product.serial_format)


def product_facts(conn: Connection, sku: str) -> ProductFacts | None:
    row = conn.execute(_BY_SKU, {"sku": sku}).first()
    return None if row is None else _product(row)


def find_product(db: Database, sku: str) -> ProductFacts | None:
    """The product with this SKU (a screen's selection), or None."""
    return db.read(lambda conn: product_facts(conn, sku))


def product_named(
    conn: Connection, scan: DecodedScan, *, by_sku: bool = True
) -> ProductFacts | None:
    """The product a scan's GTIN names, else (``by_sku``) the product whose SKU is the
    scanned text."""
    gtin = scan.gtin
    if gtin is None and scan.kind == "serial":
        try:
            gtin = normalize_gtin(scan.text)
        except DomainError:
            gtin = None
    if gtin is not None:
        row = conn.execute(_BY_GTIN, {"gtin": gtin}).first()
        if row is not None:
            return _product(row)
    if by_sku and scan.kind == "serial" and scan.text:
        return product_facts(conn, scan.text)
    return None


def facts_for(
    conn: Connection, scan: DecodedScan, context: ScanContext | None = None
) -> LedgerFacts:
    """The ledger's facts for one scan: at most three indexed look-ups (the units with its
    serial, under every product; the product its barcode or SKU names; after a miss of both,
    the units with the serial in other letter case). A flow whose product
    is fixed, or that takes no product, never reads text as a SKU: that look-up is skipped."""
    fixed = context is not None and context.fixed_product and context.selected is not None
    serial = (
        scan.serial
        if scan.kind == "product_serial"
        # digits reading as a GTIN may still be the fixed product's serial (its format says)
        else (scan.text if scan.kind == "serial" or (scan.kind == "product" and fixed) else None)
    )
    units = units_with_serial(conn, serial) if serial else ()
    by_sku = context is None or (Accepts.PRODUCT in context.accepts and not fixed)
    product = product_named(conn, scan, by_sku=by_sku)
    # After an exact miss only, and not when the text names a product (a SKU typed): the
    # serial in other letter case (a caps-lock scan), through migration 0037's index.
    twins = case_twins(conn, serial) if serial and not units and product is None else ()
    return LedgerFacts(units, product, twins)


def resolve_in(conn: Connection, entry: str | DecodedScan, context: ScanContext) -> Outcome:
    """What ``entry`` (raw text or an already decoded scan) means in ``context``."""
    scan = decode(entry) if isinstance(entry, str) else entry
    return resolve_rules(scan, context, facts_for(conn, scan, context))


def resolve(db: Database, entry: str | DecodedScan, context: ScanContext) -> Outcome:
    """:func:`resolve_in` in a read transaction of its own."""
    return db.read(lambda conn: resolve_in(conn, entry, context))


def new_from_run_on(db: Database, sku: str, serial: str, run_on: tuple[str, str] | None) -> None:
    """:func:`run_on_refusal_in` in a read transaction of its own, raised."""
    if run_on is None:
        return
    refusal = db.read(lambda conn: run_on_refusal_in(conn, sku, serial, run_on))
    if refusal is not None:
        raise refused(refusal)


def run_on_refusal_in(
    conn: Connection, sku: str, serial: str, run_on: tuple[str, str] | None
) -> Refusal | None:
    """Why a label's serial of ``sku`` that may have swallowed the fields after it (the
    scan's ``run_on``, domain/decoder/run_on.py) cannot make a new unit: no unit holds it yet
    and the product says the shorter reading is its kind of serial (``run_on_refusal``); it
    would become a unit under a serial no label carries. A unit the ledger knows by it is
    that unit. Asked wherever a scan may make a unit: receiving, a count's unit found, an
    adjustment's unit added."""
    if run_on is None or units_with_serial(conn, serial):
        return None
    row = repo.product_by_sku(conn, sku)
    lengths = {
        length
        for (length,) in conn.execute(
            sa.select(sa.func.length(unit_c.serial))
            .where(unit_c.product_id == row.id)
            .limit(RUN_ON_SAMPLE)
        )
    }
    return run_on_refusal(facts_of(row), serial, run_on, lengths)


#: How many of a product's units' serials tell the length of its serials (one indexed read).
RUN_ON_SAMPLE = 20


def refused(outcome: Refusal) -> DomainError:
    """The refusal as the domain error services raise (same code, same sentence)."""
    kind = _ERRORS.get(outcome.code)
    if kind is not None:
        return kind(outcome.message)
    return DomainError(outcome.message, code=outcome.code)


_ERRORS: dict[str, type[DomainError]] = {
    "duplicate_serial": DuplicateSerial,
    "bad_serial_format": BadSerial,
    "unknown_product": UnknownProduct,
    "not_serialized": NotSerialized,
    "bad_request": BadRequest,
    "ambiguous_serial": BadRequest,
    "unknown_serial": UnknownProduct,
}


def refuse_live_elsewhere(
    conn: Connection,
    product: str | ProductFacts,
    serial: str,
    shared_by: str | None = None,
    *,
    new_unit: bool = False,
) -> str | None:
    """Raise ``duplicate_serial`` when a unit of another product with ``serial`` is live
    (in stock, reserved, in transit or expected), naming its product, state and store.
    ``new_unit`` (no unit of ``product`` has the serial yet): a gone unit of another product
    (sold, returned to the vendor, written off) is refused too, naming its product and state.

    ``shared_by`` names a manager who accepted the shared serial (with their PIN): allowed,
    unless either product's serials are global identifiers (IMEI); the sentence to record on
    the event is returned. None when no other product's unit is live."""
    sku = product if isinstance(product, str) else product.sku
    units = units_with_serial(conn, serial)
    clash = live_elsewhere(sku, units)
    if clash is None and new_unit:
        clash = known_elsewhere(sku, units)
    if clash is None:
        return None
    if shared_by is None or isinstance(product, str):
        raise refused(other_product_refusal(serial, clash))
    if is_global_identifier(product, serial) or is_global_identifier(clash.product, serial):
        raise DuplicateSerial(
            f"serial {serial} is already {clash.where}; it is an IMEI, which "
            "names one device worldwide: no override can share it"
        )
    return f"shared serial accepted by {shared_by}: also {clash.product.sku} at {clash.store}"


def barcode_owner(conn: Connection, serial: str) -> str | None:
    """The SKU whose barcode this "serial" is: a product label scanned where a serial was
    expected (a mis-scan), or None. Text that is no valid GTIN costs no query."""
    try:
        gtin = normalize_gtin(serial)
    except BadValue:
        return None
    row = conn.execute(_BY_GTIN, {"gtin": gtin}).first()
    return None if row is None else str(row.sku)


def refuse_new_serial(
    conn: Connection, product: ProductFacts, serial: str, shared_by: str | None = None
) -> str | None:
    """Every check on a serial about to become a new unit of ``product``, whichever way it
    enters (a receipt, an adjustment, ``apply``): not a product's barcode, not two labels run
    together, not the serial of another product's unit in any state, not a recorded serial in
    other letter case (domain/serial_case.py). Returns
    :func:`refuse_live_elsewhere`'s sentence for a shared serial a manager accepted."""
    problem = new_serial_problem(serial, barcode_owner(conn, serial), product)
    if problem is not None:
        raise refused(problem)
    shared = refuse_live_elsewhere(conn, product, serial, shared_by, new_unit=True)
    refuse_case_twin(conn, serial)  # a shared serial's acceptance never covers a case twin
    return shared


__all__ = [
    "LIVE",
    "barcode_owner",
    "case_hint_in",
    "case_twins",
    "facts_for",
    "facts_of",
    "find_product",
    "product_facts",
    "product_named",
    "refuse_case_twin",
    "refuse_live_elsewhere",
    "refuse_new_serial",
    "refused",
    "resolve",
    "resolve_in",
    "units_with_serial",
]
