"""Pasted lists and ranges of serials: expanded exactly, refused whole on one bad entry."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from serialpos.domain.errors import BadSerial
from serialpos.domain.serial_lists import MAX_RANGE_UNITS, expand_range, parse_serial_list


def test_a_range_expands_keeping_prefix_and_width() -> None:
    assert expand_range("SN1001-SN1003") == ["SN1001", "SN1002", "SN1003"]
    assert expand_range("X-09-X-11") is None  # two hyphens: one serial
    assert expand_range("A0098-A0100") == ["A0098", "A0099", "A0100"]
    assert len(expand_range("SN1001-SN1100") or []) == 100


@pytest.mark.parametrize(
    "text", ["LX-001", "35-693803-000001-3", "A9-A11", "AB1-CD2", "SN1-", "-SN1", "SN-SN"]
)
def test_things_that_only_look_like_ranges_are_one_serial(text: str) -> None:
    assert expand_range(text) is None
    assert parse_serial_list(text) == [text]


def test_a_backwards_range_is_refused() -> None:
    with pytest.raises(BadSerial, match="runs backwards"):
        parse_serial_list("SN1100-SN1001")


def test_a_range_above_the_limit_is_refused() -> None:
    assert len(expand_range(f"S00001-S{MAX_RANGE_UNITS:05d}") or []) == MAX_RANGE_UNITS
    with pytest.raises(BadSerial, match="10,001 units; at most 10,000"):
        expand_range(f"S00001-S{MAX_RANGE_UNITS + 1:05d}")


def test_a_list_keeps_its_order_and_names_a_bad_entry() -> None:
    assert parse_serial_list("B2\nA1, C3;SN1-SN2\tZ") == ["B2", "A1", "C3", "SN1", "SN2", "Z"]
    with pytest.raises(BadSerial, match=r"entry 3 'SN2'.*listed twice"):
        parse_serial_list("SN1-SN3\nX\nSN2")
    with pytest.raises(BadSerial, match=r"entry 2 .*control characters"):
        parse_serial_list("A1 B\x07C")
    with pytest.raises(BadSerial, match=r"entry 2 .*at most 64"):
        parse_serial_list("A1 " + "X" * 65)
    with pytest.raises(BadSerial, match="no serials"):
        parse_serial_list(" \n ,, ")


@given(st.text(alphabet="ABCXYZ", max_size=4), st.integers(0, 99_999), st.integers(0, 200))
def test_every_range_covers_exactly_its_numbers(prefix: str, start: int, extra: int) -> None:
    width = max(len(str(start + extra)), 3)
    text = f"{prefix}{start:0{width}d}-{prefix}{start + extra:0{width}d}"
    serials = parse_serial_list(text)
    assert len(serials) == extra + 1
    assert serials[0] == f"{prefix}{start:0{width}d}"
    assert serials[-1] == f"{prefix}{start + extra:0{width}d}"
    assert len(set(serials)) == len(serials)
