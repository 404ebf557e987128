"""Moving one serial unit inside a ledger call: the conditional claim on the version read (so
two terminals racing for one unit cannot both win), the checks that name who holds a reserved
unit or which ASN expects it, and the unit's event. Split from services/ledger.py, which
decides what a call moves; this is the per-unit hot path of every state change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import (
    asn_tables,
    ledger_writes,
    order_repo,
    repo,
    unit_sql,
    unit_write,
    unrecorded_units,
)
from serialpos.db.engine import Database
from serialpos.domain.errors import Conflict, DomainError, NotInStock, ReservationLost, Reserved
from serialpos.domain.events import DocumentRef
from serialpos.domain.scan_resolution import ProductFacts
from serialpos.domain.states import UNIT_STATES, Action, UnitState, check_move, on_hand_delta
from serialpos.domain.text import clip
from serialpos.services.context import Actor
from serialpos.services.lease_guard import check_held, check_lease
from serialpos.services.scan_resolver import (
    LIVE,
    case_hint_in,
    facts_of,
    refuse_live_elsewhere,
    refuse_new_serial,
    units_with_serial,
)


@dataclass(frozen=True)
class UnitMove:
    serial: str
    from_state: str | None
    to_state: str
    store: str


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
        unit = (
            unit_sql.unit_by_serial(conn, product.id, serial) if isinstance(read, _Unread) else read
        )
        read = _UNREAD  # a retry re-reads
        current = None if unit is None else UNIT_STATES[unit.state]
        codes = repo.store_codes(conn) if unit is not None and unit.store_id != here else {}
        unit_store = None if unit is None else codes.get(unit.store_id, call.store_code)
        checked = _as_checked(conn, call.action, current, unit)
        try:
            to_state = check_move(
                call.action, serial, checked, unit_store=unit_store, here=call.store_code
            )
        except NotInStock:
            if unit is None:
                _name_its_own_product(conn, call, serial)
            _name_sender(conn, call, serial, checked, unit, unit_store)
            raise
        except DomainError:
            _name_sender(conn, call, serial, checked, unit, unit_store)
            raise
        if unit is not None:
            _check_holder(conn, call, serial, unit)
            if unit.lease_read:  # read with the unit: no statement of its own
                check_held(conn, call.actor.terminal, unit.lease, serial, call.product.sku)
            else:
                check_lease(conn, call.actor.terminal, unit.id, serial, call.product.sku)
        if current is UnitState.EXPECTED and unit is not None:
            _refuse_other_asn(conn, call, serial, unit.id)
        shared = None
        to_life = to_state in LIVE and current not in LIVE
        if to_life:
            # A unit coming to life (new, or back from sold / written off / the vendor) must
            # not share its serial with a live unit of another product, whatever the flow; a
            # new one is no product barcode, no two labels, no other product's unit at all.
            shared = (
                refuse_new_serial(conn, call.product_facts, serial, shared_by)
                if unit is None
                else refuse_live_elsewhere(conn, call.product_facts, serial, shared_by)
            )
        sharer = shared_by if shared is not None else None  # kept on the unit (index 0016)
        to_store = dest_id if call.action is Action.TRANSFER_OUT else here
        hold = call.hold if to_state is UnitState.RESERVED else None
        from_state = None if current is None else current.value
        delta = -1 if call.action is Action.TRANSFER_OUT else on_hand_delta(current, to_state)
        event = call.event(
            unit_id=None if unit is None else unit.id,
            serial=serial,
            from_state=from_state,
            to_state=to_state.value,
            quantity=delta,
        )
        if shared is not None:
            event["reason"] = clip(f"{shared}; {call.reason}" if call.reason else shared, 200)
        moved = UnitMove(serial, from_state, to_state.value, call.store_code)
        if unit is not None and not to_life:  # the hot path: one statement on PostgreSQL
            claim = {"to_state": to_state, "to_store": to_store, "now": call.now, "hold": hold}
            if unit_write.claim_and_record(conn, unit, claim, event, delta):
                return moved
            continue  # another terminal moved it between our read and our update
        if unit is None:
            new_id = unit_sql.insert_unit_if_absent(
                conn, product.id, serial, to_state, to_store, call.now, sharer
            )
            if new_id is None:
                continue  # another terminal created it a moment ago: re-read and decide
            event["unit_id"] = new_id
        elif not unit_sql.claim_unit_to_life(
            conn, unit, to_state, to_store, call.now, hold, sharer
        ):
            continue  # another terminal moved it between our read and our update
        ledger_writes.add_events(conn, [event])
        ledger_writes.bump_stock(conn, product.id, here, delta)
        return moved
    raise Conflict(
        f"serial {serial} was changed by another terminal at the same moment; "
        "look it up and try again"
    )


def _name_sender(
    conn: Connection,
    call: _Call,
    serial: str,
    checked: UnitState | None,
    unit: repo.UnitRow | None,
    unit_store: str | None,
) -> None:
    """A refused move of a unit in transit: refused again naming the store that shipped it
    ("in transit from S02 to S01"), read from its last ``transfer_out`` event only now, on
    the refusal, never on a move that goes through."""
    if checked is not UnitState.IN_TRANSIT or unit is None:
        return
    ev = repo.event_t.c
    sender = conn.execute(
        sa.select(ev.store_id)
        .where(ev.unit_id == unit.id, ev.action == Action.TRANSFER_OUT.value)
        .order_by(ev.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if sender is None or sender == unit.store_id:
        return
    check_move(
        call.action,
        serial,
        checked,
        unit_store=unit_store or call.store_code,
        here=call.store_code,
        shipped_from=repo.store_codes(conn).get(sender),
    )


def _as_checked(
    conn: Connection, action: Action, current: UnitState | None, unit: repo.UnitRow | None
) -> UnitState | None:
    """The state ``action`` is checked from: a till's unit written off only because central
    has no record of it (a receipt central refused: db/unrecorded_units.py) is received
    again as the new unit it is at central. Read on a receipt of a written-off unit only."""
    if (
        action is Action.RECEIVE
        and current is UnitState.WRITTEN_OFF
        and unit is not None
        and unrecorded_units.unrecorded(conn, unit.id)
    ):
        return None
    return current


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
    with its state and store, instead of "not known"; or a unit's serial in other letter
    case (caps lock): "did you mean W2D-9?", the twin never taken (on the refusal path only).
    """
    other = next(
        (u for u in units_with_serial(conn, serial) if u.product.sku != call.product.sku), None
    )
    if other is not None:
        raise NotInStock(f"serial {clip(serial)} is {other.where}, not a {call.product.sku}")
    hint = case_hint_in(conn, serial)
    if hint is not None:
        raise NotInStock(f"serial {clip(serial)} is not known to the ledger: {hint}")


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
