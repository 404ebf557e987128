"""Order lines: adding items by SKU, barcode or scan (one line per serial-tracked unit, a package
opened into its components), changing a quantity and removing a line (releasing its units).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_repo as orepo
from serialpos.db import repo, sale_products, scan_sql, unit_sql
from serialpos.db.engine import Database
from serialpos.domain.counter_search import nothing_matches
from serialpos.domain.errors import (
    BadRequest,
    BadValue,
    NotSerialized,
    UnknownProduct,
)
from serialpos.domain.orders import (
    DeliveryMode,
    LineStatus,
    SaleType,
    check_quantity_change,
    merges_into_existing_line,
)
from serialpos.domain.products import SerialMode, normalize_gtin
from serialpos.domain.serials import normalize_serial
from serialpos.domain.states import Action, UnitState
from serialpos.domain.text import clip
from serialpos.domain.users import Permission
from serialpos.services import ledger, lookup
from serialpos.services.context import Actor
from serialpos.services.orders import sale_journal
from serialpos.services.orders.header import _check_customer, _open_in, _parse_delivery, _parse_type
from serialpos.services.orders.line_insert import (
    _add_package,
    _insert_line,
    _Inserted,
    _sku_or_serial,
)
from serialpos.services.orders.reading import _editable, _find, _view, line_mode
from serialpos.services.orders.serials import (
    _manager,
    _open_line,
    _set_serial_in,
    _tracked,
    with_serial,
)
from serialpos.services.orders.views import AddResult, HeldLine, OrderView
from serialpos.services.orders.work import _Ctx, _touch, _write

#: Whether a product scanned first (no serial with it) is held instead of added: given the
#: transaction, the product, and the order as locked or opened in it (None: no order yet,
#: none opened); the held line, or None to add it (services/held_line.holds).
HoldCheck = Callable[[Connection, orepo.SaleProduct, "_Ctx | None"], HeldLine | None]


class Held(Exception):
    """:func:`add_scan` with ``hold``: the scanned product's line is held, nothing written."""

    def __init__(self, line: HeldLine) -> None:
        super().__init__(f"{line.sku} held for its serial")
        self.line = line


def _product_for(conn: Connection, sku: str | None, barcode: str | None) -> orepo.SaleProduct:
    if sku is not None and sku.strip():
        found = sale_products.sale_product_by_sku(conn, sku.strip())
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
        return sale_products.sale_product_by_id(conn, pid)
    raise BadRequest("give a SKU or a barcode")


def _product_with_unit(
    conn: Connection, sku: str | None, barcode: str | None, serial: str | None
) -> tuple[orepo.SaleProduct, repo.UnitRow | None]:
    """:func:`_product_for`, and given a SKU and a (normalized) serial, the product's unit
    with that serial read with it in one statement (sale_products.sale_product_with_unit),
    for :func:`_add_line`'s ``unit``; None when there is no such unit (it is then read again
    where it is needed: the refusal's path) or no serial."""
    if serial is not None and sku is not None and sku.strip():
        product, unit = sale_products.sale_product_with_unit(conn, sku.strip(), serial)
        if product is not None:
            return product, unit
    return _product_for(conn, sku, barcode), None


