"""Serials on order lines: recording, clearing or changing a line's serial reserves or releases
the unit through the ledger, so two orders racing for one unit cannot both win. A serial the
ledger does not know needs a manager's override (see the package docstring).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_repo as orepo
from serialpos.db import repo
from serialpos.db.engine import Database
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
)
from serialpos.domain.orders import (
    LineStatus,
)
from serialpos.domain.products import SerialMode, normalize_gtin
from serialpos.domain.serials import SerialFormat, normalize_serial
from serialpos.domain.states import Action, UnitState
from serialpos.domain.users import Permission
from serialpos.services import ledger, scan_resolver
from serialpos.services.context import Actor
from serialpos.services.orders.reading import _editable, _view
from serialpos.services.orders.views import OrderView
from serialpos.services.orders.work import _Ctx, _touch, _write


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
    # One look-up by barcode says both: this product's own barcode, or another's.
    owner = repo.product_id_by_gtin(conn, gtin)
    if owner == product.id:
        raise BadSerial(
            f"'{serial}': that is the product's barcode, not its serial; scan the serial label"
        )
    if owner is not None:
        sku = orepo.sale_product_by_id(conn, owner).sku
        raise BadSerial(f"'{serial}': that is the barcode of product {sku}, not a serial")


def _unavailable(
    ctx: _Ctx, product: orepo.SaleProduct, serial: str, unit: repo.UnitRow | None = None
) -> DomainError | None:
    """Why the unit with this serial cannot go on this order's line, or None if it can (the
    sentence the sale field also shows: services/counter_search.why_not_here). ``unit``: the
    unit as just read in this transaction (else it is read here)."""
    if unit is None:
        unit = repo.unit_by_serial(ctx.conn, product.id, serial)
    if unit is None:
        return None
    if unit.state == UnitState.IN_STOCK and unit.store_id == ctx.store_id:
        return None  # the sale's case: no store names needed
    from serialpos.services.counter_search import why_not_here

    return why_not_here(ctx.conn, unit, serial, ctx.store_id, ctx.store)


def _set_serial_in(
    ctx: _Ctx, line: int, raw: str | None, manager: Actor | None, shared: bool = False
) -> None:
    conn = ctx.conn
    sharer = manager.user if shared and manager is not None else None
    row = _open_line(ctx, line)
    lm = row._mapping
    product = orepo.line_product(row)
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
    if new is not None:
        _check_not_a_barcode(conn, product, new)
        fmt = SerialFormat.parse(product.serial_format)
        if fmt is not None:
            fmt.check(new, product.sku)
        twice = conn.execute(
            _SERIAL_TWICE,
            {"order_id": ctx.id, "product_id": product.id, "serial": new, "line_id": line},
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
        problem = _unavailable(ctx, product, new, own)
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
    conn.execute(_SET_LINE_SERIAL, {"line_id": line, "new_serial": new})
    _touch(conn, ctx.id)


line_c = orepo.line_t.c
#: The line of this order that already has this serial (built once: the hot path).
_SERIAL_TWICE = sa.select(line_c.number).where(
    line_c.order_id == sa.bindparam("order_id"),
    line_c.product_id == sa.bindparam("product_id"),
    line_c.serial == sa.bindparam("serial"),
    line_c.status != LineStatus.REMOVED,
    line_c.id != sa.bindparam("line_id"),
)
_SET_LINE_SERIAL = (
    sa.update(orepo.line_t)
    .where(line_c.id == sa.bindparam("line_id"))
    .values(serial=sa.bindparam("new_serial"))
)


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
        return _view(conn, ctx.row)

    return _write(db, actor, work)
