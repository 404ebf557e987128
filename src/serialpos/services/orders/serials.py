"""Serials on order lines: recording, clearing or changing a line's serial reserves or releases
the unit through the ledger, so two orders racing for one unit cannot both win. A serial the
ledger does not know needs a manager's override (see the package docstring).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_repo as orepo
from serialpos.db import repo, sale_products, sale_sql, unit_sql
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
)
from serialpos.domain.orders import (
    LineStatus,
)
from serialpos.domain.products import SerialMode, normalize_gtin
from serialpos.domain.serials import SerialFormat, normalize_serial
from serialpos.domain.states import Action, UnitState
from serialpos.domain.text import clip
from serialpos.domain.users import Permission
from serialpos.services import ledger, scan_resolver, sold_serials
from serialpos.services.context import Actor
from serialpos.services.format_guard import check_new_serial
from serialpos.services.orders import sale_journal
from serialpos.services.orders.reading import _editable, _view, as_row
from serialpos.services.orders.views import OrderView
from serialpos.services.orders.work import _Ctx, _write


class UnitNotKnown(DomainError):
    """A line's serial the ledger does not know (``unknown_unit``). ``overridable``: a
    manager may accept it; False when a unit has it in other letter case ("did you mean"),
    which the ledger refuses as a new unit whatever a manager says."""

    code = "unknown_unit"

    def __init__(self, message: str, *, overridable: bool = True) -> None:
        super().__init__(message)
        self.overridable = overridable


def _open_line(ctx: _Ctx, line: int, lines: list[sa.Row[object]] | None = None) -> sa.Row[object]:
    """The open line ``line`` of the order (refused unless open); ``lines``: the order's
    lines as just read in this transaction (:func:`orepo.order_lines_with_products`)."""
    if lines is None:
        row = orepo.line_row(ctx.conn, ctx.id, line)
    else:
        row = next((r for r in lines if r._mapping["id"] == line), None)
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
        sku = sale_products.sale_product_by_id(conn, owner).sku
        raise BadSerial(f"'{serial}': that is the barcode of product {sku}, not a serial")


def _unavailable(
    ctx: _Ctx, product: orepo.SaleProduct, serial: str, unit: repo.UnitRow | None = None
) -> DomainError | None:
    """Why the unit with this serial cannot go on this order's line, or None if it can (the
    sentence the sale field also shows: services/counter_search.why_not_here). ``unit``: the
    unit as just read in this transaction (else it is read here)."""
    if unit is None:
        unit = unit_sql.unit_by_serial(ctx.conn, product.id, serial)
    if unit is None:
        return None
    if unit.state == UnitState.IN_STOCK and unit.store_id == ctx.store_id:
        return None  # the sale's case: no store names needed
    from serialpos.services.counter_search import why_not_here

    return why_not_here(ctx.conn, unit, serial, ctx.store_id, ctx.store, ctx.number)


def _set_serial_in(
    ctx: _Ctx,
    line: int,
    raw: str | None,
    manager: Actor | None,
    shared: bool = False,
    *,
    lines: list[sa.Row[object]] | None = None,
    known: tuple[sa.Row[object], orepo.SaleProduct] | None = None,
    unit: repo.UnitRow | None = None,
    fresh: bool = False,
    seen: tuple[str, repo.UnitRow | None] | None = None,
) -> str | None:
    """Record ``raw`` as the line's serial (reserving its unit); the serial the line holds
    after. ``lines``: the order's lines as read in this transaction; ``known``: the line
    just inserted in this transaction (open) and its product, so neither is read again;
    ``unit``: that product's unit with this serial as read in this transaction (with its
    lease); ``seen``: a serial and the line's product's unit with it (None: none) as read in
    this transaction, used when it is the serial recorded (not read again); ``fresh``: the
    line was inserted in this transaction already holding ``raw`` (it had no serial before;
    an order opened in this transaction is not touched again)."""
    conn = ctx.conn
    sharer = manager.user if shared and manager is not None else None
    if known is None:
        row = _open_line(ctx, line, lines)
        product = sale_products.line_product(row)
    else:
        row, product = known
    lm = row._mapping
    new = normalize_serial(raw)
    old: str | None = None if fresh else lm["serial"]
    if product.serial_mode is SerialMode.DISABLED or product.exploded:
        if new is None:
            return old
        what = (
            "a package opened at the sale: its components take the serials"
            if product.exploded
            else "not serialized; it takes no serial"
        )
        raise NotSerialized(f"{product.sku} is {what}")
    if new == old:
        return old
    if new is not None:
        _check_not_a_barcode(conn, product, new)
        fmt = SerialFormat.parse(product.serial_format)
        if fmt is not None:
            check_new_serial(conn, fmt, product.id, product.sku, new)
        twice = _line_with_serial(ctx, lines, product.id, new, line)
        if twice is not None:
            raise DuplicateSerial(f"serial {new} is already on line {twice} of this order")
    doc = ctx.doc(lm["number"])
    tracked = _tracked(ctx, product)
    own = None
    if tracked and new is not None:
        if unit is not None:
            own = unit
        elif seen is not None and seen[0] == new:
            own = seen[1]
        else:
            own = unit_sql.unit_by_serial(conn, product.id, new)
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
    if not tracked and new is not None and product.serial_mode.tracked:
        # A store not tracking stock by serial still sells one unit once (sold_serials.py).
        sold_serials.refuse_sold(conn, product.id, product.sku, new, ctx.store_id, ctx.store)
    if tracked and new is not None:
        if own is None:
            if manager is None:
                hint = scan_resolver.case_hint_in(conn, new)  # caps lock: no override offered
                raise UnitNotKnown(
                    f"serial {new} of {product.sku} is not known to the ledger"
                    + (f": {hint}" if hint else "; a manager can accept it with an override"),
                    overridable=hint is None,
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
        unit = unit_sql.unit_by_serial(conn, product.id, old)
        if unit is not None and unit.state == UnitState.RESERVED and unit.reserved_line == line:
            ledger.move_in(
                conn,
                ctx.db,
                ctx.actor,
                ledger.Step(Action.RELEASE, ctx.store, product.sku, [old], hold=line),
                doc,
            )
    if tracked and new is not None:
        # The unit as read above (with its lease): the ledger reads neither it nor the
        # product again; its claim is still conditional on that read.
        read = None if own is None else ledger.Known(_product_row(product), True, own)
        try:
            ledger.move_in(
                conn,
                ctx.db,
                ctx.actor,
                ledger.Step(Action.RESERVE, ctx.store, product.sku, [new], hold=line),
                doc,
                known=read,
            )
        except (NotInStock, AlreadySold, InvalidTransition) as exc:
            # Another terminal took it between our look and our claim: say how it is now.
            raise (_unavailable(ctx, product, new) or exc) from None
    if not fresh or new != lm["serial"]:
        sale_sql.set_line_serial(conn, line, new, touch_order=ctx.id, now=utcnow())
    elif ctx.new_lines is None:  # an order from before this transaction: it changed now
        sale_sql.touch(conn, ctx.id, utcnow())
    return new


def _wanted(raw: str | None) -> str | None:
    """The serial ``raw`` names, to read its unit with the order's lines; None when it names
    none or is refused (the refusal is raised where it was, after the line is checked)."""
    try:
        return normalize_serial(raw)
    except DomainError:
        return None


def _line_with_serial(
    ctx: _Ctx, lines: list[sa.Row[object]] | None, product_id: int, serial: str, line: int
) -> int | None:
    """The number of another line of the order with this product and serial, if any: from
    the order's lines when this transaction holds them all (read under the order's lock, or
    all written here), else asked of the database."""
    held = lines if lines is not None else ctx.new_lines
    if held is None:
        return sale_sql.line_with_serial(ctx.conn, ctx.id, product_id, serial, line)
    for r in held:
        m = r._mapping
        if (
            m["id"] != line
            and m["product_id"] == product_id
            and m["serial"] == serial
            and m["status"] != LineStatus.REMOVED
        ):
            return int(m["number"])
    return None


def _product_row(product: orepo.SaleProduct) -> repo.ProductRow:
    return repo.ProductRow(
        product.id, product.sku, product.name, product.serial_mode, product.serial_format
    )


def with_serial(lines: list[sa.Row[object]], line: int, serial: str | None) -> list[sa.Row[object]]:
    """``lines`` as they stand once line ``line`` holds ``serial`` (for the step's view)."""
    return [
        as_row({**r._mapping, "serial": serial}) if r._mapping["id"] == line else r for r in lines
    ]


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


def _refuse_replacing(
    order: str, lines: list[sa.Row[object]], line: int, wanted: str | None
) -> None:
    """A scan onto a line that has a serial already: a fulfilment scan of 013 on a line
    holding 104 replaced it silently (104 went back to stock, "serial 013 recorded")."""
    found = next((r._mapping for r in lines if r._mapping["id"] == line), None)
    if found is None or found["serial"] is None or wanted is None or found["serial"] == wanted:
        return  # no such line (refused after), a line without one, or the same serial again
    recorded = str(found["serial"])
    raise BadRequest(
        f"{order} line {found['number']} has serial {clip(recorded)} already: a scan "
        f"never replaces it ({clip(wanted)} not recorded)",
        code="serial_recorded",
    )


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
    approved_by: Actor | None = None,
    keep_recorded: bool = False,
) -> OrderView:
    """Record, change or (empty/None) remove a line's serial. ``keep_recorded``: the serial
    is a scan made on the line (the fulfilment report), which never replaces a serial the
    line already has: refused (``serial_recorded``), naming it, nothing changed; a change is
    made deliberately, asked first. With serialized inventory on,
    the unit is reserved for the line (a change releases the old unit first). A serial the
    ledger does not know needs a manager's override (user and PIN); ``shared``: the manager
    also accepts that the serial is live under another product (two makers' one string;
    never an IMEI), recorded on the event and the unit. ``approved_by``: that manager,
    already checked (a store terminal's journal entry names them; the till took the PIN)."""
    actor.require(Permission.SELL)
    manager = approved_by or _manager(db, actor, override_user, override_pin)
    if shared and manager is None:
        raise BadRequest("a manager's name and PIN are needed to accept a shared serial")

    def work(conn: Connection) -> OrderView:
        ctx = _Ctx(conn, db, actor, _editable(conn, order))
        # The order's lines are read once, under the order's lock: the line the serial goes
        # on, and the view the step answers with (only that line's serial changes); with
        # them, in the same statement, the unit the serial names (the one to reserve).
        wanted = _wanted(serial)
        lines, unit = orepo.order_lines_and_unit(conn, ctx.id, line, wanted)
        if keep_recorded:
            _refuse_replacing(order, lines, line, wanted)
        seen = None if wanted is None else (wanted, unit)
        now = _set_serial_in(ctx, line, serial, manager, shared, lines=lines, seen=seen)
        # On a store terminal, an order central knows learns the serial now (its fulfilment
        # there names lines only); _set_serial_in refused a line not on the order.
        m = next(r._mapping for r in lines if r._mapping["id"] == line)
        sale_journal.record_serial(ctx, int(m["number"]), m["serial"], now)
        # A serial changes no payment: those the order had when locked (none, mostly).
        payments = orepo.payments_of(conn, ctx.row)
        return _view(conn, ctx.row, lines=with_serial(lines, line, now), payments=payments)

    return _write(db, actor, work)
