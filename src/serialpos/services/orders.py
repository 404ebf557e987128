"""Sale orders at the counter: open, add items (one line per serial-tracked unit), record
serials (reserving the unit), pay, fulfil (selling the units and issuing the invoice), park,
resume, void.

Every call is one transaction. The order row is locked (PostgreSQL ``FOR UPDATE``; SQLite
serialises writers) so two terminals working one order never interleave; units are claimed
through the ledger (conditional updates), so two orders racing for one unit cannot both win.

Decisions:
- A line's ``number`` is its number on the order, given when it is added and never reused
  (removing line 2 leaves lines 1 and 3); ledger events carry it as the document line.
- Payment at fulfilment: a ``sale`` is paid in full (the whole order total) before anything
  is fulfilled; a special order or lay-by may be fulfilled in parts, each time the payments
  must cover every line fulfilled so far (so the last part needs the whole total). Money
  paid beyond the order total at the final fulfilment is handed back as change (a negative
  ``change`` payment); before that it stays on the order as a deposit.
- Totals count open and fulfilled lines; returned lines are out of the totals and their
  refunds are negative payments, so ``paid`` is what the customer has net.
- An exploded package is a line of its own (its price, no serial) with its components'
  lines under it (``package_line``), priced 0, each following its own serial mode; removing
  or fulfilling the package takes its components along. Only the components move stock.
- A serial the ledger does not know (serialized inventory on) is refused (``unknown_unit``)
  unless a manager or admin overrides with user and PIN: the unit is then added to stock
  (an ``adjust_add`` event by the manager, reason naming them) and reserved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_repo as orepo
from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.errors import (
    AlreadySold,
    BadRequest,
    BadSerial,
    BadValue,
    DomainError,
    DuplicateSerial,
    InvalidTransition,
    NotInStock,
    NotSerialized,
    PermissionDenied,
    Reserved,
    UnknownProduct,
)
from serialpos.domain.events import DocumentRef
from serialpos.domain.orders import (
    DeliveryMode,
    LineAmounts,
    LineForGate,
    LineStatus,
    OrderStatus,
    PaymentMethod,
    SaleType,
    SerialIndicator,
    Totals,
    check_fulfilment_gate,
    check_quantity_change,
    merges_into_existing_line,
    parse_amount,
    serial_indicator,
    totals,
)
from serialpos.domain.products import SerialMode, normalize_gtin
from serialpos.domain.serials import SerialFormat, normalize_serial
from serialpos.domain.settings import StoreSettings
from serialpos.domain.states import Action, UnitState
from serialpos.domain.text import clip, has_control_chars
from serialpos.domain.users import Permission
from serialpos.services import ledger, lookup, scan_resolver
from serialpos.services.context import Actor
from serialpos.services.settings import chain_settings_in, settings_in

T = TypeVar("T")
ZERO = Decimal("0.00")
DOCUMENT_TYPE = "order"
MAX_LINES = 500


class UnknownOrder(DomainError):
    code = "unknown_order"


class OrderClosed(DomainError):
    code = "order_closed"


# -- views ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Customer:
    name: str | None = None
    phone: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class PaymentView:
    method: str
    amount: Decimal  # negative for change handed back and refunds
    at: datetime
    kind: str = "payment"  # payment / change / refund
    invoice: str | None = None


@dataclass(frozen=True)
class OrderLineView:
    line: int  # id: what every call names
    number: int  # the line's number on the order (1-based, never reused)
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    tax_rate: Decimal
    net: Decimal
    tax: Decimal
    total: Decimal
    serial_mode: SerialMode
    serial: str | None
    indicator: SerialIndicator
    status: LineStatus
    package_line: int | None = None
    invoice: str | None = None  # the invoice it was fulfilled on


@dataclass(frozen=True)
class OrderView:
    order: str
    store: str
    type: SaleType
    delivery: DeliveryMode
    status: OrderStatus
    customer: Customer | None
    lines: tuple[OrderLineView, ...]
    totals: Totals
    payments: tuple[PaymentView, ...]
    invoices: tuple[str, ...]
    created_by: str
    created_at: datetime

    def line_by_id(self, line: int) -> OrderLineView:
        for found in self.lines:
            if found.line == line:
                return found
        raise BadRequest(f"order {self.order} has no line {line}")

    @property
    def pending_serials(self) -> int:
        return sum(
            1
            for ln in self.lines
            if ln.status is LineStatus.OPEN and ln.indicator is SerialIndicator.MISSING_REQUIRED
        )


@dataclass(frozen=True)
class OrderSummary:
    order: str
    type: SaleType
    delivery: DeliveryMode
    status: OrderStatus
    customer_name: str | None
    total: Decimal
    lines: int
    created_at: datetime
    pending_serials: int


@dataclass(frozen=True)
class AddResult:
    order: OrderView
    line: int
    prompt_serial: bool
    merged: bool
    message: str


@dataclass(frozen=True)
class FulfilResult:
    order: OrderView
    invoice: str
    change_due: Decimal


# -- reading --------------------------------------------------------------------------
def _view(conn: Connection, row: sa.Row[object]) -> OrderView:
    m = row._mapping
    invoice_numbers: dict[int, str] = dict(
        conn.execute(  # type: ignore[arg-type]
            sa.select(orepo.invoice_t.c.id, orepo.invoice_t.c.number).where(
                orepo.invoice_t.c.order_id == m["id"]
            )
        ).all()
    )
    lines = []
    for ln in orepo.order_lines(conn, m["id"]):
        lm = ln._mapping
        mode = line_mode(ln)
        price, tax_rate = orepo.money(lm["unit_price"]), orepo.rate(lm["tax_rate"])
        amounts = orepo.row_amounts(ln)
        lines.append(
            OrderLineView(
                line=lm["id"],
                number=lm["number"],
                sku=lm["sku"],
                name=lm["name"],
                quantity=lm["quantity"],
                unit_price=price,
                tax_rate=tax_rate,
                net=amounts.net,
                tax=amounts.tax,
                total=amounts.gross,
                serial_mode=mode,
                serial=lm["serial"],
                indicator=serial_indicator(mode, lm["serial"]),
                status=LineStatus(lm["status"]),
                package_line=lm["package_line"],
                invoice=invoice_numbers.get(lm["invoice_id"]),
            )
        )
    pays = tuple(
        PaymentView(
            p.method, orepo.money(p.amount), p.at, p.kind, invoice_numbers.get(p.invoice_id)
        )
        for p in orepo.payments(conn, m["id"])
    )
    counted = [
        LineAmounts(ln.net, ln.tax)
        for ln in lines
        if ln.status in (LineStatus.OPEN, LineStatus.FULFILLED)
    ]
    customer = None
    if any(m[k] for k in ("customer_name", "customer_phone", "customer_address")):
        customer = Customer(m["customer_name"], m["customer_phone"], m["customer_address"])
    return OrderView(
        order=m["number"],
        store=m["store_code"],
        type=SaleType(m["type"]),
        delivery=DeliveryMode(m["delivery"]),
        status=OrderStatus(m["status"]),
        customer=customer,
        lines=tuple(lines),
        totals=totals(counted, [p.amount for p in pays]),
        payments=pays,
        invoices=tuple(invoice_numbers[k] for k in sorted(invoice_numbers)),
        created_by=m["created_by"],
        created_at=m["created_at"],
    )


def line_mode(row: sa.Row[object]) -> SerialMode:
    """A line's serial mode: its product's, except a package opened at the sale (exploded),
    whose own mode is ignored: its components' lines take the serials."""
    if row._mapping["package_type"] == "exploded":
        return SerialMode.DISABLED
    return SerialMode(row._mapping["serial_mode"])


