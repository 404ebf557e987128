"""A yes/no dialog's keys against a keyboard wedge's scans: which Enter (or ``y``/``n``) is a
person's answer, and which is the end of a scan that arrived while the dialog was open.

A dialog that records something (void a sale, refund, complete an ASN, ship a transfer) takes
Enter for Yes. A scanner's burst is characters and an Enter, so a unit scanned while the
dialog was up answered Yes: its characters were dropped (no binding), its Enter voided the
sale, and the scan was lost without a word. The rule here, fed keys with their times (no
Textual, no clock of its own: tests/devices/test_answer_gate.py):

- **A run** is printable characters, each within the wedge's key gap
  (:data:`~serialpos.devices.wedge.DEFAULT_KEY_GAP_MS`) of the one before. ``y`` or ``n``
  alone is a person's answer once the gap passes with no key after it (a scan may begin with
  either letter, so the letter is held for one gap, as a list's line keys are), or when an
  Enter follows it.
- **Any other run is a scan, never an answer**, however it ends: closed by an Enter (or a
  scanner's Tab suffix), by the gap passing (a scan cut by a pause), or by another key. It is
  refused: the dialog names it, rings the bell and stays open; nothing is recorded.
- **Enter is Yes** only when no run is pending and no scan was refused in the last
  :data:`~serialpos.devices.wedge.TAIL_WINDOW_S` (a scan's Enter delayed past the gap by the
  link is its tail, not a person's key; a person reads the refusal first, which takes longer).
  Characters in that window are the scan's tail too: refused with it, even a lone ``y``, and
  named joined to the piece cut before them (the whole scan as read, to scan again).
- A key that types nothing (Escape, an arrow) first settles a pending run as above, then goes
  its way (Escape says No, which records nothing).

A menu of lettered choices (leave a sale: ``p`` park, ``v`` void) is the same question with
other letters: the gate is made with them (``letters``), a lone one answers with
:attr:`Verdict.letter`, and Enter (``answer`` True) picks the highlighted choice. A list to
pick from with no letters (products found, open orders) is made with none: only a person's
Enter picks. A lone letter closed at once by an Enter says so (:attr:`Verdict.entered`), for
a dialog whose letters choose without closing it (the sale type: ``3`` then Enter). A scan
beginning with ``v`` voided the sale before (session seventeen).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final

from serialpos.devices.wedge import DEFAULT_KEY_GAP_MS, MAX_BURST_LENGTH, TAIL_WINDOW_S

#: The letters that answer: ``y`` yes, ``n`` no.
YES: Final = "y"
NO: Final = "n"


@dataclass(frozen=True)
class Verdict:
    """What the keys decided so far mean. ``refused``: characters taken as a scan (the dialog
    says so and stays open). ``answer``: True (yes) or False (no), the dialog closes.
    ``wait``: keys are held; call :meth:`AnswerGate.expire` after :attr:`AnswerGate.window`.
    ``passes``: the key is not the gate's and goes its normal way (after ``refused``)."""

    answer: bool | None = None
    refused: str = ""
    wait: bool = False
    passes: bool = False
    #: The lone letter typed as the answer (``y``, ``n``, or a menu's letter); "" for Enter.
    letter: str = ""
    #: An Enter came after the lone letter (``3`` then Enter, before the letter's gap had
    #: been seen to pass): a dialog whose letters only choose (the sale type) takes it too.
    entered: bool = False

    @property
    def answered(self) -> bool:
        """The keys answered the question (by Enter or a lone letter)."""
        return self.answer is not None or bool(self.letter)


