"""A list's line keys (``s`` serial, ``+``/``-`` quantity, Space, ``d`` damaged) against a
keyboard wedge's scans: which typed characters a person meant as keys, and which are a scan.

On a sale's or a return's lines a letter is both a key and the possible first character of a
scan: ``s901`` opened the serial dialog of the line under the cursor and sent ``901`` on as a
scan (another unit sold), ``d4471`` marked the phone damaged instead of choosing the bike. A
scanner's first character arrives alone, and over ``ssh -t`` the next one can come 20-60 ms
later, so nothing is known when it arrives. The gate therefore **holds** a line key for the
wedge's key gap (:data:`~serialpos.devices.wedge.DEFAULT_KEY_GAP_MS`, the same
:meth:`~serialpos.devices.wedge.WedgeDetector.continues` test the console uses to say a
burst goes on):

- another character within the gap that is no line key, or an Enter (a Tab: a scanner's
  suffix) within it, makes the held keys the start of a scan: all of it goes to the scan
  field, and every character after it until Enter (the scan's own ``-`` or ``s``);
- the gap passing with no key (the screen's timer calls :meth:`LineKeyGate.expire`), a key
  that comes later, or a key that types nothing (an arrow, Escape, F9): the held keys were a
  person's, and each acts in the order pressed. Line keys pressed quickly (``++``) are held
  together and act together.

A character that is no line key begins a scan (or typed text for the field) at once, as
before. This module is only that decision, fed characters with their times: no Textual, no
clock of its own, so every case is a unit test (tests/devices/test_line_keys.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from serialpos.devices.wedge import DEFAULT_KEY_GAP_MS, MAX_BURST_LENGTH, WedgeDetector


@dataclass(frozen=True)
class KeyMeaning:
    """What the keys decided so far mean, in order: first ``act`` (line keys a person
    pressed, each to act), then ``scan`` (characters for the scan field), then ``ends`` (the
    scan's Enter: the field takes its entry). ``wait``: keys are held, the screen waits one
    key gap and then calls :meth:`LineKeyGate.expire`. ``passes``: the key is not the gate's
    and goes on its normal way, after ``act``."""

    act: str = ""
    scan: str = ""
    ends: bool = False
    wait: bool = False
    passes: bool = False


class LineKeyGate:
    """Tells a list's line keys from the first characters of a scan; see the module."""

    def __init__(self, line_keys: str, key_gap_ms: int = DEFAULT_KEY_GAP_MS) -> None:
        self.line_keys = line_keys
        self._timing = WedgeDetector(key_gap_ms, min_length=1)
        self._held = ""
        self.scanning = False  # a scan (or typed text) has begun: every character is its own

    @property
    def window(self) -> float:
        """How long (seconds) a held line key waits for the next character."""
        return self._timing.max_interval

    @property
    def holding(self) -> bool:
        return bool(self._held)

    def configure(self, key_gap_ms: int) -> None:
        """The terminal's own key gap (its ``[scanner]`` settings)."""
        self._timing = WedgeDetector(key_gap_ms, min_length=1)

    def character(self, char: str, at: float) -> KeyMeaning:
        """A character typed at ``at`` (seconds, any steady clock)."""
        if self.scanning:
            return KeyMeaning(scan=char)
        if self._held and not self._timing.continues(at):
            acted = self._release()  # a later key: the held ones were a person's
            after = self.character(char, at)  # then this key, decided afresh
            return KeyMeaning(acted, after.scan, wait=after.wait)
        self._timing.character(char, at)
        if char in self.line_keys and len(self._held) < MAX_BURST_LENGTH:
            self._held += char  # a key, or a scan's first character: the next key will say
            return KeyMeaning(wait=True)
        text, self._held = self._held + char, ""
        self.scanning = True
        return KeyMeaning(scan=text)

    def end(self, at: float) -> KeyMeaning:
        """Enter, a line feed, or a scanner's Tab suffix at ``at``."""
        if self.scanning:
            self.scanning = False
            self._timing.interrupt()
            return KeyMeaning(ends=True)
        if self._held and self._timing.continues(at):
            text, self._held = self._held, ""
            self._timing.interrupt()
            return KeyMeaning(scan=text, ends=True)  # a scan of line keys only
        return KeyMeaning(act=self._release(), passes=True)

    def other(self) -> KeyMeaning:
        """A key that types nothing (an arrow, Escape, Delete, a function key): a person's."""
        self.scanning = False
        return KeyMeaning(act=self._release(), passes=True)

    def expire(self) -> KeyMeaning:
        """The key gap has passed with no key after the held ones: they were a person's."""
        return KeyMeaning(act=self._release())

    def reset(self) -> None:
        """Forget held keys and any scan begun (the list lost or regained the focus)."""
        self._held = ""
        self.scanning = False
        self._timing.interrupt()

    def _release(self) -> str:
        held, self._held = self._held, ""
        self._timing.interrupt()
        return held
