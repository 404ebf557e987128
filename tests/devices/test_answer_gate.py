"""A yes/no dialog's keys: Enter alone is a person's Yes; a scan (a run of characters, with or
without its Enter, however late the Enter comes) is refused, never an answer."""

from __future__ import annotations

import pytest

from serialpos.devices.answer_gate import AnswerGate, Verdict
from serialpos.devices.wedge import TAIL_WINDOW_S

GAP = 0.3  # the default key gap, seconds


def burst(gate: AnswerGate, text: str, at: float, step: float = 0.002) -> list[Verdict]:
    """The characters of ``text`` at scanner pace from ``at``."""
    return [gate.character(char, at + i * step) for i, char in enumerate(text)]


def test_enter_alone_is_yes() -> None:
    assert AnswerGate().end(5.0) == Verdict(answer=True)


def test_a_scan_and_its_enter_is_refused_not_yes() -> None:
    gate = AnswerGate()
    said = burst(gate, "356938030000021", 10.0)
    assert all(v == Verdict(wait=True) for v in said)  # held, nothing answered
    assert gate.end(10.03) == Verdict(refused="356938030000021")


def test_one_digit_then_enter_within_the_gap_is_refused() -> None:
    gate = AnswerGate()
    gate.character("7", 1.0)
    assert gate.end(1.2) == Verdict(refused="7")


def test_a_scan_holding_y_or_n_answers_nothing() -> None:
    for text in ("y123", "SN-1", "ny", "n4471y"):
        gate = AnswerGate()
        burst(gate, text, 1.0)
        assert gate.end(1.05) == Verdict(refused=text), text


def test_y_and_n_alone_answer_after_the_gap() -> None:
    gate = AnswerGate()
    assert gate.character("y", 1.0) == Verdict(wait=True)
    assert gate.expire() == Verdict(answer=True, letter="y")
    gate = AnswerGate()
    gate.character("n", 1.0)
    assert gate.expire() == Verdict(answer=False, letter="n")


def test_y_then_enter_quickly_is_yes() -> None:
    gate = AnswerGate()
    gate.character("y", 1.0)
    assert gate.end(1.1) == Verdict(answer=True, letter="y", entered=True)


def test_a_scan_cut_by_a_pause_is_refused_and_its_late_enter_is_not_yes() -> None:
    gate = AnswerGate()
    burst(gate, "ZB24000104", 2.0)
    assert gate.expire() == Verdict(refused="ZB24000104")
    # Its Enter, delayed by the link past the gap but within the tail window: not an answer.
    assert gate.end(2.02 + GAP + 0.2) == Verdict()
    # A person's Enter after reading the refusal answers.
    assert gate.end(2.02 + GAP + 0.2 + TAIL_WINDOW_S + 0.1) == Verdict(answer=True)


def test_the_tail_of_a_cut_scan_is_refused_even_a_lone_y() -> None:
    gate = AnswerGate()
    burst(gate, "35693803", 1.0)
    assert gate.expire().refused == "35693803"
    gate.character("y", 1.5)
    assert gate.end(1.55) == Verdict(refused="35693803y")  # named whole, as read
    burst(gate, "35693803", 1.6)  # a scan after the tail's Enter is a scan of its own
    assert gate.end(1.62) == Verdict(refused="35693803")


def test_a_late_enter_without_the_timer_is_the_scan_s_own() -> None:
    """The gap passed but the timer has not fired yet: the Enter settles the run as a cut
    scan and is its own, not a Yes."""
    gate = AnswerGate()
    burst(gate, "356938030000120", 1.0)
    assert gate.end(1.0 + GAP + 0.5) == Verdict(refused="356938030000120")
    assert gate.end(1.0 + GAP + 0.6) == Verdict()  # still within the tail window


def test_two_scans_in_one_burst_are_refused_each() -> None:
    gate = AnswerGate()
    burst(gate, "356938030000013", 1.0)
    assert gate.end(1.03).refused == "356938030000013"
    burst(gate, "356938030000021", 1.04)
    assert gate.end(1.08).refused == "356938030000021"
    assert gate.end(1.1) == Verdict()  # nor is a stray Enter right after


def test_a_scanner_tab_suffix_ends_the_scan() -> None:
    gate = AnswerGate()
    burst(gate, "12345670", 1.0)
    assert gate.suffix(1.02) == Verdict(refused="12345670")
    assert gate.suffix(5.0) == Verdict(passes=True)  # a person's Tab


def test_escape_settles_a_pending_scan_then_goes_its_way() -> None:
    gate = AnswerGate()
    burst(gate, "4471", 1.0)
    assert gate.other() == Verdict(refused="4471", passes=True)
    assert AnswerGate().other() == Verdict(passes=True)


def test_a_new_run_after_a_pause_settles_the_old_one() -> None:
    gate = AnswerGate()
    gate.character("x", 1.0)
    assert gate.character("z", 2.0) == Verdict(refused="x", wait=True)


def test_key_gap_must_be_positive() -> None:
    with pytest.raises(ValueError):
        AnswerGate(0)


def test_a_menu_s_letters_answer_alone_and_a_scan_beginning_with_one_is_refused() -> None:
    """A lettered menu (leave a sale: p park, v void): a person's lone letter answers with
    it; a scan beginning with ``v`` is refused whole, with its Enter; Enter alone is Enter."""
    gate = AnswerGate(letters="pv")
    assert gate.character("v", 1.0) == Verdict(wait=True)
    assert gate.expire() == Verdict(letter="v")
    gate = AnswerGate(letters="pv")
    verdicts = burst(gate, "v5530", 1.0)
    assert all(v == Verdict(wait=True) for v in verdicts)
    assert gate.end(1.02) == Verdict(refused="v5530")
    assert gate.end(1.02 + TAIL_WINDOW_S + 0.1) == Verdict(answer=True)
    gate = AnswerGate(letters="pv")
    gate.character("y", 1.0)  # not one of the menu's letters: a scan's piece
    assert gate.expire() == Verdict(refused="y")


def test_a_pickers_digit_closed_by_enter_says_so_and_a_scan_of_digits_is_refused() -> None:
    """The sale type (1-3 and c/p/d choose, Enter keeps): ``3`` then Enter at once picks
    lay-by and keeps it; a scan of digits (``3123``) is refused whole; a list with no
    letters (products found) takes no character at all, only Enter."""
    gate = AnswerGate(letters="123cpd")
    gate.character("3", 1.0)
    assert gate.end(1.04) == Verdict(letter="3", entered=True)
    gate = AnswerGate(letters="123cpd")
    gate.character("3", 1.0)  # the letter's timer has not run when the Enter is read
    assert gate.end(2.0) == Verdict(letter="3", entered=True)
    gate = AnswerGate(letters="123cpd")
    burst(gate, "3123", 1.0)
    assert gate.end(1.01) == Verdict(refused="3123")
    gate = AnswerGate(letters="")
    gate.character("1", 1.0)
    assert gate.expire() == Verdict(refused="1")
    assert gate.end(1.0 + TAIL_WINDOW_S + 0.1) == Verdict(answer=True)
