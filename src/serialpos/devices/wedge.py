"""Keyboard-wedge timing on screens without a text field: which held keys are one scan.

In a text field there is no timing at all: Enter ends an entry, whatever the gaps between its
keys (:mod:`serialpos.tui.widgets.scan_input`). Timing is only needed where a screen takes
scans but has no field in focus (the home menu, a table whose letter keys act): there a
printable key may be a menu key or the first character of a scan, so the console holds it.
A **scan** is then a run of at least ``min_length`` characters, each within ``key_gap_ms``
(default 300 ms, far above the network jitter of an SSH session) of the one before, closed by
an Enter that also comes within ``key_gap_ms``. Anything else (a short run, no Enter within
the gap, a run broken by an arrow key) is a person typing, and the held keys do what keys do.

This module is only that decision, fed ``(character, timestamp)`` pairs: no Textual, no clock
of its own, so every case is a unit test. The console's key observer (``serialpos.tui``)
feeds it and decides what to do with the keys it holds.

GS (ASCII 29, GS1's FNC1) counts as a character of the burst, and so does the configured GS
substitute (such as ``~``): it is printable, and the decoder turns it back into GS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from serialpos.devices.settings import WedgeSettings

#: A run longer than this is a key held down or a runaway, never a barcode (the decoder's cap).
MAX_BURST_LENGTH: Final = 4096
#: Seconds after a scan cut by a pause in which characters are still that scan's tail, never
#: menu keys: a link's stall or a scanner's jitter is well under it, and a person who means a
#: menu key after a scan has looked at the screen first, which takes longer.
TAIL_WINDOW_S: Final = 1.0
#: The settings' default gap (devices/settings.py, which is not imported here at run time: it
#: loads the config module); a test checks the two agree.
DEFAULT_KEY_GAP_MS: Final = 300


@dataclass(frozen=True)
class Burst:
    """One scan typed by a wedge scanner: its text and when its first and last keys came."""

    text: str
    started: float
    ended: float

    @property
    def duration_ms(self) -> float:
        return (self.ended - self.started) * 1000


class WedgeDetector:
    """Decides, key by key, whether the characters typed since the last pause are a scan.

    Timestamps are seconds from any monotonic clock (Textual's ``Key.time``). Call
    :meth:`character` for each character typed, :meth:`enter` for Enter and :meth:`interrupt`
    for any other key. The detector keeps only the current run.
    """

    def __init__(
        self,
        key_gap_ms: int = DEFAULT_KEY_GAP_MS,
        min_length: int = 4,
        max_length: int = MAX_BURST_LENGTH,
    ) -> None:
        if key_gap_ms < 1 or min_length < 1 or max_length < min_length:
            raise ValueError("wedge thresholds must be positive and max_length >= min_length")
        self.max_interval = key_gap_ms / 1000
        self.min_length = min_length
        self.max_length = max_length
        self._run: list[str] = []
        self._started = 0.0
        self._last: float | None = None
        self._cut_at: float | None = None  # when the latest scan cut by a pause ended
        self.tail = False  # the current run follows a cut scan closely: it is its tail

    @classmethod
    def from_settings(cls, settings: WedgeSettings) -> WedgeDetector:
        return cls(settings.key_gap_ms, settings.min_length)

    @property
    def run(self) -> str:
        """The characters of the current run (a burst in progress, or the latest typing)."""
        return "".join(self._run)

    @property
    def last_key_at(self) -> float | None:
        """When the latest character of the run came; None when there is no run."""
        return self._last

    def continues(self, at: float) -> bool:
        """Would a key at ``at`` continue the current run (come fast enough after its last key)?"""
        # The epsilon keeps a gap of exactly the threshold fast despite float rounding.
        return self._last is not None and 0 <= at - self._last <= self.max_interval + 1e-9

    def character(self, char: str, at: float) -> bool:
        """Take one typed character. True when it starts a new run: the previous run, if there
        was one, is over and was a person typing."""
        fresh = not self.continues(at)
        if fresh:
            self._run = []
            self._started = at
            cut = self._cut_at
            self.tail = cut is not None and 0 <= at - cut <= TAIL_WINDOW_S
        self._run.append(char)
        self._last = at
        return fresh

    def enter(self, at: float) -> Burst | None:
        """Enter pressed at ``at``: the scan when it closes a burst, else None (it is typing).
        Either way the run is over."""
        burst: Burst | None = None
        if self.continues(at) and self.min_length <= len(self._run) <= self.max_length:
            burst = Burst(self.run, self._started, at)
        self.interrupt()
        return burst

    def scan_like(self) -> bool:
        """Whether the current run, over without an Enter, was a scan cut by a pause rather
        than a person's keys: as long as a scan (``min_length`` characters at burst pace), or
        the tail of a scan cut just before. Its keys must not act: on the home menu its
        digits opened a flow and the rest of the scan was searched there."""
        return bool(self._run) and (self.tail or len(self._run) >= self.min_length)

    def cut(self, closed: bool = False) -> str:
        """End the current run as a cut scan (see :meth:`scan_like`); its text. ``closed``:
        the run was a cut scan's tail ended by its Enter: that scan is over, and keys after
        it are a new run, never its tail (a whole scan right after it was named as the cut
        one's tail and refused as a scan cut by a pause)."""
        text = self.run
        self._cut_at = None if closed else self._last
        self.interrupt()
        return text

    def interrupt(self) -> None:
        """Any other key (Tab, an arrow, Backspace, a Ctrl key): the run is typing, and over."""
        self._run = []
        self._last = None
        self.tail = False
