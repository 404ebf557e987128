"""Serial lookup: a unit's state, store, product and its whole history; for a unit of a
package (a sealed bundle with one serial for the box), what the box holds; its timeline in
words and its warranty. Prefix search (the units whose serial starts with what was typed)
is services/serial_search.py."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_repo as orepo
from serialpos.db import repo
from serialpos.db.conflict_sql import open_on_unit
from serialpos.db.customer_tables import customer_field_of
from serialpos.db.engine import Database
from serialpos.domain.decoder import DecodedScan
from serialpos.domain.events import LedgerEvent
from serialpos.domain.orders import LineStatus, OrderStatus
from serialpos.domain.serial_case import did_you_mean
from serialpos.domain.serials import normalize_serial
from serialpos.domain.timeline import TimelineEntry, timeline
from serialpos.domain.warranty import Warranty, WarrantyKind, sale_dates, warranty
from serialpos.services import not_taken

#: The most units one lookup lists (one serial under several products), and the units a
#: prefix search lists unless asked for more (services/serial_search.py).
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
    #: The product's warranty period in months (None: not set).
    warranty_months: int | None = None
    #: The warranty as of the lookup (None when looked up without events).
    warranty: Warranty | None = None
    #: The events in a shop person's words, oldest first.
    timeline: tuple[TimelineEntry, ...] = ()
    #: At central: ``OPEN CONFLICT #3 (an entry of till-2 not applied)``, each open one.
    conflicts: tuple[str, ...] = ()

    @property
    def customer(self) -> str | None:
        """Who bought (or is buying) this unit: the customer on its latest order line."""
        return None if self.sale is None else self.sale.customer


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
    #: The order's customer name ("who bought serial X"); None when the order names nobody.
    customer: str | None = None
    #: On a store terminal, when central did not take the sale made here: ``conflict #N``
    #: (another till sold the unit first; a manager resolves it) or ``refused``. None
    #: otherwise (accepted, waiting for central, or not a terminal's sale).
    central: str | None = None

    @property
    def central_words(self) -> str | None:
        """The card's warning, ``NOT TAKEN by central: conflict #3``."""
        return None if self.central is None else f"NOT TAKEN by central: {self.central}"


