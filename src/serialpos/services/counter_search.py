"""The counter search: what the sale field's text means when it is no barcode, exact SKU or
serial in stock here (services/counter_scan.py asks after the orders service said "nothing
matches"). Rules in domain/counter_search.py; this module fetches the facts:

- products whose SKU or name holds every typed word, any case, with price and stock here;
- an order or invoice number typed in any case;
- a serial the ledger knows but that cannot be sold here: explained as the serial dialog
  explains it (:func:`why_not_here`, which the serial dialog's service also uses), so a sold
  unit or one at another store never gets a bare "nothing matches";
- a serial no unit has exactly but one has in other letter case (caps lock): "nothing
  matches 'drl18-a001': did you mean DRL18-A001?", as the serial look-ups say it
  (:func:`case_twin_refusal`), nothing added and the twin never sold in its place.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_repo as orepo
from serialpos.db import repo, unit_sql
from serialpos.db.customer_tables import customer_field_of
from serialpos.db.engine import Database
from serialpos.domain.counter_search import (
    MAX_CHOICES,
    ProductChoice,
    best,
    nothing_matches,
    searchable,
    words,
)
from serialpos.domain.errors import AlreadySold, DomainError, NotInStock, Reserved, UnknownProduct
from serialpos.domain.states import UnitState
from serialpos.services import scan_resolver

product_c, stock_c, unit_c = repo.product_t.c, repo.stock_t.c, repo.unit_t.c
order_c, invoice_c = orepo.order_t.c, orepo.invoice_t.c


@dataclass(frozen=True)
class OrderFound:
    """An order (or the order of an invoice) typed in the sale field."""

    order: str
    status: str
    invoice: str | None  # the invoice typed, if it was one
    customer: str | None


@dataclass(frozen=True)
class SearchAnswer:
    """What the search found: products to add or pick from, an order, or why a serial
    cannot be sold here (a refusal to show). All empty: nothing matches."""

    products: tuple[ProductChoice, ...] = ()
    more: bool = False
    order: OrderFound | None = None
    serial_refusal: DomainError | None = None


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def products_matching(
    conn: Connection, text: str, store_id: int
) -> tuple[list[ProductChoice], bool]:
    """Products whose SKU or name holds every word of ``text``, any case (at most
    MAX_CHOICES, and whether there were more), with their stock at ``store_id``."""
    where = [
        sa.or_(
            sa.func.lower(product_c.name).like(_like(w), escape="\\"),
            sa.func.lower(product_c.sku).like(_like(w), escape="\\"),
        )
        for w in words(text)
    ]
    rows = conn.execute(
        sa.select(
            product_c.sku,
            product_c.name,
            product_c.price,
            product_c.serial_mode,
            sa.func.coalesce(stock_c.quantity, 0),
        )
        .select_from(
            repo.product_t.outerjoin(
                repo.stock_t,
                sa.and_(stock_c.product_id == product_c.id, stock_c.store_id == store_id),
            )
        )
        .where(*where)
        .order_by(product_c.sku)
        .limit(MAX_CHOICES + 1)
    ).all()
    found = [ProductChoice(r[0], r[1], r[2], int(r[4]), r[3]) for r in rows[:MAX_CHOICES]]
    return best(text, found), len(rows) > MAX_CHOICES


def order_numbered(conn: Connection, text: str) -> OrderFound | None:
    """The order whose number, or whose invoice's number, is ``text`` in any case."""
    value = text.strip().upper()
    if not value or len(value) > 48:
        return None
    head = (order_c.number, order_c.status, customer_field_of(orepo.order_t))
    row = conn.execute(sa.select(*head).where(sa.func.upper(order_c.number) == value)).first()
    if row is not None:
        return OrderFound(row[0], row[1], None, row[2])
    row = conn.execute(
        sa.select(*head, invoice_c.number)
        .join(orepo.invoice_t, invoice_c.order_id == order_c.id)
        .where(sa.func.upper(invoice_c.number) == value)
    ).first()
    return None if row is None else OrderFound(row[0], row[1], row[3], row[2])


def why_not_here(
    conn: Connection,
    unit: repo.UnitRow,
    serial: str,
    store_id: int,
    store: str,
    order: str | None = None,
) -> DomainError | None:
    """Why the unit with ``serial`` cannot be sold at ``store``, or None if it can: the
    sentence the serial dialog and the sale field both show. ``order``: the sale being rung
    up; a unit already on it is said so, with its line (it named the same order as if
    another sale held the unit)."""
    state = UnitState(unit.state)
    where = repo.store_codes(conn).get(unit.store_id, "?")
    if state is UnitState.IN_STOCK:
        if unit.store_id != store_id:
            return NotInStock(
                f"serial {serial} is in stock at {where}, not at {store}; transfer it first"
            )
        return None
    if state is UnitState.RESERVED:
        holder = orepo.holding_line(conn, unit.reserved_line)
        if order is not None and holder is not None and holder.number == order:
            return Reserved(f"serial {serial} is already on this sale, line {holder.line_number}")
        return Reserved(
            f"serial {serial} is {orepo.holder_text(conn, unit.reserved_line)} (at {where})"
        )
    if state is UnitState.SOLD:
        return AlreadySold(f"serial {serial} is already sold; a return brings it back")
    return NotInStock(f"serial {serial} is {state.label} at {where}, not in stock")


def serial_refusal(
    conn: Connection, text: str, store_id: int, store: str, order: str | None = None
) -> DomainError | None:
    """A unit with exactly this serial (any product) that cannot be sold here, explained."""
    value = text.strip()
    if not value or len(value) > 64:
        return None
    for pid in conn.execute(
        sa.select(unit_c.product_id).where(unit_c.serial == value).order_by(unit_c.id).limit(20)
    ).scalars():
        unit = unit_sql.unit_by_serial(conn, int(pid), value)
        if unit is not None:
            problem = why_not_here(conn, unit, value, store_id, store, order)
            if problem is not None:
                return problem
    return None


def case_twin_refusal(conn: Connection, text: str) -> DomainError | None:
    """Text no unit has exactly but a unit has in other letter case (caps lock, a hand-typed
    label): "nothing matches 'drl18-a001': did you mean DRL18-A001?", as the serial look-ups
    say it. Nothing is added: the twin is never sold in its place, the cashier scans again."""
    value = text.strip()
    if not value or len(value) > 64:
        return None
    hint = scan_resolver.case_hint_in(conn, value)
    return None if hint is None else UnknownProduct(f"{nothing_matches(value)}: {hint}")


def search_in(
    conn: Connection, db: Database, text: str, store: str, order: str | None = None
) -> SearchAnswer:
    """What ``text`` finds at ``store``: a serial's explanation first (a serial is exact, or
    a case twin's "did you mean"), then an order or invoice number, then products by SKU or name."""
    store_id = repo.store_id(db, conn, store)
    refusal = serial_refusal(conn, text, store_id, store, order)
    if refusal is None:
        refusal = case_twin_refusal(conn, text)
    if refusal is not None:
        return SearchAnswer(serial_refusal=refusal)
    found = order_numbered(conn, text)
    if found is not None:
        return SearchAnswer(order=found)
    if not searchable(text):
        return SearchAnswer()
    products, more = products_matching(conn, text, store_id)
    return SearchAnswer(tuple(products), more)


def search_counter(db: Database, text: str, store: str, order: str | None = None) -> SearchAnswer:
    """:func:`search_in` in a read transaction of its own (``order``: the sale in hand)."""
    return db.read(lambda conn: search_in(conn, db, text, store, order))
