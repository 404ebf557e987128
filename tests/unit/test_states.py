"""The unit state machine, table-driven: every action from every state.

The expected table below is written out by hand from DESIGN.md ("The serial ledger") so that
it checks ``domain.states.MOVES`` rather than restating it.
"""

from __future__ import annotations

import pytest

from serialpos.domain.errors import (
    AlreadySold,
    DomainError,
    DuplicateSerial,
    InvalidTransition,
    NotInStock,
)
from serialpos.domain.states import (
    GONE,
    MOVES,
    ON_HAND,
    Action,
    UnitState,
    check_move,
    on_hand_delta,
)

A, S = Action, UnitState
NEW = None
# Column order for the table rows.
STATES: tuple[UnitState | None, ...] = (
    NEW,
    S.EXPECTED,
    S.IN_STOCK,
    S.RESERVED,
    S.SOLD,
    S.IN_TRANSIT,
    S.RETURNED_TO_VENDOR,
    S.WRITTEN_OFF,
)
DUP, SOLD_, NIS, BAD = "duplicate_serial", "already_sold", "not_in_stock", "invalid_state"

EXP, INS, RES, SLD = S.EXPECTED, S.IN_STOCK, S.RESERVED, S.SOLD
TRN, RTV, WOF = S.IN_TRANSIT, S.RETURNED_TO_VENDOR, S.WRITTEN_OFF

# Row: the outcome from each state, in the order of STATES: a state reached or a refusal code.
#                     new    expected in_stock reserved sold   in_transit rtv  written_off
TABLE: dict[Action, tuple[object, ...]] = {
    A.EXPECT:         (EXP,  DUP,     DUP,     DUP,     DUP,   DUP,       DUP, DUP),
    A.RECEIVE:        (INS,  INS,     DUP,     DUP,     SOLD_, DUP,       INS, DUP),
    A.RESERVE:        (NIS,  NIS,     RES,     NIS,     SOLD_, NIS,       NIS, NIS),
    A.RELEASE:        (NIS,  BAD,     BAD,     INS,     SOLD_, BAD,       BAD, BAD),
    A.SELL:           (NIS,  NIS,     SLD,     SLD,     SOLD_, NIS,       NIS, NIS),
    A.RETURN:         (NIS,  BAD,     BAD,     BAD,     INS,   BAD,       BAD, BAD),
    A.RETURN_DAMAGED: (NIS,  BAD,     BAD,     BAD,     WOF,   BAD,       BAD, BAD),
    A.TRANSFER_OUT:   (NIS,  NIS,     TRN,     NIS,     SOLD_, NIS,       NIS, NIS),
    A.TRANSFER_IN:    (NIS,  BAD,     BAD,     BAD,     SOLD_, INS,       BAD, BAD),
    A.RTV:            (NIS,  NIS,     RTV,     NIS,     SOLD_, NIS,       NIS, NIS),
    A.ADJUST_ADD:     (INS,  DUP,     DUP,     DUP,     SOLD_, DUP,       DUP, INS),
    A.ADJUST_REMOVE:  (NIS,  NIS,     WOF,     NIS,     SOLD_, NIS,       NIS, NIS),
}  # fmt: skip

ERROR_CLASS = {DUP: DuplicateSerial, SOLD_: AlreadySold, NIS: NotInStock, BAD: InvalidTransition}

CASES = [
    pytest.param(action, state, outcome, id=f"{action.value}-from-{state or 'new'}")
    for action, row in TABLE.items()
    for state, outcome in zip(STATES, row, strict=True)
]


def test_table_covers_every_action_and_state() -> None:
    assert set(TABLE) == set(Action)
    assert set(STATES) - {None} == set(UnitState)
    assert len(CASES) == len(Action) * (len(UnitState) + 1)


@pytest.mark.parametrize(("action", "state", "outcome"), CASES)
def test_every_action_from_every_state(
    action: Action, state: UnitState | None, outcome: object
) -> None:
    if isinstance(outcome, UnitState):
        assert check_move(action, "SN1", state) is outcome
        # Same answer when the unit is at the acting store.
        store = None if state is None else "S1"
        assert check_move(action, "SN1", state, unit_store=store, here="S1") is outcome
    else:
        with pytest.raises(DomainError) as err:
            check_move(action, "SN1", state, unit_store=None if state is None else "S1", here="S1")
        assert err.value.code == outcome
        assert type(err.value) is ERROR_CLASS[str(outcome)]
        assert "SN1" in str(err.value)


@pytest.mark.parametrize(("action", "state", "outcome"), CASES)
def test_moves_table_agrees(action: Action, state: UnitState | None, outcome: object) -> None:
    allowed = state in MOVES[action].from_states
    assert allowed == isinstance(outcome, UnitState)
    if allowed:
        assert MOVES[action].to_state is outcome


