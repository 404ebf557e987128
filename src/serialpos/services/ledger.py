"""Ledger use cases: receive, sell, return, transfer, return to vendor, adjust.

Each call is one transaction: every unit it names moves, with one event each, or nothing
does. A unit is moved with a conditional update on the version read, so two terminals racing
for one unit cannot both win; the loser gets the refusal the new state calls for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos import logs
from serialpos.db import asn_tables, order_repo, repo
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.errors import (
    BadRequest,
    Conflict,
    DuplicateSerial,
    NotInStock,
    NotSerialized,
    ReservationLost,
    Reserved,
    SerialRequired,
)
from serialpos.domain.events import DocumentRef
from serialpos.domain.products import SerialMode
from serialpos.domain.scan_resolution import ProductFacts
from serialpos.domain.serials import require_serial
from serialpos.domain.states import Action, UnitState, check_move, on_hand_delta
from serialpos.domain.text import clip, has_control_chars
from serialpos.domain.users import Permission
from serialpos.services import serial_precheck
from serialpos.services.context import Actor
from serialpos.services.scan_resolver import (
    LIVE,
    facts_of,
    refuse_live_elsewhere,
    units_with_serial,
)
from serialpos.services.settings import setting_in_force

PERMISSION = {
    Action.EXPECT: Permission.RECEIVE,
    Action.RECEIVE: Permission.RECEIVE,
    Action.RESERVE: Permission.SELL,
    Action.RELEASE: Permission.SELL,
    Action.SELL: Permission.SELL,
    Action.RETURN: Permission.SELL,
    Action.RETURN_DAMAGED: Permission.SELL,
    Action.TRANSFER_OUT: Permission.RECEIVE,
    Action.TRANSFER_IN: Permission.RECEIVE,
    Action.RTV: Permission.RECEIVE,
    Action.ADJUST_ADD: Permission.ADJUST,
    Action.ADJUST_REMOVE: Permission.ADJUST,
}

#: Sign of the on-hand change a quantity-only move makes at the acting store.
QUANTITY_SIGN = {
    Action.RECEIVE: +1,
    Action.SELL: -1,
    Action.RETURN: +1,
    Action.RETURN_DAMAGED: 0,
    Action.TRANSFER_OUT: -1,
    Action.TRANSFER_IN: +1,
    Action.RTV: -1,
    Action.ADJUST_ADD: +1,
    Action.ADJUST_REMOVE: -1,
}

MAX_UNITS_PER_CALL = 100_000


@dataclass(frozen=True)
class UnitMove:
    serial: str
    from_state: str | None
    to_state: str
    store: str


@dataclass(frozen=True)
class LedgerResult:
    action: str
    store: str
    sku: str
    quantity: int  # on-hand change at the acting store
    units: tuple[UnitMove, ...] = field(default_factory=tuple)
    serial_tracked: bool = True


@dataclass(frozen=True)
class _Call:
    """What one ledger call needs inside its transaction."""

    db: Database
    actor: Actor
    action: Action
    store_code: str
    store_id: int
    product: repo.ProductRow
    document: DocumentRef | None
    reason: str | None
    now: datetime
    hold: int | None = None  # the order line acting (Step.hold)

    @property
    def product_facts(self) -> ProductFacts:
        return facts_of(self.product)

    def event(self, **values: object) -> dict[str, object]:
        doc = self.document
        return {
            "at": self.now,
            "action": self.action.value,
            "user_name": self.actor.user,
            "terminal": self.actor.terminal,
            "store_id": self.store_id,
            "product_id": self.product.id,
            "unit_id": None,
            "serial": None,
            "from_state": None,
            "to_state": None,
            "quantity": 0,
            "document_type": doc.type if doc else None,
            "document_id": doc.id if doc else None,
            "document_line": doc.line if doc else None,
            "reason": self.reason,
        } | values


@dataclass(frozen=True)
class Step:
    """One action on one product at one store: named units, or a quantity."""

    action: Action
    store: str
    sku: str
    serials: tuple[str, ...] | list[str] = ()
    quantity: int | None = None
    to_store: str | None = None
    #: The order line (id) a reserve gives the unit to, or whose reservation a release or a
    #: sale of a reserved unit uses; None for every other move.
    hold: int | None = None
    #: The manager (name) who accepted, with their PIN, that these serials are shared with a
    #: live unit of another product (two makers using one serial string); never for IMEIs.
    shared_by: str | None = None


MAX_QUANTITY = 1_000_000


def move(
    db: Database,
    actor: Actor,
    action: Action,
    *,
    store: str,
    sku: str,
    serials: list[str] | tuple[str, ...] = (),
    quantity: int | None = None,
    to_store: str | None = None,
    document: DocumentRef | None = None,
    reason: str | None = None,
    shared_by: Actor | None = None,
) -> LedgerResult:
    """Apply one ledger action to the named units (or a quantity) of one product, atomically.

    ``shared_by``: a manager (logged in with their PIN) who accepts that these serials are
    also live under another product; refused for IMEI-format serials."""
    if shared_by is not None:
        shared_by.require(Permission.ADJUST)
    step = Step(
        action,
        store,
        sku,
        serials,
        quantity,
        to_store,
        shared_by=None if shared_by is None else shared_by.user,
    )
    return move_many(db, actor, [step], document=document, reason=reason)[0]


def move_many(
    db: Database,
    actor: Actor,
    steps: list[Step] | tuple[Step, ...],
    *,
    document: DocumentRef | None = None,
    reason: str | None = None,
) -> tuple[LedgerResult, ...]:
    """Apply several steps in ONE transaction (an adjustment that adds and removes, a receipt
    of many products): all of them happen, or none does."""
    checked = [_checked(actor, step) for step in steps]
    _check_document(document, reason)
    results: tuple[LedgerResult, ...] | None = None
    for _attempt in range(3):
        # Formats are evaluated here, before the write transaction (serial_precheck.py).
        formats = serial_precheck.precheck(db, [(step.sku, serials) for step, serials in checked])
        try:
            results = db.write(
                lambda conn, formats=formats: tuple(  # type: ignore[misc]
                    _apply(conn, db, actor, step, serials, document, reason, formats)
                    for step, serials in checked
                )
            )
            break
        except serial_precheck.FormatChanged:
            serial_precheck.forget(db)
    if results is None:
        raise Conflict("a product's serial format was being changed at the same moment; try again")
    for result in results:  # after the commit: the log says what happened, not what was tried
        logs.action(
            actor.user,
            actor.terminal,
            f"{result.action} {result.sku} x{abs(result.quantity) or len(result.units)}"
            f" at {result.store}",
            None if document is None else f"{document.type} {document.id}",
        )
    return results


def move_in(
    conn: Connection,
    db: Database,
    actor: Actor,
    step: Step,
    document: DocumentRef | None = None,
    reason: str | None = None,
) -> LedgerResult:
    """Apply a step inside a transaction another service owns (a sale that reserves a unit
    and records it on its line in the same commit)."""
    _step, serials = _checked(actor, step)
    _check_document(document, reason)
    return _apply(conn, db, actor, step, serials, document, reason)


def _checked(actor: Actor, step: Step) -> tuple[Step, list[str]]:
    """Everything that can be refused before the database is touched."""
    actor.require(PERMISSION[step.action])
    clean = _clean_serials(step.serials)
    quantity = step.quantity
    if quantity is not None and not 1 <= quantity <= MAX_QUANTITY:
        raise BadRequest(
            f"quantity must be a positive whole number up to {MAX_QUANTITY:,}; "
            "the action says which way stock moves"
        )
    if clean and quantity is not None and quantity != len(clean):
        raise BadRequest(f"quantity {quantity} does not match the {len(clean)} serials given")
    if step.action is Action.TRANSFER_OUT and not step.to_store:
        raise BadRequest("a transfer out needs the store it goes to ('to')")
    if step.action is Action.TRANSFER_OUT and step.to_store == step.store:
        raise BadRequest("a transfer must go to another store")
    if step.action is Action.RESERVE and step.hold is None:
        raise BadRequest("a unit is reserved for an order line: put it on an order")
    if step.hold is not None and step.action not in _HOLDING:
        raise BadRequest(
            f"an order line holds a unit only to reserve, release or sell it, "
            f"not to {step.action.value}"
        )
    return step, clean


#: The moves an order line makes with the unit it holds.
_HOLDING = frozenset({Action.RESERVE, Action.RELEASE, Action.SELL})


def _check_document(document: DocumentRef | None, reason: str | None) -> None:
    for value, what, limit in (
        (document.type if document else None, "document type", 24),
        (document.id if document else None, "document id", 64),
        (document.line if document else None, "document line", 32),
        (reason, "reason", 200),
    ):
        if value is None:
            continue
        if has_control_chars(value):
            raise BadRequest(f"{what} '{clip(value)}' contains control characters")
        if len(value) > limit:
            raise BadRequest(f"{what} '{clip(value)}' is longer than {limit} characters")


def _apply(
    conn: Connection,
    db: Database,
    actor: Actor,
    step: Step,
    clean: list[str],
    document: DocumentRef | None,
    reason: str | None,
    formats: dict[str, str | None] | None = None,
) -> LedgerResult:
    action, store, quantity = step.action, step.store, step.quantity
    here = repo.store_id(db, conn, store)
    # One round trip for the product, the store's setting and the first unit named.
    ctx = repo.move_context(
        conn, step.sku, here, clean[0] if clean else None, "serialized_inventory"
    )
    call = _Call(db, actor, action, store, here, ctx.product, document, reason, utcnow(), step.hold)
    dest_id = repo.store_id(db, conn, step.to_store) if step.to_store else call.store_id
    product = call.product
    tracked_here = product.serial_mode.tracked and setting_in_force(
        "serialized_inventory", ctx.chain_setting, ctx.store_setting
    )
    if product.serial_mode is SerialMode.DISABLED and clean:
        raise NotSerialized(f"{product.sku} is not serialized; give a quantity, not serials")
    # Serials are captured at sale wherever a product requires them, even at a store that
    # does not track stock by serial; elsewhere the stockroom flows count quantities there.
    needs_serial = tracked_here or action is Action.SELL
    if product.serial_mode is SerialMode.REQUIRED and needs_serial and not clean:
        raise SerialRequired(f"{product.sku} requires a serial for every unit")
    if (
        clean
        and product.serial_format
        and not serial_precheck.confirm(formats, product.sku, product.serial_format)
    ):
        # Only a move inside another service's transaction gets here; RE2 keeps it linear.
        fmt = serial_precheck.stored_format(product.serial_format)
        for serial in clean:
            fmt.check(serial, product.sku)
    elif clean:
        serial_precheck.confirm(formats, product.sku, product.serial_format)
    if clean and tracked_here:
        units = tuple(
            _move_unit(conn, call, s, dest_id, ctx.unit if i == 0 else _UNREAD, step.shared_by)
            for i, s in enumerate(clean)
        )
        return LedgerResult(
            action.value, store, product.sku, _units_delta(units, action), units, True
        )
    # Quantity only: a product without serials, an optional-serial unit sold without one,
    # or a store with serialized inventory off (serials are captured on the events then).
    count = len(clean) if clean else (quantity if quantity is not None else 1)
    sign = QUANTITY_SIGN.get(action, 0)
    if sign < 0 and action is not Action.SELL:
        _check_enough(conn, product, call.store_id, store, count)
    if clean:
        events = [call.event(quantity=sign, serial=s) for s in clean]
    else:
        events = [call.event(quantity=sign * count)]
    repo.add_events(conn, events)
    repo.bump_stock(conn, product.id, call.store_id, sign * count)
    return LedgerResult(action.value, store, product.sku, sign * count, (), False)


def _state(value: str | None) -> UnitState | None:
    return None if value is None else UnitState(value)


def _units_delta(units: tuple[UnitMove, ...], action: Action) -> int:
    """On-hand change at the acting store: a transfer out leaves it, everything else stays."""
    total = 0
    for unit in units:
        if action is Action.TRANSFER_OUT:
            total -= 1
        else:
            total += on_hand_delta(_state(unit.from_state), UnitState(unit.to_state))
    return total


def _clean_serials(serials: list[str] | tuple[str, ...]) -> list[str]:
    if len(serials) > MAX_UNITS_PER_CALL:
        raise BadRequest(f"at most {MAX_UNITS_PER_CALL} serials in one call")
    clean: list[str] = []
    seen: set[str] = set()
    for raw in serials:
        if not isinstance(raw, str):
            raise BadRequest(f"serial {clip(repr(raw))} is not text")
        serial = require_serial(raw)
        if serial in seen:
            raise DuplicateSerial(f"serial {serial} is listed twice")
        seen.add(serial)
        clean.append(serial)
    return clean


class _Unread:
    """Marks a unit not read yet (``None`` means read, and absent)."""


_UNREAD = _Unread()


def _move_unit(
    conn: Connection,
    call: _Call,
    serial: str,
    dest_id: int,
    read: repo.UnitRow | _Unread | None,
    shared_by: str | None = None,
) -> UnitMove:
    """Move one unit. ``read`` is the unit as already read in this transaction, if it was."""
    product, here = call.product, call.store_id
    for _attempt in range(2):
        unit = repo.unit_by_serial(conn, product.id, serial) if isinstance(read, _Unread) else read
        read = _UNREAD  # a retry re-reads
        current = None if unit is None else UnitState(unit.state)
        codes = repo.store_codes(conn) if unit is not None and unit.store_id != here else {}
        unit_store = None if unit is None else codes.get(unit.store_id, call.store_code)
        try:
            to_state = check_move(
                call.action, serial, current, unit_store=unit_store, here=call.store_code
            )
        except NotInStock:
            if unit is None:
                _name_its_own_product(conn, call, serial)
            raise
        if unit is not None:
            _check_holder(conn, call, serial, unit)
        if current is UnitState.EXPECTED and unit is not None:
            _refuse_other_asn(conn, call, serial, unit.id)
        shared = None
        to_life = to_state in LIVE and current not in LIVE
        if to_life:
            # A unit coming to life (new, or back from sold / written off / the vendor) must
            # not share its serial with a live unit of another product, whatever the flow.
            shared = refuse_live_elsewhere(conn, call.product_facts, serial, shared_by)
        sharer = shared_by if shared is not None else None  # kept on the unit (index 0016)
        to_store = dest_id if call.action is Action.TRANSFER_OUT else here
        hold = call.hold if to_state is UnitState.RESERVED else None
        if unit is None:
            new_id = repo.insert_unit_if_absent(
                conn, product.id, serial, to_state, to_store, call.now, sharer
            )
            if new_id is None:
                continue  # another terminal created it a moment ago: re-read and decide
            unit_id = new_id
        elif (
            repo.claim_unit_to_life(conn, unit, to_state, to_store, call.now, hold, sharer)
            if to_life
            else repo.claim_unit(conn, unit, to_state, to_store, call.now, hold)
        ):
            unit_id = unit.id
        else:
            continue  # another terminal moved it between our read and our update
        from_state = None if current is None else current.value
        delta = -1 if call.action is Action.TRANSFER_OUT else on_hand_delta(current, to_state)
        event = call.event(
            unit_id=unit_id,
            serial=serial,
            from_state=from_state,
            to_state=to_state.value,
            quantity=delta,
        )
        if shared is not None:
            event["reason"] = clip(f"{shared}; {call.reason}" if call.reason else shared, 200)
        repo.add_events(conn, [event])
        repo.bump_stock(conn, product.id, here, delta)
        return UnitMove(serial, from_state, to_state.value, call.store_code)
    raise Conflict(
        f"serial {serial} was changed by another terminal at the same moment; "
        "look it up and try again"
    )


def _check_holder(conn: Connection, call: _Call, serial: str, unit: repo.UnitRow) -> None:
    """A reserved unit moves only by the order line it is reserved to; an order line moves
    only the unit reserved to it. (The claim's conditional update checks the line again.)"""
    reserved = unit.state == UnitState.RESERVED.value
    if reserved and unit.reserved_line == call.hold:
        return
    if call.hold is None:
        if reserved:
            raise Reserved(
                f"serial {serial} of {call.product.sku} is "
                f"{order_repo.holder_text(conn, unit.reserved_line)}: fulfil or "
                "void that order, or take the unit off its line, first"
            )
        return
    if call.action is Action.RESERVE:
        return  # check_move refused a unit that is not in stock
    now = (
        order_repo.holder_text(conn, unit.reserved_line)
        if reserved
        else f"{UnitState(unit.state).label} at {repo.store_codes(conn).get(unit.store_id, '?')}"
    )
    raise ReservationLost(
        f"serial {serial} of {call.product.sku} is no longer reserved for "
        f"this order line (it is {now}): record the serial of a unit in "
        "stock on the line again"
    )


def _name_its_own_product(conn: Connection, call: _Call, serial: str) -> None:
    """A serial this product has no unit with may be another product's unit: say which,
    with its state and store, instead of "not known" (on the refusal path only)."""
    other = next(
        (u for u in units_with_serial(conn, serial) if u.product.sku != call.product.sku), None
    )
    if other is not None:
        raise NotInStock(f"serial {clip(serial)} is {other.where}, not a {call.product.sku}")


def _check_enough(
    conn: Connection, product: repo.ProductRow, store_id: int, store: str, needed: int
) -> None:
    on_hand = repo.stock_quantity(conn, product.id, store_id)
    if on_hand < needed:
        raise NotInStock(f"{product.sku}: {needed} needed but only {on_hand} on hand at {store}")


_EXPECTING_ASN = (
    sa.select(repo.event_t.c.document_id)
    .where(
        repo.event_t.c.unit_id == sa.bindparam("unit_id"),
        repo.event_t.c.action == Action.EXPECT.value,
    )
    .order_by(repo.event_t.c.id.desc())
    .limit(1)
)


def _refuse_other_asn(conn: Connection, call: _Call, serial: str, unit_id: int) -> None:
    """An ``expected`` unit is received on the ASN that announced it while that ASN is open;
    any other way is refused, naming the ASN. Once the ASN is received, a listed unit that did
    not arrive with it may come in any way."""
    asn = conn.execute(_EXPECTING_ASN, {"unit_id": unit_id}).scalar_one_or_none()
    doc = call.document
    if asn is None or (doc is not None and doc.type == "asn" and doc.id == asn):
        return
    if asn_tables.asn_received(conn, asn):
        return
    raise NotInStock(
        f"serial {serial} of {call.product.sku} is expected on ASN {asn}: receive it on that ASN"
    )
