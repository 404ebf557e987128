"""An open order made equal to a store terminal's copy of it (``order_amend``, issue 16).

An order central knows (made by an ``apply`` line on a till, or fulfilled there in part) and
then changed at the till's counter — a line added or removed, a quantity, a price override
or a discount, the order discount, the customer, the sale type — reaches central as the
order's whole state after each change (services/orders/sale_journal.py ``record_amend``).
Here central makes its order equal to that state in one transaction, with the guards of its
own counter: a line added reserves its unit (or is refused, as a sale of a unit gone
elsewhere is), a serial the ledger does not know needs the manager's approval the till
recorded, a discount past the store's limit the approving manager named. The whole state
rather than each change: a state applied twice changes nothing, and one applied after an
earlier entry was refused still leaves the two orders equal.

Lines are matched by their number on the order, the same at both ends (ids are not). A line
is priced as the till priced it (``catalogue_price``), central's own price kept beside it as
a sale's is (services/orders/till_price.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_repo as orepo
from serialpos.db.engine import Database
from serialpos.domain.discounts import Discount, DiscountKind
from serialpos.domain.errors import BadRequest, InvalidTransition
from serialpos.domain.orders import DeliveryMode, LineStatus, SaleType, check_quantity_change
from serialpos.services.context import Actor
from serialpos.services.customers import KeyedRecord
from serialpos.services.orders import till_price
from serialpos.services.orders.discounts import (
    CLEARED_TERMS,
    LineChange,
    change_line_in,
    order_discount_in,
)
from serialpos.services.orders.header import _check_customer
from serialpos.services.orders.host import NewLine, _mark_price_differs, _priced
from serialpos.services.orders.line_insert import _add_package, _insert_line
from serialpos.services.orders.lines import _product_for, _release_line
from serialpos.services.orders.reading import _editable, _find, _view, line_mode
from serialpos.services.orders.serials import _set_serial_in
from serialpos.services.orders.views import Customer, OrderView
from serialpos.services.orders.work import _Ctx, _touch, _write


@dataclass(frozen=True)
class Approved:
    """Terms a manager approved (or none needed: ``manager`` None)."""

    change: LineChange
    manager: Actor | None


@dataclass(frozen=True)
class StateLine:
    """One line of the till's order, by its number."""

    number: int
    sku: str
    removed: bool
    quantity: int = 1
    serial: str | None = None
    #: The number of the package line this part belongs to (None: a line of its own).
    part_of: int | None = None
    #: The till's shelf price of the line (None: central's price).
    catalogue_price: Decimal | None = None
    terms: Approved | None = None
    #: The manager whose approval the serial needed at the till, and whether they accepted
    #: it as shared with another product.
    serial_manager: Actor | None = None
    serial_shared: bool = False
    #: The line's share of the order discount as the till spread it.
    order_share: tuple[Decimal | None, Decimal | None] | None = None


@dataclass(frozen=True)
class OrderState:
    #: None: the order's own, unchanged.
    type: SaleType | None
    delivery: DeliveryMode | None
    #: A record by key, an existing record's id, typed details, or None (no customer).
    customer: KeyedRecord | int | Customer | None
    lines: tuple[StateLine, ...]
    #: The order discount with its reason and approver (None: none).
    order_terms: tuple[Discount, str, Actor | None] | None = None


def amend_order(db: Database, actor: Actor, order: str, state: OrderState) -> OrderView:
    """Make the open (or parked) ``order`` equal to ``state`` in one transaction."""

    def work(conn: Connection) -> OrderView:
        ctx = _Ctx(conn, db, actor, _editable(conn, order))
        _header(ctx, state)
        for line in sorted(state.lines, key=lambda x: x.number):
            _line(ctx, line)
        _order_terms(ctx, state)
        _touch(conn, ctx.id)
        return _view(conn, _find(conn, order))

    return _write(db, actor, work)