def _find(conn: Connection, number: str, *, lock: bool = False) -> sa.Row[object]:
    row = orepo.order_row(conn, number.strip(), lock=lock)
    if row is None:
        raise UnknownOrder(f"there is no order '{clip(number.strip())}'")
    return row


def _editable(conn: Connection, number: str) -> sa.Row[object]:
    """The order, locked, refused unless it can still change (open or parked)."""
    row = _find(conn, number, lock=True)
    status = row._mapping["status"]
    if status == OrderStatus.FULFILLED:
        raise OrderClosed(
            f"order {row._mapping['number']} is fulfilled: return it and re-issue on a new invoice"
        )
    if status not in (OrderStatus.OPEN, OrderStatus.PARKED):
        raise OrderClosed(f"order {row._mapping['number']} is {status}; it cannot change")
    return row


def get_order(db: Database, order: str) -> OrderView:
    return db.read(lambda conn: _view(conn, _find(conn, order)))


def list_orders(
    db: Database, store: str, status: str | None = None, limit: int = 100
) -> list[OrderSummary]:
    """Newest first. ``status``: open, parked, fulfilled or voided (None: all)."""
    wanted = None
    if status is not None:
        try:
            wanted = OrderStatus(status.strip().lower())
        except ValueError:
            raise BadValue(
                f"order status '{clip(status)}' is not one of "
                f"{', '.join(s.value for s in OrderStatus)}"
            ) from None

    def work(conn: Connection) -> list[OrderSummary]:
        sid = repo.store_id(db, conn, store)
        o = orepo.order_t.c
        query = sa.select(o.number).where(o.store_id == sid).order_by(o.id.desc()).limit(limit)
        if wanted is not None:
            query = query.where(o.status == wanted.value)
        out = []
        for number in conn.execute(query).scalars():
            view = _view(conn, _find(conn, number))
            out.append(
                OrderSummary(
                    view.order,
                    view.type,
                    view.delivery,
                    view.status,
                    view.customer.name if view.customer else None,
                    view.totals.total,
                    len(view.lines),
                    view.created_at,
                    view.pending_serials,
                )
            )
        return out

    return db.read(work)


@dataclass(frozen=True)
class PendingLine:
    """An open line still waiting for its required serial (the fulfilment report's "items
    pending serial"); the serial is entered in place with :func:`set_serial`."""

    order: str
    line: int
    number: int
    sku: str
    name: str
    type: SaleType
    delivery: DeliveryMode
    customer_name: str | None
    created_at: datetime


def pending_serial_lines(db: Database, store: str, limit: int = 500) -> list[PendingLine]:
    """Open lines of open or parked orders at ``store`` whose product requires a serial and
    has none yet, oldest order first."""

    def work(conn: Connection) -> list[PendingLine]:
        sid = repo.store_id(db, conn, store)
        o, c, p = orepo.order_t.c, orepo.line_t.c, repo.product_t.c
        rows = conn.execute(
            sa.select(
                o.number,
                c.id,
                c.number.label("line_number"),
                c.sku,
                c.name,
                o.type,
                o.delivery,
                o.customer_name,
                o.created_at,
            )
            .join(orepo.order_t, o.id == c.order_id)
            .join(repo.product_t, p.id == c.product_id)
            .where(
                o.store_id == sid,
                o.status.in_(("open", "parked")),
                c.status == "open",
                c.serial.is_(None),
                p.serial_mode == SerialMode.REQUIRED.value,
                sa.func.coalesce(orepo.PACKAGE_TYPE, "") != "exploded",
            )
            .order_by(o.id, c.number)
            .limit(limit)
        ).all()
        return [
            PendingLine(
                r.number,
                r.id,
                r.line_number,
                r.sku,
                r.name,
                SaleType(r.type),
                DeliveryMode(r.delivery),
                r.customer_name,
                r.created_at,
            )
            for r in rows
        ]

    return db.read(work)


def _write(db: Database, actor: Actor, work: Callable[[Connection], T]) -> T:
    actor.require(Permission.SELL)
    return db.write(work)


def _touch(conn: Connection, order_id: int, **values: object) -> None:
    conn.execute(
        sa.update(orepo.order_t)
        .where(orepo.order_t.c.id == order_id)
        .values(updated_at=utcnow(), **values)
    )


