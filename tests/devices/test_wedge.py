"""The keyboard wedge's timing decision where no field has the focus: a run closed by Enter,
with no gap over ``key_gap_ms`` (default 300 ms), is one scan; long pauses, short runs, a late
Enter and runs broken by other keys are a person typing."""

from __future__ import annotations

import pytest

from serialpos.devices.settings import WedgeSettings
from serialpos.devices.wedge import Burst, WedgeDetector
from serialpos.domain.decoder import decode

IMEI = "356938030000013"


def type_keys(detector: WedgeDetector, text: str, start: float, gap_ms: float) -> float:
    """Type ``text`` with ``gap_ms`` between keys from ``start``; returns the last key's time."""
    at = start
    for number, char in enumerate(text):
        at = start + number * gap_ms / 1000
        detector.character(char, at)
    return at


def test_a_fast_burst_closed_by_enter_is_one_scan() -> None:
    detector = WedgeDetector(key_gap_ms=50, min_length=4)
    last = type_keys(detector, IMEI, 10.0, 3)
    burst = detector.enter(last + 0.003)
    assert burst == Burst(IMEI, 10.0, last + 0.003)
    assert burst.duration_ms == pytest.approx(3 * len(IMEI))
    assert detector.run == ""  # the run is over


def test_slow_typing_then_enter_is_typing() -> None:
    detector = WedgeDetector()
    last = type_keys(detector, IMEI, 10.0, 400)
    assert detector.enter(last + 0.400) is None


def test_a_scan_that_pauses_up_to_the_gap_is_still_one_scan() -> None:
    """Network jitter over SSH: 250 ms between two keys of a scan does not split it."""
    detector = WedgeDetector()
    detector.character("F", 1.0)
    type_keys(detector, "RW3C", 1.002, 2)
    last = type_keys(detector, "00001", 1.260, 2)  # 250 ms after the C
    burst = detector.enter(last + 0.300)  # and Enter 300 ms after the last 1
    assert burst is not None and burst.text == "FRW3C00001"


def test_the_default_gap_is_the_settings_default() -> None:
    from serialpos.devices.settings import DEFAULT_KEY_GAP_MS
    from serialpos.devices.wedge import DEFAULT_KEY_GAP_MS as WEDGE_DEFAULT

    assert DEFAULT_KEY_GAP_MS == WEDGE_DEFAULT == 300
    assert WedgeDetector().max_interval == 0.3
    assert WedgeDetector.from_settings(WedgeSettings()).max_interval == 0.3


def test_the_threshold_itself_counts_as_fast() -> None:
    detector = WedgeDetector(key_gap_ms=50)
    last = type_keys(detector, "SN-1", 0.0, 50)
    assert detector.enter(last + 0.050) is not None
    last = type_keys(detector, "SN-1", 10.0, 51)
    assert detector.enter(last + 0.010) is None


def test_enter_after_a_pause_is_typing_even_after_a_fast_run() -> None:
    detector = WedgeDetector()
    last = type_keys(detector, IMEI, 0.0, 2)
    assert detector.enter(last + 0.301) is None


def test_slow_keys_then_a_burst_make_a_scan_of_the_burst_only() -> None:
    detector = WedgeDetector()
    assert detector.character("A", 1.0) is True
    assert detector.character("B", 1.4) is True  # each slow key starts (and ends) a run
    assert detector.character("3", 2.0) is True
    last = type_keys(detector, IMEI[1:], 2.002, 2)
    burst = detector.enter(last + 0.002)
    assert burst is not None and burst.text == IMEI


def test_a_pause_inside_a_run_splits_it() -> None:
    detector = WedgeDetector()
    type_keys(detector, "ABCDEF", 0.0, 2)
    last = type_keys(detector, "GH", 0.5, 2)  # two more after a pause: a run of two
    assert detector.run == "GH"
    assert detector.enter(last + 0.002) is None  # shorter than min_length


def test_a_burst_shorter_than_min_length_is_typing() -> None:
    detector = WedgeDetector(min_length=4)
    last = type_keys(detector, "123", 0.0, 2)
    assert detector.enter(last + 0.002) is None
    last = type_keys(detector, "1234", 1.0, 2)
    assert detector.enter(last + 0.002) is not None


