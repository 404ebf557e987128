"""Whole orders from a host system (the ``apply`` order operations): header and lines checked and
written in one transaction, so a refused line leaves no half-made order behind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_repo as orepo
from serialpos.db.engine import Database
from serialpos.db.repo import UnitRow
from serialpos.domain.customers import CustomerFields
from serialpos.domain.errors import (
    BadRequest,
    BadValue,
)
from serialpos.domain.orders import (
    DeliveryMode,
    LineStatus,
    SaleType,
)
from serialpos.domain.serials import normalize_serial
from serialpos.services.context import Actor
from serialpos.services.orders import till_price
from serialpos.services.orders.header import _check_customer, _open_in, _parse_delivery, _parse_type
from serialpos.services.orders.line_insert import _Inserted, _scanned_line
from serialpos.services.orders.lines import _add_line, _product_for, _product_with_unit
from serialpos.services.orders.reading import _find, _view
from serialpos.services.orders.serials import _wanted
from serialpos.services.orders.views import MAX_LINES, Customer, OrderView
from serialpos.services.orders.work import _Ctx, _write

if TYPE_CHECKING:
    from serialpos.services.customers import KeyedRecord


@dataclass(frozen=True)
class NewLine:
    sku: str
    serial: str | None = None
    quantity: int = 1
    #: The unit price the store terminal's catalogue gave when it sold (its journal entry):
    #: the customer paid it, so the line is priced at it (services/orders/till_price.py).
    catalogue_price: Decimal | None = None
    #: The manager who accepted the line's serial where the counter would refuse it (a
    #: store terminal's entry names them, services/apply/order_amend.py), and whether as a
    #: serial shared with another product.
    serial_manager: Actor | None = None
    serial_shared: bool = False
    #: A line the till removed before the order reached central (its journal entry sends it
    #: so that central numbers the lines after it as the till did): made, then removed at
    #: once, its serial kept for the record only (no unit reserved), as the till's is.
    removed: bool = False


def _priced(product: orepo.SaleProduct, item: NewLine) -> orepo.SaleProduct:
    """``product`` at the price a store terminal sold it at, when its journal entry says so
    and central's differs: the customer paid the till's price, so the line takes it and keeps
    central's as the line's ``price_differs`` (services/orders/till_price.py)."""
    if not till_price.differs(item.catalogue_price, product.price):
        return product
    assert item.catalogue_price is not None
    return replace(product, price=item.catalogue_price)


def _product_of(
    ctx: _Ctx, item: NewLine
) -> tuple[orepo.SaleProduct, _Inserted | None, UnitRow | None]:
    """The product ``item`` names and, on PostgreSQL for one unit at central's price, its
    line inserted (with the unit its serial names read) in the same statement
    (line_insert._scanned_line); elsewhere, for one unit with a serial, the product's unit
    with that serial read with it (None: no such unit, read again where it is needed), so
    the line's serial check does not read it again. A catalogue price or a quantity takes
    the path of old."""
    sku = item.sku.strip() if item.sku else ""
    wanted = _wanted(item.serial)
    if sku and item.quantity == 1 and item.catalogue_price is None:
        scanned = _scanned_line(ctx, sku, wanted)
        if scanned is not None and scanned[0] is not None:
            return scanned[0], scanned[1], None
    if item.quantity == 1:
        product, unit = _product_with_unit(ctx.conn, item.sku, None, wanted)
        return product, None, unit
    return _product_for(ctx.conn, item.sku, None), None, None


def _mark_price_differs(
    ctx: _Ctx, central: orepo.SaleProduct, item: NewLine, line_ids: list[int]
) -> bool:
    """Keep central's price on the lines sold at the till's (their ``list_price`` and
    reason), after the till's own terms were applied to them: a line with a reason of its
    own (a price override or a discount) keeps it, the difference joined to it
    (services/orders/till_price.py); whether anything was written."""
    if not line_ids or not till_price.differs(item.catalogue_price, central.price):
        return False
    till = item.catalogue_price
    assert till is not None
    c = orepo.line_t.c
    reasons: dict[int, str | None] = {
        int(i): r
        for i, r in ctx.conn.execute(sa.select(c.id, c.discount_reason).where(c.id.in_(line_ids)))
    }
    plain = [i for i in line_ids if reasons.get(i) is None]
    if plain:
        values = till_price.line_values(till, central.price, ctx.actor.user)
        ctx.conn.execute(sa.update(orepo.line_t).where(c.id.in_(plain)).values(**values))
    for line_id in line_ids:
        reason = reasons.get(line_id)
        if reason is not None:
            joined = till_price.joined_values(till, central.price, str(reason))
            ctx.conn.execute(sa.update(orepo.line_t).where(c.id == line_id).values(**joined))
    return True


def create_order(
    db: Database,
    actor: Actor,
    store: str,
    type: str | SaleType = "sale",
    delivery: str | DeliveryMode = "cash_and_carry",
    customer: Customer | None = None,
    lines: list[NewLine] | tuple[NewLine, ...] = (),
    manager: Actor | None = None,
    record: int | CustomerFields | KeyedRecord | None = None,
    then: Callable[[_Ctx, list[list[int]]], bool | None] | None = None,
) -> tuple[OrderView, tuple[int, ...]]:
    """Open an order with its lines in ONE transaction (all or nothing). A serial-tracked
    product's quantity becomes that many lines; returns the order and the line ids made, in
    input order (one per unit for serial-tracked products). ``record``: the customer record
    sold to (an id, or details found or added as a record in the same transaction). ``then``
    runs in the same transaction with the line ids made for each input line (discounts, from
    ``apply``); it returns False when it wrote nothing (the order and its lines then stand
    as written here, and are not read back)."""
    sale_type, mode, fields = (
        _parse_type(type),
        _parse_delivery(delivery),
        _check_customer(customer),
    )
    if len(lines) > MAX_LINES:
        raise BadRequest(f"an order holds at most {MAX_LINES} lines")

    def work(conn: Connection) -> tuple[OrderView, tuple[int, ...]]:
        row = _open_in(conn, db, actor, store, sale_type, mode, fields)
        if record is not None:
            from serialpos.services.customers import attach_in, record_for_in

            attach_in(conn, int(row._mapping["id"]), record_for_in(conn, actor, record))
        ctx = _Ctx(conn, db, actor, row, new_lines=[])  # its lines are the ones written here
        made: list[int] = []
        groups: list[list[int]] = []
        marks: list[tuple[orepo.SaleProduct, NewLine, list[int]]] = []
        as_written = True  # every line stands as its insert returned it (serials kept)
        gone: set[int] = set()  # the lines of lines the till removed
        for given in lines:
            start = len(made)
            item = replace(given, serial=None) if given.removed else given
            central, inserted, unit = _product_of(ctx, item)
            product = _priced(central, item)
            priced: list[int] = []  # the lines the customer paid the item's price on
            if not 1 <= item.quantity <= 100_000:
                raise BadValue(f"{item.sku}: quantity must be 1 to 100,000")
            if item.serial and item.quantity != 1:
                raise BadRequest(f"{item.sku}: a line with a serial is one unit")
            if product.exploded:
                for _ in range(item.quantity):
                    header = _add_line(ctx, product, normalize_serial(item.serial))[0]
                    made.append(header)
                    priced.append(header)
                    made += [
                        r._mapping["id"]
                        for r in orepo.order_lines(conn, ctx.id)
                        if r._mapping["package_line"] == header
                    ]
            elif product.serial_mode.tracked:
                for _ in range(item.quantity):
                    serial = normalize_serial(item.serial)
                    approver = item.serial_manager or manager
                    made.append(
                        _add_line(
                            ctx,
                            product,
                            serial,
                            approver,
                            inserted,
                            unit=unit,  # (read for ``serial``: _wanted normalizes the same)
                            shared=item.serial_shared,
                        )[0]
                    )
                    priced.append(made[-1])
            else:
                line_id, merged, _msg = _add_line(ctx, product, normalize_serial(item.serial))
                as_written = as_written and not merged and item.quantity == 1
                if item.quantity > 1:
                    c = orepo.line_t.c
                    current = conn.execute(
                        sa.select(c.quantity).where(c.id == line_id)
                    ).scalar_one()
                    conn.execute(
                        sa.update(orepo.line_t)
                        .where(c.id == line_id)
                        .values(quantity=current + item.quantity - 1)
                    )
                made.append(line_id)
                priced.append(line_id)
            marks.append((central, item, priced))
            groups.append(made[start:])
            if given.removed:
                _remove_made(ctx, made[start:], normalize_serial(given.serial))
                gone.update(made[start:])
                as_written = False
        wrote = False
        if then is not None:
            wrote = then(ctx, groups) is not False
            as_written = as_written and not wrote
        # A till's price kept beside central's once the till's own terms are on the lines:
        # they were checked (the limit, the approval) against the shelf the till showed.
        if any([_mark_price_differs(ctx, c, item, ids) for c, item, ids in marks]):
            as_written = False  # the lines' rows changed after their insert
        # A new order has no payments or invoices yet; its row changed only if a customer
        # record or an order discount was written to it (else the row the insert returned).
        if record is not None or wrote:
            row = _find(conn, row._mapping["number"])
        lines_now = ctx.new_lines if as_written else None
        # No payments yet, unless ``then`` wrote one (an exchange's credit, from ``apply``).
        paid = None if wrote else ()
        view = _view(conn, row, lines=lines_now, payments=paid, invoices={})
        return view, tuple(i for i in made if i not in gone)

    return _write(db, actor, work)


def _remove_made(ctx: _Ctx, ids: list[int], serial: str | None) -> None:
    """The lines ``ids`` just made for a line the till had removed: removed here too (so a
    later line never merges into them), the first keeping the till's serial for the record
    (no unit was reserved: they were made without it)."""
    c = orepo.line_t.c
    ctx.conn.execute(
        sa.update(orepo.line_t).where(c.id.in_(ids)).values(status=LineStatus.REMOVED.value)
    )
    if serial is not None:
        ctx.conn.execute(sa.update(orepo.line_t).where(c.id == ids[0]).values(serial=serial))
