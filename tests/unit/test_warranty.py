"""Warranty date arithmetic and states; the serial prefix's range."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from serialpos.domain.errors import BadRequest
from serialpos.domain.serial_prefix import check_prefix, upper_bound
from serialpos.domain.warranty import (
    Warranty,
    WarrantyKind,
    add_months,
    sale_dates,
    warranty,
)

dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2200, 12, 31))
months = st.integers(min_value=0, max_value=1200)


@pytest.mark.parametrize(
    ("start", "n", "end"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 3, 31), 1, date(2026, 4, 30)),
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2026, 5, 10), 0, date(2026, 5, 10)),
        (date(2026, 5, 10), 24, date(2028, 5, 10)),
    ],
)
def test_add_months_examples(start: date, n: int, end: date) -> None:
    assert add_months(start, n) == end


def test_add_months_refuses_negative() -> None:
    with pytest.raises(ValueError, match="zero or more"):
        add_months(date(2026, 1, 1), -1)


@given(dates, months)
def test_add_months_lands_in_the_right_month_on_the_same_or_last_day(start: date, n: int) -> None:
    end = add_months(start, n)
    assert (end.year * 12 + end.month) - (start.year * 12 + start.month) == n
    assert end.day == start.day or (end.day < start.day and (end + timedelta(days=1)).day == 1)


@given(dates, months, months)
def test_add_months_is_monotonic(start: date, a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert add_months(start, low) <= add_months(start, high)


@given(dates, st.integers(min_value=1, max_value=1200), dates)
def test_active_until_the_end_date_then_ended(sold: date, n: int, today: date) -> None:
    state = warranty(sold, n, today)
    ends = add_months(sold, n)
    assert state.ends_on == ends
    if today <= ends:
        assert state.kind is WarrantyKind.ACTIVE
        assert state.days_left == (ends - today).days >= 0
        assert state.words.startswith(f"in warranty until {ends.isoformat()} (")
    else:
        assert state.kind is WarrantyKind.ENDED
        assert state.words == f"warranty ended {ends.isoformat()}"


def test_words() -> None:
    sold = date(2026, 1, 31)
    assert warranty(sold, 1, date(2026, 2, 1)).words == (
        "in warranty until 2026-02-28 (27 days left)"
    )
    assert warranty(sold, 1, date(2026, 2, 27)).words == (
        "in warranty until 2026-02-28 (1 day left)"
    )
    assert warranty(sold, 1, date(2026, 2, 28)).words == (
        "in warranty until 2026-02-28 (last day today)"
    )
    assert warranty(sold, 1, date(2026, 3, 1)).words == "warranty ended 2026-02-28"
    assert warranty(sold, None, date(2026, 3, 1)).words == (
        "no warranty period set for this product"
    )
    assert warranty(sold, 0, date(2026, 3, 1)).kind is WarrantyKind.NONE
    assert warranty(None, 12, date(2026, 3, 1)) == Warranty(WarrantyKind.NOT_SOLD, months=12)
    assert warranty(None, 12, date(2026, 3, 1)).words == "not sold (warranty starts at sale)"
    assert warranty(None, 12, date(2026, 3, 1), date(2026, 2, 2)).words == (
        "not sold: returned 2026-02-02 (warranty starts at the next sale)"
    )


def test_sale_dates_follow_the_latest_sale() -> None:
    d1, d2, d3, d4 = (date(2026, 1, n) for n in (1, 2, 3, 4))
    assert sale_dates([]) == (None, None)
    assert sale_dates([("receive", d1)]) == (None, None)
    assert sale_dates([("receive", d1), ("sell", d2)]) == (d2, None)
    assert sale_dates([("receive", d1), ("sell", d2), ("return", d3)]) == (None, d3)
    assert sale_dates([("sell", d1), ("return_damaged", d2)]) == (None, d2)
    assert sale_dates([("sell", d1), ("return", d2), ("reserve", d3), ("sell", d4)]) == (d4, None)
    assert sale_dates([("return", d1)]) == (None, None)  # a return with no sale known


serial_text = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x10FFFF, codec="utf-8").filter(
        lambda c: not (0x7F <= ord(c) <= 0x9F)
    ),
    min_size=1,
    max_size=12,
)


@given(serial_text, serial_text)
def test_prefix_range_is_exactly_the_strings_that_start_with_it(prefix: str, serial: str) -> None:
    high = upper_bound(prefix)
    inside = prefix <= serial and (high is None or serial < high)
    assert inside == serial.startswith(prefix)
    candidate = prefix + serial
    assert prefix <= candidate and (high is None or candidate < high)
    # Byte order (SQLite BINARY, PostgreSQL "C") agrees with code point order.
    if high is not None:
        assert (serial.encode() < high.encode()) == (serial < high)


def test_upper_bound_examples() -> None:
    assert upper_bound("AB") == "AC"
    assert upper_bound("a\U0010ffff") == "b"
    assert upper_bound("\U0010ffff") is None
    assert upper_bound("x\ud7ff") == "x\ue000"


@pytest.mark.parametrize("raw", ["", "  ", "\t"])
def test_blank_prefix_is_refused(raw: str) -> None:
    with pytest.raises(BadRequest, match="type the start of a serial"):
        check_prefix(raw)
