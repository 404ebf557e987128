"""Serial unit states and the actions that move a unit between them.

The table here is the one place that says which moves are allowed; the database applies
a move with a conditional update on the from-state, so two terminals racing for one unit
cannot both win.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from serialpos.domain.errors import (
    AlreadySold,
    DomainError,
    DuplicateSerial,
    InvalidTransition,
    NotInStock,
)
from serialpos.domain.members import Members


class UnitState(enum.StrEnum):
    EXPECTED = "expected"
    IN_STOCK = "in_stock"
    RESERVED = "reserved"
    SOLD = "sold"
    IN_TRANSIT = "in_transit"
    RETURNED_TO_VENDOR = "returned_to_vendor"
    WRITTEN_OFF = "written_off"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


#: States in which a unit is physically in a store's hands and counted as on hand.
ON_HAND = frozenset({UnitState.IN_STOCK})
#: States in which the unit has left the store's inventory for good (until returned).
GONE = frozenset({UnitState.SOLD, UnitState.RETURNED_TO_VENDOR, UnitState.WRITTEN_OFF})


class Action(enum.StrEnum):
    """What happens to a unit, in the shop's words. Each is one event in its history."""

    EXPECT = "expect"  # announced by an ASN
    RECEIVE = "receive"
    RESERVE = "reserve"  # put on an open sale line
    RELEASE = "release"  # taken off a sale line, or the sale voided
    SELL = "sell"  # fulfilled to a customer
    RETURN = "return"  # customer brought it back, back to stock
    RETURN_DAMAGED = "return_damaged"  # customer brought it back broken
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"
    RTV = "rtv"  # returned to vendor
    ADJUST_ADD = "adjust_add"
    ADJUST_REMOVE = "adjust_remove"


@dataclass(frozen=True)
class Move:
    from_states: frozenset[UnitState | None]  # None: the unit is not known to the ledger yet
    to_state: UnitState


S = UnitState
MOVES: dict[Action, Move] = {
    Action.EXPECT: Move(frozenset({None}), S.EXPECTED),
    Action.RECEIVE: Move(frozenset({None, S.EXPECTED, S.RETURNED_TO_VENDOR}), S.IN_STOCK),
    Action.RESERVE: Move(frozenset({S.IN_STOCK}), S.RESERVED),
    Action.RELEASE: Move(frozenset({S.RESERVED}), S.IN_STOCK),
    Action.SELL: Move(frozenset({S.IN_STOCK, S.RESERVED}), S.SOLD),
    Action.RETURN: Move(frozenset({S.SOLD}), S.IN_STOCK),
    Action.RETURN_DAMAGED: Move(frozenset({S.SOLD}), S.WRITTEN_OFF),
    Action.TRANSFER_OUT: Move(frozenset({S.IN_STOCK}), S.IN_TRANSIT),
    Action.TRANSFER_IN: Move(frozenset({S.IN_TRANSIT}), S.IN_STOCK),
    Action.RTV: Move(frozenset({S.IN_STOCK}), S.RETURNED_TO_VENDOR),
    Action.ADJUST_ADD: Move(frozenset({None, S.WRITTEN_OFF}), S.IN_STOCK),
    Action.ADJUST_REMOVE: Move(frozenset({S.IN_STOCK}), S.WRITTEN_OFF),
}


def on_hand_delta(before: UnitState | None, after: UnitState) -> int:
    """How a move changes the on-hand quantity at the unit's store (-1, 0 or +1)."""
    return int(after in ON_HAND) - int(before in ON_HAND)


def _where(state: UnitState, store: str | None, shipped_from: str | None = None) -> str:
    """Where a unit is, in words. A unit in transit belongs to its destination; with the
    store that shipped it known it reads "in transit from S02 to S01", never "in transit
    at S01" (which reads as if it were at S01 already)."""
    if state is S.IN_TRANSIT and shipped_from and store:
        return f"{state.label} from {shipped_from} to {store}"
    return f"{state.label} at {store}" if store else state.label


def check_move(
    action: Action,
    serial: str,
    current: UnitState | None,
    *,
    unit_store: str | None = None,
    here: str | None = None,
    shipped_from: str | None = None,
) -> UnitState:
    """Return the state ``action`` leads to, or raise the refusal a person understands.

    ``unit_store`` is where the ledger has the unit, ``here`` the store acting. Actions on a
    unit in hand (sell, reserve, transfer out, RTV, remove) must happen at the unit's store;
    a unit in transit belongs to its destination store, so only that store receives it.
    A sold unit may be returned at any store. ``shipped_from``: the store that shipped a
    unit in transit, when the caller read it (the refusal then names both stores).
    """
    move = MOVES[action]
    if current in move.from_states:
        if (
            current is not None
            and here is not None
            and unit_store is not None
            and unit_store != here
            and action not in (Action.RETURN, Action.RETURN_DAMAGED, Action.RECEIVE)
        ):
            where = _where(current, unit_store, shipped_from)
            raise NotInStock(f"serial {serial} is {where}, not at {here}")
        if action is Action.RECEIVE and current is S.EXPECTED and unit_store not in (None, here):
            raise NotInStock(f"serial {serial} is expected at {unit_store}, not at {here}")
        return move.to_state
    raise refusal(action, serial, current, unit_store, shipped_from)


def refusal(
    action: Action,
    serial: str,
    current: UnitState | None,
    unit_store: str | None,
    shipped_from: str | None = None,
) -> DomainError:
    """The error for an action not allowed from ``current``, with a stable code."""
    if current is None:
        return NotInStock(f"serial {serial} is not known to the ledger")
    where = _where(current, unit_store, shipped_from)
    if action in (Action.RECEIVE, Action.ADJUST_ADD, Action.EXPECT):
        if current is S.SOLD and action is not Action.EXPECT:
            return AlreadySold(f"serial {serial} was sold; take it back as a return instead")
        if current is S.EXPECTED and action is Action.ADJUST_ADD:
            # An ASN's leftover serial: the unit is known, on its way, not to be added anew.
            return DuplicateSerial(
                f"serial {serial} is already recorded ({where}): receive it "
                "(on its ASN, by blind receiving or apply receive) instead of adding it"
            )
        return DuplicateSerial(f"serial {serial} is already recorded ({where})")
    if current is S.SOLD:
        return AlreadySold(f"serial {serial} is already sold")
    if action in (Action.RETURN, Action.RETURN_DAMAGED):
        return InvalidTransition(f"serial {serial} was not sold (it is {where})")
    if action is Action.TRANSFER_IN:
        return InvalidTransition(f"serial {serial} was not shipped (it is {where})")
    if action is Action.RELEASE:
        return InvalidTransition(f"serial {serial} is not reserved (it is {where})")
    return NotInStock(f"serial {serial} is not in stock (it is {where})")


#: Unit states by stored value (domain/members.py: a dict lookup, not the enum call).
UNIT_STATES: Members[UnitState] = Members(UnitState)
