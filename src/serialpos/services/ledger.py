"""Ledger use cases: receive, sell, return, transfer, return to vendor, adjust.

Each call is one transaction: every unit it names moves, with one event each, or nothing
does. A unit is moved with a conditional update on the version read, so two terminals racing
for one unit cannot both win; the loser gets the refusal the new state calls for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.engine import Connection

from serialpos import logs
from serialpos.db import ledger_writes, repo, unit_sql
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.errors import (
    BadRequest,
    Conflict,
    DuplicateSerial,
    NotInStock,
    NotSerialized,
    SerialRequired,
)
from serialpos.domain.events import DocumentRef
from serialpos.domain.products import SerialMode
from serialpos.domain.serial_case import twins_within, within_message
from serialpos.domain.serials import require_serial
from serialpos.domain.states import MOVES, UNIT_STATES, Action, UnitState, on_hand_delta
from serialpos.domain.text import clip, has_control_chars
from serialpos.domain.users import Permission
from serialpos.services import serial_precheck, sold_serials
from serialpos.services.context import Actor
from serialpos.services.ledger_units import _UNREAD, UnitMove, _Call, _move_unit
from serialpos.services.settings import setting_in_force
from serialpos.services.shifts import applying_terminal_entry
from serialpos.services.unlabelled import check_unlabelled

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
class LedgerResult:
    action: str
    store: str
    sku: str
    quantity: int  # on-hand change at the acting store
    units: tuple[UnitMove, ...] = field(default_factory=tuple)
    serial_tracked: bool = True


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


@dataclass(frozen=True)
class Known:
    """What a service moving one unit inside its own transaction has already read there, so
    the ledger does not read it again (a counter sale's serial and fulfil steps): the
    product, whether the store tracks it by serial (``serialized_inventory`` in force), and
    the unit with the step's first serial as read with its lease (None: no such unit). The
    move stays a conditional update on the version read, so a unit changed since is
    re-read and decided again, as with a unit the ledger read itself."""

    product: repo.ProductRow
    tracked: bool
    unit: repo.UnitRow | None


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
    check: Callable[[Connection], None] | None = None,
) -> LedgerResult:
    """Apply one ledger action to the named units (or a quantity) of one product, atomically.

    ``shared_by``: a manager (logged in with their PIN) who accepts that these serials are
    also live under another product; refused for IMEI-format serials. ``check``: run in the
    same transaction after the move, its refusal undoing it (a bare return of a unit sold
    on an order: services/sold_on_order.py)."""
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
    return move_many(db, actor, [step], document=document, reason=reason, check=check)[0]


def move_many(
    db: Database,
    actor: Actor,
    steps: list[Step] | tuple[Step, ...],
    *,
    document: DocumentRef | None = None,
    reason: str | None = None,
    check: Callable[[Connection], None] | None = None,
) -> tuple[LedgerResult, ...]:
    """Apply several steps in ONE transaction (an adjustment that adds and removes, a receipt
    of many products): all of them happen, or none does. ``check`` runs last in that
    transaction; its refusal undoes every step."""

    def steps_then_check(
        conn: Connection, formats: dict[str, str | None]
    ) -> tuple[LedgerResult, ...]:
        done = tuple(
            _apply(conn, db, actor, step, serials, document, reason, formats)
            for step, serials in checked
        )
        if check is not None:
            check(conn)
        return done

    checked = [_checked(actor, step) for step in steps]
    _check_document(document, reason)
    results: tuple[LedgerResult, ...] | None = None
    for _attempt in range(3):
        # Formats are evaluated here, before the write transaction (serial_precheck.py).
        # Only serials of units being made: a unit already recorded is never refused by a
        # format changed since (it is judged where it came in).
        formats = serial_precheck.precheck(
            db, [(step.sku, serials) for step, serials in checked if _creates(step.action)]
        )
        try:
            results = db.write(lambda conn, formats=formats: steps_then_check(conn, formats))  # type: ignore[misc]
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
    known: Known | None = None,
) -> LedgerResult:
    """Apply a step inside a transaction another service owns (a sale that reserves a unit
    and records it on its line in the same commit); ``known``: what that service has read
    of the product and the unit already (:class:`Known`)."""
    _step, serials = _checked(actor, step)
    _check_document(document, reason)
    if known is not None and (known.product.sku != step.sku or not serials):
        raise ValueError("Known describes the step's own product and first serial")
    return _apply(conn, db, actor, step, serials, document, reason, known=known)


def _checked(actor: Actor, step: Step) -> tuple[Step, list[str]]:
    """Everything that can be refused before the database is touched."""
    actor.require(PERMISSION[step.action])
    clean = _clean_serials(step.serials)
    twins = twins_within(clean) if None in MOVES[step.action].from_states else []
    if twins:  # units being made: one label in two cases is a caps-lock scan, not two units
        raise DuplicateSerial(within_message(*twins[0]))
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
    *,
    known: Known | None = None,
) -> LedgerResult:
    action, store, quantity = step.action, step.store, step.quantity
    here = repo.store_id(db, conn, store)
    if known is None:
        # One round trip for the product, the store's setting and the first unit named.
        ctx = unit_sql.move_context(
            conn, step.sku, here, clean[0] if clean else None, "serialized_inventory"
        )
        in_force = setting_in_force("serialized_inventory", ctx.chain_setting, ctx.store_setting)
        known = Known(ctx.product, in_force, ctx.unit)
    product = known.product
    call = _Call(db, actor, action, store, here, product, document, reason, utcnow(), step.hold)
    dest_id = repo.store_id(db, conn, step.to_store) if step.to_store else call.store_id
    tracked_here = product.serial_mode.tracked and known.tracked
    if product.serial_mode is SerialMode.DISABLED and clean:
        raise NotSerialized(f"{product.sku} is not serialized; give a quantity, not serials")
    # Serials are captured at sale wherever a product requires them, even at a store that
    # does not track stock by serial; elsewhere the stockroom flows count quantities there.
    needs_serial = tracked_here or action is Action.SELL
    if product.serial_mode is SerialMode.REQUIRED and needs_serial and not clean:
        raise SerialRequired(f"{product.sku} requires a serial for every unit")
    # The format judges new serials: units being made (a receipt, an adjustment in), or
    # serials captured where the store keeps no units. A recorded unit moving (sold,
    # returned, transferred, counted) is never refused by a format changed since.
    judged = _creates(action) or not tracked_here
    if (
        clean
        and judged
        and product.serial_format
        and not serial_precheck.confirm(formats, product.sku, product.serial_format)
    ):
        # Only a move inside another service's transaction gets here; RE2 keeps it linear.
        fmt = serial_precheck.stored_format(product.serial_format)
        for serial in clean:
            fmt.check(serial, product.sku)
    elif clean and judged:
        serial_precheck.confirm(formats, product.sku, product.serial_format)
    if clean and tracked_here:
        units = tuple(
            _move_unit(conn, call, s, dest_id, known.unit if i == 0 else _UNREAD, step.shared_by)
            for i, s in enumerate(clean)
        )
        return LedgerResult(
            action.value, store, product.sku, _units_delta(units, action), units, True
        )
    # Quantity only: a product without serials, an optional-serial unit sold without one,
    # or a store with serialized inventory off (serials are captured on the events then).
    count = len(clean) if clean else (quantity if quantity is not None else 1)
    if action is Action.SELL:  # not checked by serial here, yet one unit is sold once
        for serial in clean:
            sold_serials.refuse_sold(conn, product.id, product.sku, serial, call.store_id, store)
    sign = QUANTITY_SIGN.get(action, 0)
    if (
        sign < 0
        and not clean
        and tracked_here
        and product.serial_mode is SerialMode.OPTIONAL
        and not applying_terminal_entry()
    ):
        # Its labelled units leave by serial: only the unlabelled pieces go by quantity.
        check_unlabelled(conn, product.id, product.sku, call.store_id, store, count)
    if sign < 0 and action is not Action.SELL:
        _check_enough(conn, product, call.store_id, store, count)
    if clean:
        events = [call.event(quantity=sign, serial=s) for s in clean]
    else:
        events = [call.event(quantity=sign * count)]
    ledger_writes.add_events(conn, events)
    ledger_writes.bump_stock(conn, product.id, call.store_id, sign * count)
    return LedgerResult(action.value, store, product.sku, sign * count, (), False)


def _creates(action: Action) -> bool:
    """Whether the action may make a unit the ledger does not know yet."""
    return None in MOVES[action].from_states


def _state(value: str | None) -> UnitState | None:
    return None if value is None else UNIT_STATES[value]


def _units_delta(units: tuple[UnitMove, ...], action: Action) -> int:
    """On-hand change at the acting store: a transfer out leaves it, everything else stays."""
    total = 0
    for unit in units:
        if action is Action.TRANSFER_OUT:
            total -= 1
        else:
            total += on_hand_delta(_state(unit.from_state), UNIT_STATES[unit.to_state])
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


def _check_enough(
    conn: Connection, product: repo.ProductRow, store_id: int, store: str, needed: int
) -> None:
    on_hand = ledger_writes.stock_quantity(conn, product.id, store_id)
    if on_hand < needed:
        raise NotInStock(f"{product.sku}: {needed} needed but only {on_hand} on hand at {store}")