def _header(ctx: _Ctx, state: OrderState) -> None:
    m = ctx.row._mapping
    kind = m["type"] if state.type is None else state.type.value
    delivery = m["delivery"] if state.delivery is None else state.delivery.value
    if (m["type"], m["delivery"]) != (kind, delivery):
        _touch(ctx.conn, ctx.id, type=kind, delivery=delivery)
    c = state.customer
    if isinstance(c, KeyedRecord | int):
        from serialpos.services.customers import attach_in, record_for_in

        attach_in(ctx.conn, ctx.id, record_for_in(ctx.conn, ctx.actor, c))
    else:  # typed on the order, or none
        _touch(ctx.conn, ctx.id, **_check_customer(c))


def _rows(ctx: _Ctx) -> dict[int, sa.Row[object]]:
    rows = orepo.order_lines(ctx.conn, ctx.id, include_removed=True)
    return {int(r._mapping["number"]): r for r in rows}


def _line(ctx: _Ctx, line: StateLine) -> None:
    have = _rows(ctx).get(line.number)
    if line.removed:
        if (
            have is not None
            and have._mapping["status"] == LineStatus.OPEN
            and have._mapping["package_line"] is None
        ):
            _remove(ctx, have)
        return
    if have is None:
        if line.part_of is not None:
            raise BadRequest(
                f"order {ctx.number} has no line {line.number} (a part of line {line.part_of})",
                code="unknown_line",
            )
        have = _add(ctx, line)
    m = have._mapping
    if m["sku"] != line.sku:
        raise BadRequest(
            f"line {line.number} of order {ctx.number} is {m['sku']} here, {line.sku} on the till",
            code="unknown_line",
        )
    if m["status"] != LineStatus.OPEN:
        raise InvalidTransition(
            f"line {line.number} ({m['sku']}) of order {ctx.number} is {m['status']} here",
            code="line_closed",
        )
    line_id = int(m["id"])
    if line.part_of is None and m["quantity"] != line.quantity:
        check_quantity_change(line_mode(have), line.sku, line.quantity)
        ctx.conn.execute(
            sa.update(orepo.line_t)
            .where(orepo.line_t.c.id == line_id)
            .values(quantity=line.quantity)
        )
    if m["serial"] != line.serial:
        _set_serial_in(ctx, line_id, line.serial, line.serial_manager, line.serial_shared)
    if line.part_of is None:
        _terms(ctx, line_id, line)


def _remove(ctx: _Ctx, row: sa.Row[object]) -> None:
    """As remove_line: its units (and its package's parts') go back to stock."""
    parts = [
        r
        for r in orepo.order_lines(ctx.conn, ctx.id)
        if r._mapping["package_line"] == row._mapping["id"]
    ]
    for each in [row, *parts]:
        _release_line(ctx, each)
    ids = [row._mapping["id"], *(r._mapping["id"] for r in parts)]
    ctx.conn.execute(
        sa.update(orepo.line_t)
        .where(orepo.line_t.c.id.in_(ids))
        .values(status=LineStatus.REMOVED.value)
    )


def _add(ctx: _Ctx, line: StateLine) -> sa.Row[object]:
    """A line the till added: at the till's price, its own line (never merged into another,
    as the till numbered it), its unit reserved; numbered as on the till."""
    central = _product_for(ctx.conn, line.sku, None)
    product = _priced(central, NewLine(line.sku, None, line.quantity, line.catalogue_price))
    if product.exploded:
        line_id = _add_package(ctx, product)[0]
    else:
        if not 1 <= line.quantity <= 100_000:
            raise BadRequest(f"{line.sku}: quantity must be 1 to 100,000")
        line_id = int(_insert_line(ctx, product, line.quantity, product.price)._mapping["id"])
    made = orepo.line_row(ctx.conn, ctx.id, line_id)
    assert made is not None
    if int(made._mapping["number"]) != line.number:
        raise BadRequest(
            f"line {line.number} of order {ctx.number} would be line "
            f"{made._mapping['number']} here: the order differs from the till's",
            code="unknown_line",
        )
    return made