# -- opening and header fields ----------------------------------------------------------
def _check_customer(customer: Customer | None) -> dict[str, str | None]:
    if customer is None:
        return {"customer_name": None, "customer_phone": None, "customer_address": None}
    out: dict[str, str | None] = {}
    for key, value, limit in (
        ("name", customer.name, 100),
        ("phone", customer.phone, 40),
        ("address", customer.address, 200),
    ):
        text = value.strip() if value else None
        if text and key != "address" and has_control_chars(text):
            raise BadValue(f"customer {key} contains control characters")
        if text and len(text) > limit:
            raise BadValue(f"customer {key} is longer than {limit} characters")
        out[f"customer_{key}"] = text or None
    return out


def _parse_type(value: str | SaleType) -> SaleType:
    return value if isinstance(value, SaleType) else SaleType.parse(value)


def _parse_delivery(value: str | DeliveryMode) -> DeliveryMode:
    return value if isinstance(value, DeliveryMode) else DeliveryMode.parse(value)


def _open_in(
    conn: Connection,
    db: Database,
    actor: Actor,
    store: str,
    sale_type: SaleType,
    delivery: DeliveryMode,
    customer: dict[str, str | None],
) -> sa.Row[object]:
    sid = repo.store_id(db, conn, store)
    number = f"{store}-{orepo.next_number(conn, sid, 'order'):06d}"
    now = utcnow()
    conn.execute(
        sa.insert(orepo.order_t).values(
            number=number,
            store_id=sid,
            type=sale_type.value,
            delivery=delivery.value,
            status=OrderStatus.OPEN.value,
            created_by=actor.user,
            terminal=actor.terminal,
            created_at=now,
            updated_at=now,
            **customer,
        )
    )
    return _find(conn, number)


def open_order(
    db: Database,
    actor: Actor,
    store: str,
    type: str | SaleType = "sale",
    delivery: str | DeliveryMode = "cash_and_carry",
    customer: Customer | None = None,
) -> OrderView:
    sale_type, mode, fields = (
        _parse_type(type),
        _parse_delivery(delivery),
        _check_customer(customer),
    )
    return _write(
        db,
        actor,
        lambda conn: _view(conn, _open_in(conn, db, actor, store, sale_type, mode, fields)),
    )


def set_customer(db: Database, actor: Actor, order: str, customer: Customer | None) -> OrderView:
    fields = _check_customer(customer)

    def work(conn: Connection) -> OrderView:
        row = _editable(conn, order)
        _touch(conn, row._mapping["id"], **fields)
        return _view(conn, _find(conn, order))

    return _write(db, actor, work)


def set_sale_type(
    db: Database, actor: Actor, order: str, type: str | SaleType, delivery: str | DeliveryMode
) -> OrderView:
    """Change the sale type and delivery mode. Delivery needs the customer's name, phone and
    address by fulfilment (checked there, so they may be filled in later)."""
    sale_type, mode = _parse_type(type), _parse_delivery(delivery)

    def work(conn: Connection) -> OrderView:
        row = _editable(conn, order)
        _touch(conn, row._mapping["id"], type=sale_type.value, delivery=mode.value)
        return _view(conn, _find(conn, order))

    return _write(db, actor, work)


def _set_status(
    db: Database, actor: Actor, order: str, before: OrderStatus, after: OrderStatus, verb: str
) -> OrderView:
    def work(conn: Connection) -> OrderView:
        row = _find(conn, order, lock=True)
        status = row._mapping["status"]
        if status != before.value:
            raise OrderClosed(
                f"order {row._mapping['number']} is {status}; only an order that "
                f"is {before.value} can be {verb}"
            )
        _touch(conn, row._mapping["id"], status=after.value)
        return _view(conn, _find(conn, order))

    return _write(db, actor, work)


def park(db: Database, actor: Actor, order: str) -> OrderView:
    return _set_status(db, actor, order, OrderStatus.OPEN, OrderStatus.PARKED, "parked")


def resume(db: Database, actor: Actor, order: str) -> OrderView:
    return _set_status(db, actor, order, OrderStatus.PARKED, OrderStatus.OPEN, "resumed")


# -- lines ----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Ctx:
    """One order being changed inside one transaction."""

    conn: Connection
    db: Database
    actor: Actor
    row: sa.Row[object]

    @property
    def id(self) -> int:
        return int(self.row._mapping["id"])

    @property
    def number(self) -> str:
        return str(self.row._mapping["number"])

    @property
    def store(self) -> str:
        return str(self.row._mapping["store_code"])

    @property
    def store_id(self) -> int:
        return int(self.row._mapping["store_id"])

    def settings(self) -> StoreSettings:
        return settings_in(self.db, self.conn, self.store)

    def doc(self, line_number: int) -> DocumentRef:
        return DocumentRef(DOCUMENT_TYPE, self.number, str(line_number))


def _product_for(conn: Connection, sku: str | None, barcode: str | None) -> orepo.SaleProduct:
    if sku is not None and sku.strip():
        found = orepo.sale_product_by_sku(conn, sku.strip())
        if found is None:
            raise UnknownProduct(f"there is no product with SKU '{clip(sku.strip())}'")
        return found
    if barcode is not None and barcode.strip():
        try:
            gtin = normalize_gtin(barcode)
        except BadValue as exc:
            raise UnknownProduct(
                f"no product has barcode '{clip(barcode.strip())}' ({exc.message})"
            ) from None
        pid = repo.product_id_by_gtin(conn, gtin)
        if pid is None:
            raise UnknownProduct(f"no product has barcode '{clip(barcode.strip())}'")
        return orepo.sale_product_by_id(conn, pid)
    raise BadRequest("give a SKU or a barcode")


