"""What the ledger and the catalogue say about the serials an ASN file lists, before the import.

An ASN's serials become ``expected`` units on the bulk path (services/asn/importing.py), which
bypasses the ledger's per-unit checks, so the same checks are made here in a few queries over
the whole file: a serial the ledger knows under its own product (already known), one it knows
in other letter case (a caps-lock twin: domain/serial_case.py), one it knows
under another product in any state (that product's label: a new unit would be a phantom
blocking the real unit's return, as :func:`scan_resolver.refuse_new_serial` refuses it on
every other path), and one that is a product's barcode. Each is a problem with its place in
the file, so a refused file lists them all at once.
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import bulk, repo, serial_case_sql
from serialpos.domain.asn_rows import Problem
from serialpos.domain.errors import BadValue
from serialpos.domain.products import SerialMode, normalize_gtin
from serialpos.domain.scan_resolution import (
    ProductFacts,
    UnitFacts,
    new_serial_problem,
    other_product_refusal,
)
from serialpos.domain.serial_case import case_twin, fold, twin_message
from serialpos.domain.serial_separators import any_separator
from serialpos.domain.states import UnitState

product_c, barcode_c = repo.product_t.c, repo.barcode_t.c

#: The lengths of a GTIN/EAN/UPC: only such serials are looked up among the barcodes.
_GTIN_LENGTHS = frozenset({8, 12, 13, 14})


def ledger_problems(conn: Connection, listed: Mapping[int, Mapping[str, str]]) -> list[Problem]:
    """Problems with the serials ``listed`` (product id -> serial -> where in the file)."""
    wanted = [serial for serials in listed.values() for serial in serials]
    if not wanted:
        return []
    # One look-up by folded serial finds the units with a listed serial exactly and those
    # with it in other letter case (a caps-lock twin), through the index of migration 0037.
    exact = set(wanted)
    units = serial_case_sql.units_folded(conn, list(set(map(fold, exact))))
    products = _products(conn, {pid for _s, pid, _st, _at in units} | set(listed))
    codes = repo.store_codes(conn) if units else {}
    by_serial: dict[str, list[UnitFacts]] = {}
    twins: dict[str, list[UnitFacts]] = {}  # folded serial -> units in other letter case
    for serial, pid, state, at in units:
        unit = UnitFacts(products[pid], serial, UnitState(state), codes.get(at, "?"))
        if serial in exact:
            by_serial.setdefault(serial, []).append(unit)
        else:
            twins.setdefault(fold(serial), []).append(unit)
    problems: list[Problem] = []
    digits = {s for s in wanted if len(s) in _GTIN_LENGTHS and s.isdigit() and s.isascii()}
    owners = _barcode_owners(conn, digits)
    # Only a serial the ledger knows (in any case) or one read as a barcode can have a problem
    # here (the run-together test was made on the file): the others cost a set look-up.
    suspects = by_serial.keys() | digits | any_separator(wanted)
    if twins:
        suspects |= {s for s in exact if fold(s) in twins}
    for product_id, serials in listed.items():
        for serial in [s for s in serials if s in suspects] if suspects else ():
            found = by_serial.get(serial, ())
            twin = case_twin(serial, twins.get(fold(serial), ()))
            message = _problem(products[product_id], serial, found, owners.get(serial), twin)
            if message is not None:
                problems.append(Problem(serials[serial], message))
    return problems


def _problem(
    product: ProductFacts,
    serial: str,
    units: list[UnitFacts] | tuple[()],
    owner: str | None,
    twin: UnitFacts | None,
) -> str | None:
    sku = product.sku
    own = next((u for u in units if u.product.sku == sku), None)
    if own is not None:
        return (
            f"serial {serial} of {sku} is already known to the ledger "
            f"({own.state.label} at {own.store})"
        )
    if units:
        return f"listed for {sku}: {other_product_refusal(serial, units[0]).message}"
    if twin is not None:
        return f"listed for {sku}: {twin_message(serial, twin, twin.product.sku)}"
    refusal = new_serial_problem(serial, owner, product)
    return None if refusal is None else refusal.message


def _products(conn: Connection, ids: set[int]) -> dict[int, ProductFacts]:
    found: dict[int, ProductFacts] = {}
    fields = (product_c.id, product_c.sku, product_c.name, product_c.serial_mode)
    for chunk in bulk.chunks(sorted(ids)):
        query = sa.select(*fields, product_c.serial_format).where(product_c.id.in_(chunk))
        for pid, sku, name, mode, fmt in conn.execute(query):
            found[int(pid)] = ProductFacts(sku, name, SerialMode(mode), fmt)
    return found


def _barcode_owners(conn: Connection, serials: set[str]) -> dict[str, str]:
    """The SKU whose barcode each listed all-digit serial is, for those that are GTINs."""
    gtins: dict[str, str] = {}
    for serial in serials:
        try:
            gtins[normalize_gtin(serial)] = serial
        except BadValue:
            continue
    owners: dict[str, str] = {}
    for chunk in bulk.chunks(sorted(gtins)):
        query = (
            sa.select(barcode_c.gtin, product_c.sku)
            .join(repo.product_t, product_c.id == barcode_c.product_id)
            .where(barcode_c.gtin.in_(chunk))
        )
        for gtin, sku in conn.execute(query):
            owners[gtins[gtin]] = str(sku)
    return owners