def _add_line(
    ctx: _Ctx,
    product: orepo.SaleProduct,
    serial: str | None,
    manager: Actor | None = None,
    inserted: _Inserted | None = None,
    *,
    unit: repo.UnitRow | None = None,
    shared: bool = False,
) -> tuple[int, bool, str]:
    """Add one unit of ``product``: returns (line id, merged, message). A line with a serial
    is inserted holding it (the unit is then reserved to it, or the whole step refused and
    rolled back); ``inserted``: its line, inserted already (holding that serial) with the
    product's read (:func:`_scanned_line`, PostgreSQL); ``unit``: the product's unit with
    that serial as read in this transaction (with its lease), so it is not read again."""
    conn, c = ctx.conn, orepo.line_t.c
    if product.exploded:
        if serial:
            raise NotSerialized(
                f"{product.sku} is a package opened at the sale: its components take the serials"
            )
        return _add_package(ctx, product)
    if product.serial_mode is SerialMode.DISABLED and serial:
        raise NotSerialized(f"{product.sku} is not serialized; it takes no serial")
    if inserted is None and merges_into_existing_line(
        product.serial_mode, ctx.settings().aggregate_duplicate_items
    ):
        existing = conn.execute(
            sa.select(c.id, c.quantity)
            .where(
                c.order_id == ctx.id,
                c.product_id == product.id,
                c.status == LineStatus.OPEN,
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
    if inserted is None:
        row = _insert_line(ctx, product, 1, product.price, serial=serial or None)
    else:  # (inserted holding the serial asked for)
        row = inserted.row
    line_id = int(row._mapping["id"])
    message = f"added {product.sku} {product.name}"
    if serial:
        seen = None if inserted is None else inserted.seen
        now = _set_serial_in(
            ctx,
            line_id,
            serial,
            manager,
            shared,
            known=(row, product),
            unit=unit,
            fresh=True,
            seen=seen,
        )
        if ctx.new_lines is not None and now != serial:  # (a serial normalized on the way)
            ctx.new_lines[-1] = with_serial([row], line_id, now)[0]
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
) -> _Ctx:
    if order is not None:
        return _Ctx(conn, db, actor, _editable(conn, order))
    if start is None:
        raise BadRequest("name the order, or the store to open one at")
    row = _open_in(
        conn,
        db,
        actor,
        start.store,
        _parse_type(start.type),
        _parse_delivery(start.delivery),
        _check_customer(None),
    )
    return _Ctx(conn, db, actor, row, new_lines=[])


def _added_view(ctx: _Ctx) -> OrderView:
    """The view an add answers with. An order opened in this transaction holds only the
    lines just written (no payments, no invoices yet): built from the rows the inserts
    returned (with the serial recorded on one since, :func:`_add_line`)."""
    if ctx.new_lines is not None:
        return _view(ctx.conn, ctx.row, lines=ctx.new_lines, payments=(), invoices={})
    # An added line changes no payment: those the order had when locked (none, mostly).
    return _view(ctx.conn, ctx.row, payments=orepo.payments_of(ctx.conn, ctx.row))


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
    shared: bool = False,
) -> AddResult:
    """Add one unit by SKU or barcode (any GTIN form), with its serial when known (a GS1
    product+serial scan fills both). A serial the ledger does not know is refused
    (``unknown_unit``) and nothing is added, unless a manager's override is given (as for
    :func:`set_serial`; ``shared`` too: the manager accepts a serial live under another
    product). With ``order`` None the item opens the order ``start`` describes."""
    actor.require(Permission.SELL)
    clean = normalize_serial(serial)
    manager = _manager(db, actor, override_user, override_pin) if clean else None
    if shared and manager is None:
        raise BadRequest("a manager's name and PIN are needed to accept a shared serial")

    def work(conn: Connection) -> AddResult:
        ctx = _editable_or_new(conn, db, actor, order, start)
        product, unit = _product_with_unit(conn, sku, barcode, clean)
        line, merged, message = _add_line(ctx, product, clean, manager, unit=unit, shared=shared)
        sale_journal.record_amend(ctx)  # an order central knows learns the line now
        prompt = (
            product.serial_mode is SerialMode.REQUIRED
            and not product.exploded
            and clean is None
            and ctx.settings().auto_prompt_serial
        )
        return AddResult(_added_view(ctx), line, prompt, merged, message)

    return _write(db, actor, work)


def _refuse_run_on(conn: Connection, sku: str, serial: str, run_on: tuple[str, str]) -> None:
    """A label's serial that may hold the fields printed after it, unknown to the ledger, is
    refused as such (scan_resolver.py), never offered to a manager's override: accepted, it
    would put a unit in the ledger under a serial no label carries. A rare scan: the usual
    one has no ``run_on`` and asks nothing."""
    from serialpos.services import scan_resolver

    said = scan_resolver.run_on_refusal_in(conn, sku, serial, run_on)
    if said is not None:
        raise scan_resolver.refused(said)