def _insert_line(
    ctx: _Ctx,
    product: orepo.SaleProduct,
    quantity: int,
    price: Decimal,
    package_line: int | None = None,
) -> int:
    conn, c = ctx.conn, orepo.line_t.c
    count = conn.execute(sa.select(sa.func.count()).where(c.order_id == ctx.id)).scalar_one()
    if count >= MAX_LINES:
        raise BadRequest(f"an order holds at most {MAX_LINES} lines; open another order")
    number = (
        int(
            conn.execute(
                sa.select(sa.func.coalesce(sa.func.max(c.number), 0)).where(c.order_id == ctx.id)
            ).scalar_one()
        )
        + 1
    )
    return _new_id(
        conn.execute(
            sa.insert(orepo.line_t).values(
                order_id=ctx.id,
                number=number,
                product_id=product.id,
                sku=product.sku,
                name=product.name,
                quantity=quantity,
                unit_price=price,
                tax_rate=product.tax_rate,
                tax_included=_tax_included(conn, product),
                serial=None,
                status=LineStatus.OPEN.value,
                package_line=package_line,
            )
        )
    )


def _tax_included(conn: Connection, product: orepo.SaleProduct) -> bool:
    """Whether this product's price includes tax: its own feed value, else the chain's."""
    if product.prices_include_tax is not None:
        return product.prices_include_tax
    return chain_settings_in(conn).prices_include_tax


def _add_package(ctx: _Ctx, package: orepo.SaleProduct) -> tuple[int, bool, str]:
    """An exploded package: its own line (the price) and one line per component unit
    (serial-tracked components) or per component (others), priced in the package."""
    header = _insert_line(ctx, package, 1, package.price)
    parts = orepo.components(ctx.conn, package.id)
    for component_id, quantity in parts:
        part = orepo.sale_product_by_id(ctx.conn, component_id)
        if part.serial_mode.tracked:
            for _ in range(quantity):
                _insert_line(ctx, part, 1, ZERO, header)
        else:
            _insert_line(ctx, part, quantity, ZERO, header)
    return (
        header,
        False,
        (f"added package {package.sku} {package.name} with {len(parts)} components"),
    )


def _add_line(
    ctx: _Ctx, product: orepo.SaleProduct, serial: str | None, manager: Actor | None = None
) -> tuple[int, bool, str]:
    """Add one unit of ``product``: returns (line id, merged, message)."""
    conn, c = ctx.conn, orepo.line_t.c
    if product.exploded:
        if serial:
            raise NotSerialized(
                f"{product.sku} is a package opened at the sale: its components take the serials"
            )
        return _add_package(ctx, product)
    if product.serial_mode is SerialMode.DISABLED and serial:
        raise NotSerialized(f"{product.sku} is not serialized; it takes no serial")
    if merges_into_existing_line(product.serial_mode, ctx.settings().aggregate_duplicate_items):
        existing = conn.execute(
            sa.select(c.id, c.quantity)
            .where(
                c.order_id == ctx.id,
                c.product_id == product.id,
                c.status == "open",
                c.package_line.is_(None),
            )
            .order_by(c.number)
            .limit(1)
        ).first()
        if existing is not None:
            conn.execute(
                sa.update(orepo.line_t)
                .where(c.id == existing.id)
                .values(quantity=existing.quantity + 1)
            )
            return (
                existing.id,
                True,
                f"{product.sku} {product.name}: quantity now {existing.quantity + 1}",
            )
    line_id = _insert_line(ctx, product, 1, product.price)
    message = f"added {product.sku} {product.name}"
    if serial:
        _set_serial_in(ctx, line_id, serial, manager)
        message += f", serial {serial}"
    elif product.serial_mode is SerialMode.REQUIRED:
        message += ": scan its serial"
    return line_id, False, message


@dataclass(frozen=True)
class NewOrder:
    """The order a first item opens (``order`` None in :func:`add_item` / :func:`add_scan`):
    it is opened in the same transaction as its first line, so a scan that adds nothing
    leaves no empty order behind and uses up no order number."""

    store: str
    type: str | SaleType = "sale"
    delivery: str | DeliveryMode = "cash_and_carry"


def _editable_or_new(
    conn: Connection, db: Database, actor: Actor, order: str | None, start: NewOrder | None
) -> sa.Row[object]:
    if order is not None:
        return _editable(conn, order)
    if start is None:
        raise BadRequest("name the order, or the store to open one at")
    return _open_in(
        conn,
        db,
        actor,
        start.store,
        _parse_type(start.type),
        _parse_delivery(start.delivery),
        _check_customer(None),
    )


def add_item(
    db: Database,
    actor: Actor,
    order: str | None,
    *,
    sku: str | None = None,
    barcode: str | None = None,
    serial: str | None = None,
    override_user: str | None = None,
    override_pin: str | None = None,
    start: NewOrder | None = None,
) -> AddResult:
    """Add one unit by SKU or barcode (any GTIN form), with its serial when known (a GS1
    product+serial scan fills both). A serial the ledger does not know is refused
    (``unknown_unit``) and nothing is added, unless a manager's override is given (as for
    :func:`set_serial`). With ``order`` None the item opens the order ``start`` describes."""
    actor.require(Permission.SELL)
    clean = normalize_serial(serial)
    manager = _manager(db, actor, override_user, override_pin) if clean else None

    def work(conn: Connection) -> AddResult:
        ctx = _Ctx(conn, db, actor, _editable_or_new(conn, db, actor, order, start))
        product = _product_for(conn, sku, barcode)
        line, merged, message = _add_line(ctx, product, clean, manager)
        prompt = (
            product.serial_mode is SerialMode.REQUIRED
            and not product.exploded
            and clean is None
            and ctx.settings().auto_prompt_serial
        )
        return AddResult(_view(conn, _find(conn, ctx.number)), line, prompt, merged, message)

    return _write(db, actor, work)


