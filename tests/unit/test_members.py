"""domain/members.py: stored values read as enum members by a dict lookup (issue 15) give
what the enum call gives, and refuse what it refuses."""

from __future__ import annotations

import enum

import pytest

from serialpos.domain.members import Members
from serialpos.domain.orders import (
    DELIVERY_MODES,
    LINE_STATUSES,
    ORDER_STATUSES,
    SALE_TYPES,
    DeliveryMode,
    LineStatus,
    OrderStatus,
    SaleType,
)
from serialpos.domain.products import SERIAL_MODES, SerialMode
from serialpos.domain.states import UNIT_STATES, UnitState

TABLES: list[tuple[Members[enum.Enum], type[enum.Enum]]] = [
    (SERIAL_MODES, SerialMode),  # type: ignore[list-item]
    (UNIT_STATES, UnitState),  # type: ignore[list-item]
    (SALE_TYPES, SaleType),  # type: ignore[list-item]
    (DELIVERY_MODES, DeliveryMode),  # type: ignore[list-item]
    (ORDER_STATUSES, OrderStatus),  # type: ignore[list-item]
    (LINE_STATUSES, LineStatus),  # type: ignore[list-item]
]


@pytest.mark.parametrize(("members", "kind"), TABLES)
def test_every_stored_value_and_member_reads_as_the_enum_call_does(
    members: Members[enum.Enum], kind: type[enum.Enum]
) -> None:
    for member in kind:
        assert members[member.value] is kind(member.value) is member
        assert members[member] is member
    assert len(members) == len(kind)


@pytest.mark.parametrize(("members", "kind"), TABLES)
def test_a_value_that_is_no_member_is_refused_as_by_the_enum(
    members: Members[enum.Enum], kind: type[enum.Enum]
) -> None:
    for bad in ("no such value", None, "", 3):
        with pytest.raises(ValueError, match="is not a valid"):
            members[bad]
    assert len(members) == len(kind)  # a refused value is not kept