def add_scan(
    db: Database,
    actor: Actor,
    order: str | None,
    text: str,
    *,
    start: NewOrder | None = None,
    hold: HoldCheck | None = None,
) -> AddResult:
    """Free text typed or scanned: a barcode (a GS1 scan with a serial fills both), else an
    exact SKU, else the serial of a unit in stock at this order's store (its product, with
    that serial). With ``order`` None a scan that adds a line opens the order ``start``
    describes, in the same transaction; one that matches nothing opens none. ``hold``: a
    product found with no serial that it holds raises :class:`Held` and writes nothing (on
    SQLite with no order yet the product is read before any order is opened, in the same
    statement as ever, so a serial's scan runs no statement more; on PostgreSQL the order
    opened with the read is rolled back)."""
    from serialpos.domain.decoder import decode

    value = text.strip()
    if not value:
        raise BadRequest("nothing was scanned")

    def work(conn: Connection) -> AddResult | HeldLine:
        # The order is opened first, but on SQLite with none yet only once the scan is known
        # to add a line (PostgreSQL reads the scan with the line it inserts on the new order).
        late = order is None and hold is not None and conn.dialect.name != "postgresql"
        ctx = None if late else _editable_or_new(conn, db, actor, order, start)
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
        unit: repo.UnitRow | None = None
        units: list[tuple[orepo.SaleProduct, repo.UnitRow]] = []
        made = None
        if pid is not None:
            product = sale_products.sale_product_by_id(conn, pid)
            if serial is not None and scan.run_on is not None:
                _refuse_run_on(conn, product.sku, serial, scan.run_on)
        elif ctx is None:
            product, units = scan_sql.sku_or_serial(conn, value, lookup.MAX_MATCHES)
        else:
            # An exact SKU, else the units with this serial, each with its product and lease
            # (one read): the product of the line and the unit it reserves (read by neither
            # again). On PostgreSQL, on an order opened in this transaction, with the line
            # this scan adds inserted in the same statement (_scanned_or_serial_line).
            product, units, made = _sku_or_serial(ctx, value)
        if hold is not None and product is not None and serial is None:
            held = hold(conn, product, ctx)
            if held is not None:
                if ctx is not None and ctx.new_lines is not None:
                    raise Held(held)  # the order opened here goes back: nothing written
                return held
        if ctx is None:
            ctx = _editable_or_new(conn, db, actor, order, start)
        inserted = None if made is None or product is None else _Inserted(made, None)
        if product is None:
            here = [
                (found, one)
                for found, one in units
                if one.state == UnitState.IN_STOCK and one.store_id == ctx.store_id
            ]
            if len(here) == 1:
                (product, unit), serial = here[0], value
                if made is not None:
                    inserted = _Inserted(made, (value, unit))
            elif len(here) > 1:
                raise UnknownProduct(
                    f"serial '{clip(value)}' belongs to units of several "
                    "products; add the product first, then its serial",
                    code="ambiguous_serial",
                )
        if product is None:
            raise UnknownProduct(nothing_matches(value))
        line, merged, message = _add_line(ctx, product, serial, inserted=inserted, unit=unit)
        sale_journal.record_amend(ctx)  # an order central knows learns the line now
        prompt = (
            product.serial_mode is SerialMode.REQUIRED
            and serial is None
            and ctx.settings().auto_prompt_serial
        )
        return AddResult(_added_view(ctx), line, prompt, merged, message)

    done = _write(db, actor, work)
    if isinstance(done, HeldLine):
        raise Held(done)
    return done


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
        sale_journal.record_amend(ctx)
        return _view(conn, _find(conn, order))

    return _write(db, actor, work)


def _release_line(ctx: _Ctx, row: sa.Row[object]) -> None:
    lm = row._mapping
    if not lm["serial"]:
        return
    product = sale_products.sale_product_by_id(ctx.conn, lm["product_id"])
    if not _tracked(ctx, product):
        return
    unit = unit_sql.unit_by_serial(ctx.conn, product.id, lm["serial"])
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
        sale_journal.record_amend(ctx)
        return _view(conn, _find(conn, order))

    return _write(db, actor, work)