def add_scan(
    db: Database, actor: Actor, order: str | None, text: str, *, start: NewOrder | None = None
) -> AddResult:
    """Free text typed or scanned: a barcode (a GS1 scan with a serial fills both), else an
    exact SKU, else the serial of a unit in stock at this order's store (its product, with
    that serial). With ``order`` None a scan that adds a line opens the order ``start``
    describes, in the same transaction; one that matches nothing opens none."""
    from serialpos.domain.decoder import decode

    value = text.strip()
    if not value:
        raise BadRequest("nothing was scanned")

    def work(conn: Connection) -> AddResult:
        ctx = _Ctx(conn, db, actor, _editable_or_new(conn, db, actor, order, start))
        serial: str | None = None
        product: orepo.SaleProduct | None = None
        scan = decode(value)  # GS1 element strings and Digital Links carry GTIN and serial
        gtin = scan.gtin if scan.kind in ("product", "product_serial") else None
        if gtin is None:
            try:
                gtin = normalize_gtin(value)
            except BadValue:
                gtin = None
        pid = None if gtin is None else repo.product_id_by_gtin(conn, gtin)
        if pid is not None and scan.kind == "product_serial":
            serial = normalize_serial(scan.serial)
        if pid is not None:
            product = orepo.sale_product_by_id(conn, pid)
        else:
            product = orepo.sale_product_by_sku(conn, value)
        if product is None:
            # Ask by serial alone so the serial index answers (a serial sits on a handful of
            # units at most); filtering state and store in SQL lets SQLite's planner pick the
            # store index on a database never ANALYZEd, and scan half of a 1M-unit table.
            u = repo.unit_t.c
            found = [
                pid
                for pid, state, store_id in conn.execute(
                    sa.select(u.product_id, u.state, u.store_id)
                    .where(u.serial == value)
                    .limit(lookup.MAX_MATCHES)
                )
                if state == "in_stock" and store_id == ctx.store_id
            ]
            if len(found) == 1:
                product, serial = orepo.sale_product_by_id(conn, found[0]), value
            elif len(found) > 1:
                raise UnknownProduct(
                    f"serial '{clip(value)}' belongs to units of several "
                    "products; add the product first, then its serial",
                    code="ambiguous_serial",
                )
        if product is None:
            raise UnknownProduct(f"nothing matches '{clip(value)}'")
        line, merged, message = _add_line(ctx, product, serial)
        prompt = (
            product.serial_mode is SerialMode.REQUIRED
            and serial is None
            and ctx.settings().auto_prompt_serial
        )
        return AddResult(_view(conn, _find(conn, ctx.number)), line, prompt, merged, message)

    return _write(db, actor, work)


def _open_line(ctx: _Ctx, line: int) -> sa.Row[object]:
    row = orepo.line_row(ctx.conn, ctx.id, line)
    if row is None or row._mapping["status"] == LineStatus.REMOVED:
        raise BadRequest(f"order {ctx.number} has no line {line}", code="unknown_line")
    status = row._mapping["status"]
    if status == LineStatus.FULFILLED:
        raise InvalidTransition(
            f"line {row._mapping['number']} ({row._mapping['sku']}) is fulfilled: return it "
            "and re-issue on a new invoice",
            code="line_fulfilled",
        )
    if status != LineStatus.OPEN:
        raise InvalidTransition(
            f"line {row._mapping['number']} ({row._mapping['sku']}) is {status}", code="line_closed"
        )
    return row


def _tracked(ctx: _Ctx, product: orepo.SaleProduct) -> bool:
    return product.serial_mode.tracked and ctx.settings().serialized_inventory


def _check_not_a_barcode(conn: Connection, product: orepo.SaleProduct, serial: str) -> None:
    try:
        gtin = normalize_gtin(serial)
    except BadValue:
        return
    if gtin in product.barcodes:
        raise BadSerial(
            f"'{serial}': that is the product's barcode, not its serial; scan the serial label"
        )
    owner = repo.product_id_by_gtin(conn, gtin)
    if owner is not None:
        sku = orepo.sale_product_by_id(conn, owner).sku
        raise BadSerial(f"'{serial}': that is the barcode of product {sku}, not a serial")


def _unavailable(ctx: _Ctx, product: orepo.SaleProduct, serial: str) -> DomainError | None:
    """Why the unit with this serial cannot go on this order's line, or None if it can."""
    conn = ctx.conn
    unit = repo.unit_by_serial(conn, product.id, serial)
    if unit is None:
        return None
    state = UnitState(unit.state)
    where = repo.store_codes(conn).get(unit.store_id, "?")
    if state is UnitState.IN_STOCK:
        if unit.store_id != ctx.store_id:
            return NotInStock(
                f"serial {serial} is in stock at {where}, not at {ctx.store}; transfer it first"
            )
        return None
    if state is UnitState.RESERVED:
        return Reserved(
            f"serial {serial} is {orepo.holder_text(conn, unit.reserved_line)} (at {where})"
        )
    if state is UnitState.SOLD:
        return AlreadySold(f"serial {serial} is already sold; a return brings it back")
    return NotInStock(f"serial {serial} is {state.label} at {where}, not in stock")


