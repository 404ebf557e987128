"""Serial lookup: a unit's state, store, product and its whole history; for a unit of a
package (a sealed bundle with one serial for the box), what the box holds."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_repo as orepo
from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.events import LedgerEvent
from serialpos.domain.serials import normalize_serial

MAX_MATCHES = 50


@dataclass(frozen=True)
class UnitCard:
    """Everything the serial card shows about one unit."""

    sku: str
    product_name: str
    serial: str
    state: str
    store: str
    events: tuple[LedgerEvent, ...]
    #: The unit's product is a package: "consolidated" (a sealed box with this one serial)
    #: or "exploded"; None for an ordinary product.
    package: str | None = None
    #: What the package holds: (SKU, name, quantity) by SKU; empty for other products.
    components: tuple[tuple[str, str, int], ...] = ()
    #: The latest order line that holds this unit (its sale, or the open order reserving it).
    sale: SaleLink | None = None


@dataclass(frozen=True)
class SaleLink:
    """Where the unit was sold: the order and its line, the invoice, and — for a component of
    an exploded package — the package it went out in."""

    order: str
    line: int
    status: str  # the line's status: open, fulfilled, returned
    invoice: str | None
    package_sku: str | None = None
    package_name: str | None = None


p, u, s, e = repo.product_t.c, repo.unit_t.c, repo.store_t.c, repo.event_t.c
_UNITS = (
    sa.select(u.id, u.serial, u.state, p.id.label("product_id"), p.sku, p.name,
              p.package_type, s.code)
    .join(repo.product_t, p.id == u.product_id)
    .join(repo.store_t, s.id == u.store_id)
    .where(u.serial == sa.bindparam("serial"))
    .order_by(p.sku)
    .limit(MAX_MATCHES)
)
_EVENTS = (
    sa.select(e, s.code)
    .join(repo.store_t, s.id == e.store_id)
    .where(e.unit_id == sa.bindparam("unit_id"))
    .order_by(e.id)
)


_part = repo.product_t.alias("part")
_COMPONENTS = (
    sa.select(_part.c.sku, _part.c.name, repo.component_t.c.quantity)
    .join(_part, _part.c.id == repo.component_t.c.component_id)
    .where(repo.component_t.c.package_id == sa.bindparam("package_id"))
)


_package_line = orepo.line_t.alias("package_line")
_ol, _pkg, _inv, _ord = (orepo.line_t.c, _package_line.c, orepo.invoice_t.c, orepo.order_t.c)
_SALE = (
    sa.select(_ord.number, _ol.number.label("line"), _ol.status, _inv.number.label("invoice"),
              _pkg.sku.label("package_sku"), _pkg.name.label("package_name"))
    .select_from(orepo.line_t)
    .join(orepo.order_t, _ord.id == _ol.order_id)
    .outerjoin(orepo.invoice_t, _inv.id == _ol.invoice_id)
    .outerjoin(_package_line, _pkg.id == _ol.package_line)
    .where(_ol.product_id == sa.bindparam("product_id"), _ol.serial == sa.bindparam("serial"),
           _ol.status != "removed")
    .order_by(_ol.id.desc())
    .limit(1)
)


def _sale(conn: Connection, product_id: int, serial: str) -> SaleLink | None:
    row = conn.execute(_SALE, {"product_id": product_id, "serial": serial}).first()
    if row is None:
        return None
    m = row._mapping
    return SaleLink(m["number"], int(m["line"]), m["status"], m["invoice"], m["package_sku"],
                    m["package_name"])


def _components(conn: Connection, package_id: int) -> tuple[tuple[str, str, int], ...]:
    rows = conn.execute(_COMPONENTS, {"package_id": package_id}).all()
    return tuple(sorted((sku, name, int(qty)) for sku, name, qty in rows))


def _event(row: sa.Row[tuple[object, ...]], sku: str) -> LedgerEvent:
    m = row._mapping
    return LedgerEvent(
        id=m["id"], at=m["at"], action=m["action"], user=m["user_name"], terminal=m["terminal"],
        store=m["code"], sku=sku, serial=m["serial"], from_state=m["from_state"],
        to_state=m["to_state"], quantity=m["quantity"], document_type=m["document_type"],
        document_id=m["document_id"], document_line=m["document_line"], reason=m["reason"],
    )


def find_units(conn: Connection, serial: str, sku: str | None = None,
               with_events: bool = True) -> list[UnitCard]:
    rows = conn.execute(_UNITS, {"serial": serial}).all()
    if sku is not None:
        rows = [r for r in rows if r.sku == sku]
    cards = []
    for row in rows:
        events: tuple[LedgerEvent, ...] = ()
        if with_events:
            events = tuple(_event(ev, row.sku) for ev in conn.execute(_EVENTS, {"unit_id": row.id}))
        parts = () if row.package_type is None else _components(conn, row.product_id)
        sale = _sale(conn, row.product_id, row.serial) if with_events else None
        cards.append(UnitCard(row.sku, row.name, row.serial, row.state, row.code, events,
                              row.package_type, parts, sale))
    return cards


def lookup_serial(db: Database, serial: str, sku: str | None = None) -> list[UnitCard]:
    """Every unit with this exact serial (one per product that has it), with its history.
    Serials are case-sensitive; surrounding spaces are ignored."""
    clean = normalize_serial(serial)
    if clean is None:
        return []
    return db.read(lambda conn: find_units(conn, clean, sku))
