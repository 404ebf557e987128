"""The line-key gate without a screen: which characters typed on a sale's or a return's lines
are a person's line keys, and which the start of a scan (devices/line_keys.py). Times in
seconds; the gap is the wedge's default 300 ms."""

from __future__ import annotations

import pytest

from serialpos.devices.line_keys import KeyMeaning, LineKeyGate
from serialpos.devices.wedge import DEFAULT_KEY_GAP_MS

SALE_KEYS = "s+=- "
RETURN_KEYS = "d "


def typed(gate: LineKeyGate, text: str, start: float, step: float) -> list[KeyMeaning]:
    """``text`` typed from ``start``, one key every ``step`` seconds (``\\r``: Enter)."""
    said = []
    for index, char in enumerate(text):
        at = start + index * step
        said.append(gate.end(at) if char == "\r" else gate.character(char, at))
    return said


def scanned(said: list[KeyMeaning]) -> str:
    return "".join(meaning.scan for meaning in said)


@pytest.mark.parametrize("step", [0.002, 0.02, 0.06])  # a burst, and a link's jitter
def test_a_scan_that_begins_with_a_line_key_is_all_scan(step: float) -> None:
    gate = LineKeyGate(SALE_KEYS)
    said = typed(gate, "s901\r", 10.0, step)
    assert said[0] == KeyMeaning(wait=True)  # held: nothing known yet
    assert scanned(said) == "s901"
    assert said[-1].ends and not any(meaning.act for meaning in said)
    assert not gate.holding and not gate.scanning


def test_once_a_scan_has_begun_its_line_keys_are_characters_whatever_the_gaps() -> None:
    gate = LineKeyGate(RETURN_KEYS)
    said = typed(gate, "d4", 10.0, 0.01) + typed(gate, "d -", 12.0, 1.0) + [gate.end(20.0)]
    assert scanned(said) == "d4d -"
    assert said[-1].ends and not any(meaning.act for meaning in said)


def test_a_line_key_alone_acts_once_the_gap_has_passed() -> None:
    gate = LineKeyGate(RETURN_KEYS)
    assert gate.character("d", 10.0) == KeyMeaning(wait=True)
    assert gate.holding
    assert gate.expire() == KeyMeaning(act="d")
    assert not gate.holding and not gate.scanning
    assert gate.expire() == KeyMeaning()  # nothing held: nothing to do


def test_line_keys_pressed_quickly_act_together() -> None:
    gate = LineKeyGate(SALE_KEYS)
    said = typed(gate, "++", 10.0, 0.1)
    assert said == [KeyMeaning(wait=True), KeyMeaning(wait=True)]
    assert gate.expire() == KeyMeaning(act="++")


def test_a_key_after_the_gap_lets_the_held_key_act_first() -> None:
    gate = LineKeyGate(SALE_KEYS)
    gate.character("s", 10.0)
    late = 10.0 + DEFAULT_KEY_GAP_MS / 1000 + 0.05
    assert gate.character("-", late) == KeyMeaning(act="s", wait=True)
    assert gate.character("7", late + 5) == KeyMeaning(act="-", scan="7")
    assert gate.scanning


def test_an_enter_right_after_a_held_key_closes_a_scan_but_not_after_the_gap() -> None:
    gate = LineKeyGate(SALE_KEYS)
    gate.character("-", 10.0)
    assert gate.end(10.01) == KeyMeaning(scan="-", ends=True)
    gate.character("-", 20.0)
    assert gate.end(21.0) == KeyMeaning(act="-", passes=True)
    assert gate.end(30.0) == KeyMeaning(passes=True)  # an Enter of its own goes its way


def test_a_key_that_types_nothing_is_a_persons_and_ends_a_scan() -> None:
    gate = LineKeyGate(SALE_KEYS)
    gate.character(" ", 10.0)
    assert gate.other() == KeyMeaning(act=" ", passes=True)  # Space, then an arrow
    typed(gate, "AB", 11.0, 0.002)
    assert gate.scanning
    assert gate.other() == KeyMeaning(passes=True)
    assert not gate.scanning
    assert gate.character("s", 12.0) == KeyMeaning(wait=True)  # a line key again


def test_a_character_that_is_no_line_key_begins_a_scan_at_once() -> None:
    gate = LineKeyGate(RETURN_KEYS)
    assert gate.character("s", 10.0) == KeyMeaning(scan="s")  # not a return's key
    assert gate.scanning


def test_the_gap_is_the_terminals_and_reset_forgets_everything() -> None:
    gate = LineKeyGate(SALE_KEYS, key_gap_ms=50)
    assert gate.window == pytest.approx(0.05)
    gate.character("s", 10.0)
    assert gate.character("9", 10.08) == KeyMeaning(act="s", scan="9")  # 80 ms: too late
    gate.reset()
    assert not gate.scanning and not gate.holding
    gate.configure(300)
    gate.character("s", 20.0)
    assert gate.character("9", 20.08) == KeyMeaning(scan="s9")