def _set_serial_in(
    ctx: _Ctx, line: int, raw: str | None, manager: Actor | None, shared: bool = False
) -> None:
    conn = ctx.conn
    sharer = manager.user if shared and manager is not None else None
    row = _open_line(ctx, line)
    lm = row._mapping
    product = orepo.sale_product_by_id(conn, lm["product_id"])
    new = normalize_serial(raw)
    old = lm["serial"]
    if product.serial_mode is SerialMode.DISABLED or product.exploded:
        if new is None:
            return
        what = (
            "a package opened at the sale: its components take the serials"
            if product.exploded
            else "not serialized; it takes no serial"
        )
        raise NotSerialized(f"{product.sku} is {what}")
    if new == old:
        return
    c = orepo.line_t.c
    if new is not None:
        _check_not_a_barcode(conn, product, new)
        fmt = SerialFormat.parse(product.serial_format)
        if fmt is not None:
            fmt.check(new, product.sku)
        twice = conn.execute(
            sa.select(c.number).where(
                c.order_id == ctx.id,
                c.product_id == product.id,
                c.serial == new,
                c.status != "removed",
                c.id != line,
            )
        ).first()
        if twice is not None:
            raise DuplicateSerial(f"serial {new} is already on line {twice.number} of this order")
    doc = ctx.doc(lm["number"])
    tracked = _tracked(ctx, product)
    own = repo.unit_by_serial(conn, product.id, new) if tracked and new is not None else None
    if new is not None and own is None:
        # A serial live under another product is that product's unit: refused, naming it,
        # before any override could make a second live unit with it (issue 10). When this
        # product has the unit, no other product's can be live: no look-up on the hot path.
        if sharer is None:
            scan_resolver.refuse_live_elsewhere(conn, product.sku, new)
        else:  # a manager accepts the shared serial (refused for an IMEI)
            facts = scan_resolver.product_facts(conn, product.sku)
            assert facts is not None
            scan_resolver.refuse_live_elsewhere(conn, facts, new, sharer)
    if tracked and new is not None:
        if own is None:
            if manager is None:
                raise DomainError(
                    f"serial {new} of {product.sku} is not known to the ledger; a manager "
                    "can accept it with an override",
                    code="unknown_unit",
                )
            ledger.move_in(
                conn,
                ctx.db,
                manager,
                ledger.Step(Action.ADJUST_ADD, ctx.store, product.sku, [new], shared_by=sharer),
                doc,
                reason=f"manager override by {manager.user}: unit not known to the ledger",
            )
        problem = _unavailable(ctx, product, new)
        if problem is not None:
            raise problem
    if tracked and old is not None:
        unit = repo.unit_by_serial(conn, product.id, old)
        if unit is not None and unit.state == UnitState.RESERVED and unit.reserved_line == line:
            ledger.move_in(
                conn,
                ctx.db,
                ctx.actor,
                ledger.Step(Action.RELEASE, ctx.store, product.sku, [old], hold=line),
                doc,
            )
    if tracked and new is not None:
        try:
            ledger.move_in(
                conn,
                ctx.db,
                ctx.actor,
                ledger.Step(Action.RESERVE, ctx.store, product.sku, [new], hold=line),
                doc,
            )
        except (NotInStock, AlreadySold, InvalidTransition) as exc:
            # Another terminal took it between our look and our claim: say how it is now.
            raise (_unavailable(ctx, product, new) or exc) from None
    conn.execute(sa.update(orepo.line_t).where(c.id == line).values(serial=new))
    _touch(conn, ctx.id)


def _manager(db: Database, actor: Actor, user: str | None, pin: str | None) -> Actor | None:
    if user is None or not user.strip():
        return None
    from serialpos.services.users import login

    manager = login(db, user, pin or "", actor.terminal)
    try:
        manager.require(Permission.ADJUST)
    except PermissionDenied:
        raise PermissionDenied(
            f"{manager.user} is not a manager or admin; an override needs one"
        ) from None
    return manager


def set_serial(
    db: Database,
    actor: Actor,
    order: str,
    line: int,
    serial: str | None,
    *,
    override_user: str | None = None,
    override_pin: str | None = None,
    shared: bool = False,
) -> OrderView:
    """Record, change or (empty/None) remove a line's serial. With serialized inventory on,
    the unit is reserved for the line (a change releases the old unit first). A serial the
    ledger does not know needs a manager's override (user and PIN); ``shared``: the manager
    also accepts that the serial is live under another product (two makers' one string;
    never an IMEI), recorded on the event and the unit."""
    actor.require(Permission.SELL)
    manager = _manager(db, actor, override_user, override_pin)
    if shared and manager is None:
        raise BadRequest("a manager's name and PIN are needed to accept a shared serial")

    def work(conn: Connection) -> OrderView:
        ctx = _Ctx(conn, db, actor, _editable(conn, order))
        _set_serial_in(ctx, line, serial, manager, shared)
        return _view(conn, _find(conn, order))

    return _write(db, actor, work)


def set_quantity(db: Database, actor: Actor, order: str, line: int, quantity: int) -> OrderView:
    def work(conn: Connection) -> OrderView:
        ctx = _Ctx(conn, db, actor, _editable(conn, order))
        row = _open_line(ctx, line)
        if row._mapping["package_line"] is not None or row._mapping["package_type"] == "exploded":
            raise BadRequest("a package's lines go with the package: remove it, or add it again")
        check_quantity_change(line_mode(row), row._mapping["sku"], quantity)
        if quantity > 100_000:
            raise BadValue("quantity must be at most 100,000 on one line")
        conn.execute(
            sa.update(orepo.line_t).where(orepo.line_t.c.id == line).values(quantity=quantity)
        )
        _touch(conn, ctx.id)
        return _view(conn, _find(conn, order))

    return _write(db, actor, work)


def _release_line(ctx: _Ctx, row: sa.Row[object]) -> None:
    lm = row._mapping
    if not lm["serial"]:
        return
    product = orepo.sale_product_by_id(ctx.conn, lm["product_id"])
    if not _tracked(ctx, product):
        return
    unit = repo.unit_by_serial(ctx.conn, product.id, lm["serial"])
    # Only the unit reserved to this very line goes back: one sold, returned and reserved by
    # another order since is not this line's to release.
    if unit is not None and unit.state == UnitState.RESERVED and unit.reserved_line == lm["id"]:
        ledger.move_in(
            ctx.conn,
            ctx.db,
            ctx.actor,
            ledger.Step(Action.RELEASE, ctx.store, product.sku, [lm["serial"]], hold=lm["id"]),
            ctx.doc(lm["number"]),
        )