class AnswerGate:
    """Tells a person's yes/no keys from a scan's characters and Enter; see the module."""

    def __init__(self, key_gap_ms: int = DEFAULT_KEY_GAP_MS, letters: str = YES + NO) -> None:
        if key_gap_ms < 1:
            raise ValueError("the key gap must be positive")
        self.letters = letters
        self.window = key_gap_ms / 1000
        self._run = ""
        self._last = 0.0
        self._tail = False  # the run began within the tail window of a refused scan
        self._refused_at: float | None = None
        self._cut = ""  # the latest scan refused without its Enter: its tail joins it

    @property
    def holding(self) -> bool:
        """Characters are held, waiting to see whether they are an answer or a scan."""
        return bool(self._run)

    def configure(self, key_gap_ms: int) -> None:
        """The terminal's own key gap (its ``[scanner]`` settings), between runs only."""
        if not self._run and key_gap_ms >= 1:
            self.window = key_gap_ms / 1000

    def character(self, char: str, at: float) -> Verdict:
        """A printable character typed at ``at`` (seconds, any steady clock)."""
        if self._run and self._continues(at):
            if len(self._run) < MAX_BURST_LENGTH:
                self._run += char
            self._last = at
            return Verdict(wait=True)
        settled = self._settle() if self._run else Verdict()
        if settled.answered:
            return settled  # the held letter was an answer; the dialog closes
        self._run, self._last = char, at
        self._tail = self._in_tail(at)
        return Verdict(refused=settled.refused, wait=True)

    def end(self, at: float) -> Verdict:
        """Enter (or a line feed) at ``at``."""
        if self._run:
            if self._continues(at):
                lone = self._lone_letter()
                if lone is not None:
                    self._forget()
                    return _answer(lone, entered=True)
                return self._refuse(at, closed=True)
            settled = self._settle()
            if settled.answered:  # the letter, its timer not run yet; then this Enter
                return replace(settled, entered=True)
            self._cut = ""  # this Enter is the cut scan's own: it is over
            return Verdict(refused=settled.refused)
        if self._in_tail(at):
            self._refused_at = at  # a scan's Enter come late: still not an answer
            self._cut = ""
            return Verdict()
        return Verdict(answer=True)

    def suffix(self, at: float) -> Verdict:
        """A Tab: a scanner's suffix when it closes a run (the scan is refused); else not
        the gate's key."""
        if self._run and self._continues(at) and self._lone_letter() is None:
            return self._refuse(at, closed=True)
        return self.other()

    def other(self) -> Verdict:
        """A key that types nothing (Escape, an arrow, a function key): a pending run is
        settled first, then the key goes its way unless the run was an answer."""
        settled = self._settle() if self._run else Verdict()
        if settled.answered:
            return settled
        return Verdict(refused=settled.refused, passes=True)

    def expire(self) -> Verdict:
        """The key gap passed with no key after the held ones."""
        return self._settle() if self._run else Verdict()

    # -- inside -------------------------------------------------------------------------------
    def _continues(self, at: float) -> bool:
        # The epsilon keeps a gap of exactly the threshold fast despite float rounding.
        return 0 <= at - self._last <= self.window + 1e-9

    def _in_tail(self, at: float) -> bool:
        return self._refused_at is not None and 0 <= at - self._refused_at <= TAIL_WINDOW_S

    def _lone_letter(self) -> str | None:
        """The run when it is one of the gate's letters typed alone (not a scan's tail)."""
        if self._tail or len(self._run) != 1 or self._run not in self.letters:
            return None
        return self._run

    def _settle(self) -> Verdict:
        """The run is over without an Enter: a lone letter answers; anything else was a
        scan (or its tail), refused."""
        lone = self._lone_letter()
        if lone is not None:
            self._forget()
            return _answer(lone)
        return self._refuse(self._last)

    def _refuse(self, at: float, closed: bool = False) -> Verdict:
        """The run refused as a scan; a tail is named joined to the piece cut before it (the
        scan as read). ``closed``: its Enter (or Tab) ended it, and keys after it are a new
        scan, never its tail's continuation."""
        text = self._cut + self._run if self._tail else self._run
        self._cut = "" if closed else text
        self._forget()
        self._refused_at = at
        return Verdict(refused=text)

    def _forget(self) -> None:
        self._run = ""
        self._tail = False


def _answer(letter: str, entered: bool = False) -> Verdict:
    """A lone letter's answer: ``y`` yes, ``n`` no, a menu's letter by itself."""
    yes_no = {YES: True, NO: False}
    return Verdict(answer=yes_no.get(letter), letter=letter, entered=entered)