p, u, s, e = repo.product_t.c, repo.unit_t.c, repo.store_t.c, repo.event_t.c
_UNITS = (
    sa.select(
        u.id,
        u.serial,
        u.state,
        p.id.label("product_id"),
        p.sku,
        p.name,
        p.package_type,
        p.warranty_months,
        s.code,
    )
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
line_c, _package_line_c, invoice_c, order_c = (
    orepo.line_t.c,
    _package_line.c,
    orepo.invoice_t.c,
    orepo.order_t.c,
)
_SALE = (
    sa.select(
        order_c.number,
        line_c.number.label("line"),
        line_c.status,
        invoice_c.number.label("invoice"),
        _package_line_c.sku.label("package_sku"),
        _package_line_c.name.label("package_name"),
        customer_field_of(orepo.order_t),
    )
    .select_from(orepo.line_t)
    .join(orepo.order_t, order_c.id == line_c.order_id)
    .outerjoin(orepo.invoice_t, invoice_c.id == line_c.invoice_id)
    .outerjoin(_package_line, _package_line_c.id == line_c.package_line)
    .where(
        line_c.product_id == sa.bindparam("product_id"),
        line_c.serial == sa.bindparam("serial"),
        line_c.status != LineStatus.REMOVED,
        # A voided order's lines keep status "open" but never held the unit after the void:
        # they are no sale and no reservation, so the card does not name them.
        order_c.status != OrderStatus.VOIDED.value,
    )
    .order_by(line_c.id.desc())
    .limit(1)
)


def _sale(conn: Connection, product_id: int, serial: str) -> SaleLink | None:
    row = conn.execute(_SALE, {"product_id": product_id, "serial": serial}).first()
    if row is None:
        return None
    m = row._mapping
    return SaleLink(
        m["number"],
        int(m["line"]),
        m["status"],
        m["invoice"],
        m["package_sku"],
        m["package_name"],
        m["customer_name"] or None,
    )


def _central_verdict(conn: Connection, sale: SaleLink) -> SaleLink:
    """The sale as central took it, read from this till's journal: the last entry naming
    its invoice (or order) settled as a conflict or refused marks it. Central's own journal
    is empty: nothing changes there."""
    verdict = not_taken.verdict_of(conn, sale.invoice or sale.order)
    return sale if verdict is None else replace(sale, central=verdict)


def _components(conn: Connection, package_id: int) -> tuple[tuple[str, str, int], ...]:
    rows = conn.execute(_COMPONENTS, {"package_id": package_id}).all()
    return tuple(sorted((sku, name, int(qty)) for sku, name, qty in rows))


def _event(row: sa.Row[tuple[object, ...]], sku: str) -> LedgerEvent:
    m = row._mapping
    return LedgerEvent(
        id=m["id"],
        at=m["at"],
        action=m["action"],
        user=m["user_name"],
        terminal=m["terminal"],
        store=m["code"],
        sku=sku,
        serial=m["serial"],
        from_state=m["from_state"],
        to_state=m["to_state"],
        quantity=m["quantity"],
        document_type=m["document_type"],
        document_id=m["document_id"],
        document_line=m["document_line"],
        reason=m["reason"],
    )


def local_date(at: datetime) -> date:
    """Events are stored in UTC; a sale's date is the store's own calendar day."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return aware.astimezone().date()


def unit_warranty(
    events: tuple[LedgerEvent, ...], months: int | None, today: date | None = None
) -> Warranty:
    sold, returned = sale_dates((e.action, local_date(e.at)) for e in events)
    return warranty(sold, months, today or date.today(), returned)


def find_units(
    conn: Connection,
    serial: str,
    sku: str | None = None,
    with_events: bool = True,
    today: date | None = None,
) -> list[UnitCard]:
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
        if sale is not None:
            sale = _central_verdict(conn, sale)
        months = row.warranty_months
        guarantee = unit_warranty(events, months, today) if with_events else None
        if sale is not None and sale.central is not None:
            # central did not take the sale: it gives no warranty (no "in warranty until")
            guarantee = Warranty(WarrantyKind.NOT_TAKEN, months=months)
        cards.append(
            UnitCard(
                row.sku,
                row.name,
                row.serial,
                row.state,
                row.code,
                events,
                row.package_type,
                parts,
                sale,
                months,
                guarantee,
                timeline(events),
                tuple(
                    f"OPEN CONFLICT #{n} (an entry of {t} not applied)"
                    for n, t in (
                        open_on_unit(conn, row.product_id, row.serial) if with_events else ()
                    )
                ),
            )
        )
    return cards


def lookup_serial(
    db: Database, serial: str, sku: str | None = None, today: date | None = None
) -> list[UnitCard]:
    """Every unit with this exact serial (one per product that has it), with its history,
    timeline and warranty (as of ``today``, default the local date). Serials are
    case-sensitive; surrounding spaces are ignored."""
    clean = normalize_serial(serial)
    if clean is None:
        return []
    return db.read(lambda conn: find_units(conn, clean, sku, today=today))


def case_hint(
    db: Database, serial: str, sku: str | None = None, store: str | None = None
) -> str | None:
    """After :func:`lookup_serial` found nothing: ``did you mean W2D-9?`` when units have the
    serial in other letter case (of ``sku``, at ``store`` when given), all named when several
    serials do; None when none. Asked only after the exact look-up missed (the exact serial
    index stays the hot path); the unit is never shown as the answer, so a caps-lock scan is
    seen and scanned again rather than taken (domain/serial_case.py)."""
    from serialpos.services import scan_resolver

    clean = normalize_serial(serial)
    if clean is None:
        return None
    twins = db.read(lambda conn: scan_resolver.case_twins(conn, clean))
    return did_you_mean(
        clean,
        (
            u.serial
            for u in twins
            if (sku is None or u.product.sku == sku) and (store is None or u.store == store)
        ),
    )


def product_barcode_refusal(db: Database, store: str, scan: DecodedScan) -> str | None:
    """Where a serial is looked up, a product's barcode is named as such, with its product
    (the scan resolver's rule: a GTIN is a product barcode, never a serial). None when no
    product carries it: the digits may be a numeric serial, to be looked up."""
    from serialpos.domain.scan_resolution import Accepts, Refusal, ScanContext
    from serialpos.services import scan_resolver

    context = ScanContext(store, accepts=frozenset({Accepts.SERIAL}))
    outcome = scan_resolver.resolve(db, scan, context)
    if isinstance(outcome, Refusal) and outcome.code == "bad_serial_format":
        return outcome.message
    return None