def remove_line(db: Database, actor: Actor, order: str, line: int) -> OrderView:
    """Take a line off the order; its reserved unit goes back to stock (the line keeps its
    serial for the record)."""

    def work(conn: Connection) -> OrderView:
        ctx = _Ctx(conn, db, actor, _editable(conn, order))
        row = _open_line(ctx, line)
        header = row._mapping["package_line"]
        if header is not None:
            number = orepo.line_row(conn, ctx.id, header)
            raise BadRequest(
                f"line {row._mapping['number']} is part of the package on line "
                f"{number._mapping['number'] if number else header}: remove the "
                "package",
                code="package_part",
            )
        parts = [
            r
            for r in orepo.order_lines(conn, ctx.id)
            if r._mapping["package_line"] == line and r._mapping["status"] == "open"
        ]
        for each in [row, *parts]:
            _release_line(ctx, each)
        conn.execute(
            sa.update(orepo.line_t)
            .where(orepo.line_t.c.id.in_([line, *(r._mapping["id"] for r in parts)]))
            .values(status=LineStatus.REMOVED.value)
        )
        _touch(conn, ctx.id)
        return _view(conn, _find(conn, order))

    return _write(db, actor, work)


def void(db: Database, actor: Actor, order: str) -> OrderView:
    """Cancel an order that has nothing fulfilled: its reserved units go back to stock and
    what was paid is refunded per method (services/order_void.py, which says why)."""
    from serialpos.services.order_void import void_order

    return void_order(db, actor, order).order


# -- payment and fulfilment -------------------------------------------------------------
def _amount(value: Decimal | str | int) -> Decimal:
    if isinstance(value, float):
        raise BadValue("give amounts as decimals, not floats")
    return parse_amount(str(value))


def _insert_payment(
    ctx: _Ctx, kind: str, method: str, amount: Decimal, invoice_id: int | None = None
) -> None:
    ctx.conn.execute(
        sa.insert(orepo.payment_t).values(
            order_id=ctx.id,
            kind=kind,
            method=method,
            amount=amount,
            at=utcnow(),
            user_name=ctx.actor.user,
            invoice_id=invoice_id,
        )
    )


def add_payment(db: Database, actor: Actor, order: str, method: str, amount: Decimal) -> OrderView:
    how, value = PaymentMethod.parse(method), _amount(amount)

    def work(conn: Connection) -> OrderView:
        ctx = _Ctx(conn, db, actor, _editable(conn, order))
        _insert_payment(ctx, "payment", how.value, value)
        _touch(conn, ctx.id)
        return _view(conn, _find(conn, order))

    return _write(db, actor, work)


def issue_invoice(
    ctx: _Ctx,
    rows: list[sa.Row[object]],
    kind: str,
    refers_to: str | None = None,
    change_due: Decimal = ZERO,
) -> tuple[int, str]:
    """Number and record an invoice (or refund note) with snapshot lines of ``rows``. A refund
    note has its own series, ``RF-<store>-…`` (issue 14): an invoice number is never spent on
    money paid out, so the invoice series has no gaps a tax office would ask about. Amounts
    are stored as positive numbers; the kind says which way the money went (reports and the
    printed note show a refund negative)."""
    conn = ctx.conn
    prefix, series = ("RF", "refund") if kind == "Refund" else ("INV", "invoice")
    number = f"{prefix}-{ctx.store}-{orepo.next_number(conn, ctx.store_id, series):06d}"
    amounts = [orepo.row_amounts(r) for r in rows]
    sums = totals(amounts)
    invoice_id = _new_id(
        conn.execute(
            sa.insert(orepo.invoice_t).values(
                number=number,
                store_id=ctx.store_id,
                order_id=ctx.id,
                kind=kind,
                refers_to=refers_to,
                issued_at=utcnow(),
                net=sums.net,
                tax=sums.tax,
                total=sums.total,
                change_due=change_due,
                created_by=ctx.actor.user,
            )
        )
    )
    conn.execute(
        sa.insert(orepo.invoice_line_t),
        [
            {
                "invoice_id": invoice_id,
                "position": i,
                "order_line_id": r._mapping["id"],
                "sku": r._mapping["sku"],
                "description": r._mapping["name"],
                "quantity": r._mapping["quantity"],
                "unit_price": r._mapping["unit_price"],
                "tax_rate": r._mapping["tax_rate"],
                "net": a.net,
                "tax": a.tax,
                "total": a.gross,
                "serial": r._mapping["serial"],
            }
            for i, (r, a) in enumerate(zip(rows, amounts, strict=True), start=1)
        ],
    )
    return invoice_id, number