def _expected(
    line: StateLine, central: Decimal
) -> tuple[Decimal, Decimal | None, object, object, str | None, str | None]:
    """(unit price, list price, discount, percent, reason, approver) central's line holds
    when it is priced as the till's (its terms applied, central's price kept beside)."""
    shelf = line.catalogue_price if line.catalogue_price is not None else central
    terms = line.terms
    change = None if terms is None else terms.change
    price = change.price if change is not None and change.price is not None else shelf
    discount = None if change is None else change.discount
    percent_off = discount is not None and discount.kind is DiscountKind.PERCENT
    amount = None if discount is None or percent_off else discount.value
    percent = discount.value if discount is not None and percent_off else None
    differs = till_price.differs(line.catalogue_price, central)
    reason = None if change is None else change.reason
    if differs:
        listed: Decimal | None = central
        reason = (
            till_price.joined_values(shelf, central, reason)["discount_reason"]  # type: ignore[assignment]
            if reason is not None
            else till_price.line_values(shelf, central, "")["discount_reason"]
        )
    else:
        listed = shelf if price != shelf else None
    manager = None if terms is None or terms.manager is None else terms.manager.user
    return price, listed, amount, percent, reason, manager


def _held(row: sa.Row[object]) -> tuple[object, ...]:
    m = row._mapping

    def num(value: object) -> Decimal | None:
        return None if value is None else Decimal(str(value))

    return (
        num(m["unit_price"]),
        num(m["list_price"]),
        num(m["discount"]),
        num(m["discount_percent"]),
        m["discount_reason"],
        m["discount_approved_by"],
    )


def _terms(ctx: _Ctx, line_id: int, line: StateLine) -> None:
    """The line's price and discount as the till's: when they differ, back to the till's
    shelf price, then the till's terms with the manager who approved them, then central's
    price kept beside (as a sale from the till is priced, services/orders/host.py)."""
    row = orepo.line_row(ctx.conn, ctx.id, line_id)
    assert row is not None
    central = _product_for(ctx.conn, line.sku, None)
    want = _expected(line, central.price)
    held = _held(row)
    if [_num(x) for x in want[:4]] == list(held[:4]) and want[4:] == held[4:]:
        return
    shelf = line.catalogue_price if line.catalogue_price is not None else central.price
    ctx.conn.execute(
        sa.update(orepo.line_t)
        .where(orepo.line_t.c.id == line_id)
        .values(
            unit_price=shelf,
            list_price=None,
            **CLEARED_TERMS,
        )
    )
    if line.terms is not None:
        change_line_in(ctx, line_id, line.terms.change, line.terms.manager)
    _mark_price_differs(
        ctx, central, NewLine(line.sku, None, line.quantity, line.catalogue_price), [line_id]
    )


def _num(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _order_terms(ctx: _Ctx, state: OrderState) -> None:
    """The order discount as the till gave it (approved by its manager), and each open
    line's share of it as the till spread it."""
    order = _find(ctx.conn, ctx.number)._mapping
    held = (_num(order["discount"]), _num(order["discount_percent"]), order["discount_reason"])
    terms = state.order_terms
    want: tuple[object, ...] = (None, None, None)
    if terms is not None:
        discount, reason, _manager = terms
        percent = discount.kind is DiscountKind.PERCENT
        want = (None if percent else discount.value, discount.value if percent else None, reason)
    if tuple(_num(x) if i < 2 else x for i, x in enumerate(want)) != held:
        c = orepo.line_t.c
        ctx.conn.execute(
            sa.update(orepo.line_t)
            .where(c.order_id == ctx.id, c.status == LineStatus.OPEN.value)
            .values(order_discount=None, order_discount_percent=None)
        )
        _touch(
            ctx.conn,
            ctx.id,
            **CLEARED_TERMS,
        )
        if terms is not None:
            order_discount_in(ctx, terms[0], terms[1], terms[2])
    rows = _rows(ctx)
    for line in state.lines:
        row = rows.get(line.number)
        if line.order_share is None or row is None:
            continue
        if row._mapping["status"] != LineStatus.OPEN:
            continue
        share, share_percent = line.order_share
        ctx.conn.execute(
            sa.update(orepo.line_t)
            .where(orepo.line_t.c.id == row._mapping["id"])
            .values(order_discount=share, order_discount_percent=share_percent)
        )
