"""The bound on a till's clock when central dates its sale (domain/till_time.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from serialpos.domain.till_time import business_time, text

NOW = datetime(2026, 12, 6, 0, 10)


def test_the_tills_time_dates_the_sale_within_the_bound() -> None:
    made = datetime(2026, 12, 5, 23, 50)
    assert text(made) == "2026-12-05T23:50:00Z"
    assert business_time(text(made), NOW) == (made, None)
    week = NOW - timedelta(days=7)
    assert business_time(text(week), NOW) == (week, None)  # a week offline is believed
    assert business_time("2026-12-06T01:10:00+01:00", NOW) == (NOW, None)  # same instant


def test_no_time_keeps_centrals_own_clock() -> None:
    assert business_time(None, NOW) == (None, None)  # a till made before times were sent


def test_a_clock_slightly_ahead_is_dated_now_silently() -> None:
    assert business_time(text(NOW + timedelta(minutes=2)), NOW) == (NOW, None)


def test_a_clock_far_off_is_dated_now_and_said() -> None:
    at, warning = business_time(text(NOW + timedelta(hours=6)), NOW)
    assert at == NOW and warning is not None and "6 hours ahead" in warning
    at, warning = business_time(text(datetime(2019, 1, 1)), NOW)
    assert at == NOW and warning is not None and "before central's" in warning
    for bad in ("yesterday", "2026-12-05T23:50:00", 1733443800):
        at, warning = business_time(bad, NOW)
        assert at == NOW and warning is not None and "no UTC time" in warning