def _new_id(result: sa.CursorResult[object]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _row_total(row: sa.Row[object]) -> Decimal:
    return orepo.row_amounts(row).gross


def _check_delivery(row: sa.Row[object]) -> None:
    m = row._mapping
    if m["delivery"] != DeliveryMode.DELIVERY:
        return
    missing = [
        what
        for what, key in (
            ("name", "customer_name"),
            ("phone", "customer_phone"),
            ("address", "customer_address"),
        )
        if not m[key]
    ]
    if missing:
        raise BadRequest(
            f"a delivery needs the customer's {', '.join(missing)} before fulfilment",
            code="customer_required",
        )


def fulfil(
    db: Database,
    actor: Actor,
    order: str,
    *,
    lines: list[int] | None = None,
    payments: list[tuple[str, Decimal]] | None = None,
    settle_in: str | None = None,
) -> FulfilResult:
    """Hand over the given lines (default: every open line): sell their units, issue the
    invoice. ``payments`` are added first; ``settle_in`` (a payment method) pays whatever is
    still due that way (what a host's ``order_fulfil`` without payments does)."""
    given = [(PaymentMethod.parse(m).value, _amount(a)) for m, a in (payments or [])]
    settle = PaymentMethod.parse(settle_in).value if settle_in else None

    def work(conn: Connection) -> FulfilResult:
        row = _find(conn, order, lock=True)
        status = row._mapping["status"]
        if status == OrderStatus.PARKED:
            raise OrderClosed(f"order {row._mapping['number']} is parked; resume it first")
        if status != OrderStatus.OPEN:
            raise OrderClosed(f"order {row._mapping['number']} is {status}; nothing to fulfil")
        ctx = _Ctx(conn, db, actor, row)
        all_rows = orepo.order_lines(conn, ctx.id)
        open_rows = [r for r in all_rows if r._mapping["status"] == LineStatus.OPEN]
        if lines is None:
            chosen = open_rows
        else:
            by_id = {r._mapping["id"]: r for r in open_rows}
            wanted = list(dict.fromkeys(lines))
            unknown = [str(x) for x in wanted if x not in by_id]
            if unknown:
                raise BadRequest(
                    f"order {ctx.number} has no open line {', '.join(unknown)}", code="unknown_line"
                )
            pulled = [
                r._mapping["id"]
                for r in open_rows
                if r._mapping["package_line"] in wanted and r._mapping["id"] not in wanted
            ]
            chosen = [by_id[x] for x in [*wanted, *pulled]]
        if not chosen:
            raise BadRequest(f"order {ctx.number} has no open lines to fulfil")
        check_fulfilment_gate(
            LineForGate(r._mapping["number"], r._mapping["sku"], line_mode(r), r._mapping["serial"])
            for r in chosen
        )
        _check_delivery(row)
        for method, amount in given:
            _insert_payment(ctx, "payment", method, amount)
        chosen_ids = {r._mapping["id"] for r in chosen}
        order_total = sum(
            (
                _row_total(r)
                for r in all_rows
                if r._mapping["status"] in (LineStatus.OPEN, LineStatus.FULFILLED)
            ),
            ZERO,
        )
        last = len(chosen) == len(open_rows)
        if row._mapping["type"] == SaleType.SALE or last:
            required = order_total
        else:
            required = sum(
                (
                    _row_total(r)
                    for r in all_rows
                    if r._mapping["status"] == LineStatus.FULFILLED
                    or r._mapping["id"] in chosen_ids
                ),
                ZERO,
            )
        paid = sum((orepo.money(p.amount) for p in orepo.payments(conn, ctx.id)), ZERO)
        if paid < required and settle is not None:
            _insert_payment(ctx, "payment", settle, required - paid)
            paid = required
        if paid < required:
            what = "the order total" if required == order_total else "the lines fulfilled"
            raise BadRequest(
                f"{required - paid:.2f} still to pay: payments must cover {what} "
                f"({required:.2f}) before fulfilment",
                code="payment_due",
            )
        change = paid - order_total if last and paid > order_total else ZERO
        for r in chosen:
            m = r._mapping
            if m["package_type"] == "exploded":
                continue  # the components are the goods handed over
            # A line sells the unit reserved to it, checked in the ledger's conditional update.
            step = (
                ledger.Step(Action.SELL, ctx.store, m["sku"], [m["serial"]], hold=m["id"])
                if m["serial"]
                else ledger.Step(Action.SELL, ctx.store, m["sku"], quantity=m["quantity"])
            )
            ledger.move_in(conn, db, actor, step, ctx.doc(m["number"]))
        invoice_id, number = issue_invoice(ctx, chosen, "Invoice", change_due=change)
        if change:
            _insert_payment(ctx, "change", PaymentMethod.CASH.value, -change, invoice_id)
        c = orepo.line_t.c
        done = conn.execute(
            sa.update(orepo.line_t)
            .where(c.id.in_(chosen_ids), c.status == "open")
            .values(status=LineStatus.FULFILLED.value, invoice_id=invoice_id)
        ).rowcount
        if done != len(chosen_ids):
            raise DomainError(
                "another terminal fulfilled these lines at the same moment", code="conflict"
            )
        pc = orepo.payment_t.c
        conn.execute(
            sa.update(orepo.payment_t)
            .where(pc.order_id == ctx.id, pc.invoice_id.is_(None))
            .values(invoice_id=invoice_id)
        )
        _touch(conn, ctx.id, **({"status": OrderStatus.FULFILLED.value} if last else {}))
        return FulfilResult(_view(conn, _find(conn, order)), number, change)

    return _write(db, actor, work)


# -- whole orders from a host (one transaction) --------------------------------------------
@dataclass(frozen=True)
class NewLine:
    sku: str
    serial: str | None = None
    quantity: int = 1


def create_order(
    db: Database,
    actor: Actor,
    store: str,
    type: str | SaleType = "sale",
    delivery: str | DeliveryMode = "cash_and_carry",
    customer: Customer | None = None,
    lines: list[NewLine] | tuple[NewLine, ...] = (),
    manager: Actor | None = None,
) -> tuple[OrderView, tuple[int, ...]]:
    """Open an order with its lines in ONE transaction (all or nothing). A serial-tracked
    product's quantity becomes that many lines; returns the order and the line ids made, in
    input order (one per unit for serial-tracked products)."""
    sale_type, mode, fields = (
        _parse_type(type),
        _parse_delivery(delivery),
        _check_customer(customer),
    )
    if len(lines) > MAX_LINES:
        raise BadRequest(f"an order holds at most {MAX_LINES} lines")

    def work(conn: Connection) -> tuple[OrderView, tuple[int, ...]]:
        row = _open_in(conn, db, actor, store, sale_type, mode, fields)
        ctx = _Ctx(conn, db, actor, row)
        made: list[int] = []
        for item in lines:
            product = _product_for(conn, item.sku, None)
            if not 1 <= item.quantity <= 100_000:
                raise BadValue(f"{item.sku}: quantity must be 1 to 100,000")
            if item.serial and item.quantity != 1:
                raise BadRequest(f"{item.sku}: a line with a serial is one unit")
            if product.exploded:
                for _ in range(item.quantity):
                    header = _add_line(ctx, product, normalize_serial(item.serial))[0]
                    made.append(header)
                    made += [
                        r._mapping["id"]
                        for r in orepo.order_lines(conn, ctx.id)
                        if r._mapping["package_line"] == header
                    ]
            elif product.serial_mode.tracked:
                for _ in range(item.quantity):
                    made.append(_add_line(ctx, product, normalize_serial(item.serial), manager)[0])
            else:
                line_id, _merged, _msg = _add_line(ctx, product, normalize_serial(item.serial))
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
        return _view(conn, _find(conn, row._mapping["number"])), tuple(made)

    return _write(db, actor, work)