# -- store checks ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("action", "state"),
    [
        (A.SELL, S.IN_STOCK),
        (A.SELL, S.RESERVED),
        (A.RESERVE, S.IN_STOCK),
        (A.RELEASE, S.RESERVED),
        (A.TRANSFER_OUT, S.IN_STOCK),
        (A.RTV, S.IN_STOCK),
        (A.ADJUST_REMOVE, S.IN_STOCK),
    ],
)
def test_unit_in_hand_only_moves_at_its_own_store(action: Action, state: UnitState) -> None:
    with pytest.raises(NotInStock) as err:
        check_move(action, "SN9", state, unit_store="S2", here="S1")
    assert err.value.code == "not_in_stock"
    assert "S2" in str(err.value) and "S1" in str(err.value)
    assert (
        check_move(action, "SN9", state, unit_store="S1", here="S1")
        is TABLE[action][STATES.index(state)]
    )


@pytest.mark.parametrize(
    ("action", "to"), [(A.RETURN, S.IN_STOCK), (A.RETURN_DAMAGED, S.WRITTEN_OFF)]
)
def test_return_at_another_store_is_allowed(action: Action, to: UnitState) -> None:
    assert check_move(action, "SN9", S.SOLD, unit_store="S2", here="S1") is to


def test_transfer_in_only_at_destination() -> None:
    # An in-transit unit belongs to its destination store.
    assert check_move(A.TRANSFER_IN, "SN9", S.IN_TRANSIT, unit_store="S2", here="S2") is S.IN_STOCK
    with pytest.raises(NotInStock) as err:
        check_move(A.TRANSFER_IN, "SN9", S.IN_TRANSIT, unit_store="S2", here="S1")
    assert "in transit at S2" in str(err.value)


def test_expected_unit_received_only_at_its_store() -> None:
    assert check_move(A.RECEIVE, "SN9", S.EXPECTED, unit_store="S1", here="S1") is S.IN_STOCK
    with pytest.raises(NotInStock) as err:
        check_move(A.RECEIVE, "SN9", S.EXPECTED, unit_store="S2", here="S1")
    assert "expected at S2" in str(err.value)


def test_unit_back_from_vendor_may_be_received_anywhere() -> None:
    assert (
        check_move(A.RECEIVE, "SN9", S.RETURNED_TO_VENDOR, unit_store="S2", here="S1") is S.IN_STOCK
    )


def test_refused_action_at_other_store_names_the_state_refusal_first() -> None:
    # A sold unit is "already sold" wherever it is asked to be sold.
    with pytest.raises(AlreadySold):
        check_move(A.SELL, "SN9", S.SOLD, unit_store="S2", here="S1")
    with pytest.raises(DuplicateSerial) as err:
        check_move(A.RECEIVE, "SN9", S.IN_STOCK, unit_store="S2", here="S1")
    assert "in stock at S2" in str(err.value)


def test_adding_an_asns_leftover_serial_says_to_receive_it() -> None:
    """An ASN closed with a listed serial unscanned leaves the unit expected: a found unit
    added by adjustment is refused (the unit is known), saying how it is taken in."""
    with pytest.raises(DuplicateSerial) as err:
        check_move(A.ADJUST_ADD, "SN9", S.EXPECTED, unit_store="S1", here="S1")
    assert str(err.value) == (
        "serial SN9 is already recorded (expected at S1): receive it "
        "(on its ASN, by blind receiving or apply receive) instead of adding it"
    )


# -- on hand --------------------------------------------------------------------------
def test_on_hand_sets() -> None:
    assert {S.IN_STOCK} == ON_HAND
    assert {S.SOLD, S.RETURNED_TO_VENDOR, S.WRITTEN_OFF} == GONE


@pytest.mark.parametrize(
    ("before", "after", "delta"),
    [
        (None, S.IN_STOCK, 1),
        (S.IN_STOCK, S.SOLD, -1),
        (S.RESERVED, S.SOLD, 0),
        (S.IN_STOCK, S.RESERVED, -1),
        (S.RESERVED, S.IN_STOCK, 1),
        (S.SOLD, S.IN_STOCK, 1),
        (S.SOLD, S.WRITTEN_OFF, 0),
        (S.IN_TRANSIT, S.IN_STOCK, 1),
        (None, S.EXPECTED, 0),
        (S.IN_STOCK, S.IN_TRANSIT, -1),
    ],
)
def test_on_hand_delta(before: UnitState | None, after: UnitState, delta: int) -> None:
    assert on_hand_delta(before, after) == delta


def test_state_labels() -> None:
    assert S.RETURNED_TO_VENDOR.label == "returned to vendor"
    assert S.IN_STOCK.label == "in stock"
    assert [s.value for s in UnitState] == [
        "expected",
        "in_stock",
        "reserved",
        "sold",
        "in_transit",
        "returned_to_vendor",
        "written_off",
    ]