def test_min_length_comes_from_the_settings() -> None:
    detector = WedgeDetector.from_settings(WedgeSettings(key_gap_ms=20, min_length=8))
    last = type_keys(detector, "1234567", 0.0, 2)
    assert detector.enter(last + 0.002) is None
    last = type_keys(detector, "12345678", 1.0, 25)  # 25 ms is slow for these settings
    assert detector.enter(last + 0.002) is None
    last = type_keys(detector, "12345678", 2.0, 15)
    assert detector.enter(last + 0.015) is not None


def test_another_key_breaks_the_run() -> None:
    detector = WedgeDetector()
    last = type_keys(detector, IMEI, 0.0, 2)
    detector.interrupt()  # say, Backspace or an arrow
    assert detector.enter(last + 0.002) is None


def test_enter_with_no_run_is_typing() -> None:
    detector = WedgeDetector()
    assert detector.enter(1.0) is None
    assert detector.continues(1.0) is False


def test_gs_substitute_and_gs_stay_in_the_burst_and_decode_as_separators() -> None:
    detector = WedgeDetector()
    gs1 = "0105012345000015" + "10LOT1" + "~" + "21" + IMEI
    last = type_keys(detector, gs1, 0.0, 2)
    burst = detector.enter(last + 0.002)
    assert burst is not None and burst.text == gs1
    decoded = decode(burst.text, gs_substitute="~")
    assert (decoded.kind, decoded.gtin, decoded.batch, decoded.serial) == (
        "product_serial",
        "05012345000015",
        "LOT1",
        IMEI,
    )

    with_gs = "]C1" + gs1.replace("~", "\x1d")
    last = type_keys(detector, with_gs, 5.0, 2)
    burst = detector.enter(last + 0.002)
    assert burst is not None and burst.text == with_gs
    assert decode(burst.text).serial == IMEI


def test_a_runaway_longer_than_any_barcode_is_not_a_scan() -> None:
    detector = WedgeDetector(max_length=10)
    last = type_keys(detector, "x" * 11, 0.0, 1)
    assert detector.enter(last + 0.001) is None


def test_timestamps_going_backwards_do_not_join_a_run() -> None:
    detector = WedgeDetector()
    detector.character("A", 5.0)
    assert detector.continues(4.99) is False


@pytest.mark.parametrize(("interval", "length"), [(0, 4), (50, 0)])
def test_thresholds_must_be_positive(interval: int, length: int) -> None:
    with pytest.raises(ValueError):
        WedgeDetector(interval, length)


def test_a_scan_cut_by_a_pause_and_its_tail_are_scan_like_never_menu_keys() -> None:
    """The walk's jittered scan on Home: 'ZB2400', a pause past the gap, '0101' Enter. The
    first part is scan-like (as long as a scan); the part within a second after it is its
    tail, even when short; a key a person presses later is theirs again."""
    detector = WedgeDetector()  # 300 ms gap, 4 characters
    last = type_keys(detector, "ZB2400", 10.0, 2)
    assert not detector.continues(last + 0.5)
    assert detector.scan_like()
    assert detector.cut() == "ZB2400"
    detector.character("0", last + 0.5)
    assert detector.tail and detector.scan_like()
    assert detector.cut() == "0"  # a tail even at one character
    late = last + 0.5 + 2.0
    detector.character("2", late)  # a menu key, seconds later
    assert not detector.tail and not detector.scan_like()


def test_a_menu_key_alone_is_not_scan_like() -> None:
    detector = WedgeDetector()
    detector.character("3", 10.0)
    assert not detector.scan_like()
    detector.interrupt()
    type_keys(detector, "12", 20.0, 100)  # two quick keys: still a person's
    assert not detector.scan_like()


def test_a_cut_scan_s_tail_closed_by_its_enter_ends_it() -> None:
    """'3569', a pause, '38030001011' Enter, then '05012345000077' at once: the tail closed
    by its Enter ends the cut scan; the next run is a scan of its own, not another tail (it
    was refused as 'a scan cut by a pause')."""
    detector = WedgeDetector()
    last = type_keys(detector, "3569", 10.0, 2)
    assert detector.cut() == "3569"
    last = type_keys(detector, "38030001011", last + 0.4, 2)
    assert detector.tail
    assert detector.cut(closed=True) == "38030001011"
    type_keys(detector, "05012345000077", last + 0.004, 2)
    assert not detector.tail
    assert detector.enter(last + 0.04) is not None  # a burst: a scan of its own
