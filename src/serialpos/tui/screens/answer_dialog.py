"""A yes/no dialog that a scan cannot answer.

The dialogs that record something (void, refund, complete a receipt, ship, post) take Enter or
``y`` for Yes. The keyboard wedge is off on a dialog, so a scan made while one was open reached
it as plain keys: its characters had no binding and were dropped, its Enter said Yes. Here every
key from the terminal is first shown to :class:`~serialpos.devices.answer_gate.AnswerGate`
(the rule, tested without a screen): a person's Enter, ``y`` or ``n`` answers; a scan is
refused, named in the dialog and on the screen behind it (kept with its scans' refusals where
it keeps them, F7), with the bell, and the dialog stays open; nothing is recorded. A scan from a
serial or evdev scanner is refused the same way (:meth:`AnswerDialog.scan_not_used`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from rich.text import Text
from textual.widgets import Static

from serialpos.tui.screens.closes_once import ClosesOnce

if TYPE_CHECKING:
    from textual import events
    from textual.await_complete import AwaitComplete

    from serialpos.devices.answer_gate import AnswerGate, Verdict

#: Keys that end a scan (Enter, a line feed).
ENTER_KEYS = frozenset({"enter", "ctrl+j"})


#: What a gated dialog returns when it is dismissed.
ResultT = TypeVar("ResultT")

#: How a person answers a yes/no question again after a scan was refused.
YES_NO_AGAIN = "Press y/Enter again for Yes, n/Esc for No"


def not_an_answer(text: str, again: str = YES_NO_AGAIN) -> str:
    """The refusal of a scan made while a dialog asked a question: the scan as read."""
    from serialpos.domain.text import clip

    return f"scan '{clip(text, 32)}' is not an answer: nothing was done with it. {again}"


class GatedDialog(ClosesOnce[ResultT]):
    """A question answered by a person's keys, never by a scan (the module): every key goes
    to the gate first; a person's Enter or lone letter is handed to ``on_answer``, the
    subclass's own way of answering. Subclasses compose :meth:`refusal_line` inside their
    box."""

    #: The letters that answer alone (held one key gap: a scan may begin with one).
    ANSWER_LETTERS = "yn"
    #: Said after a refused scan: how to answer.
    AGAIN = YES_NO_AGAIN

    def __init__(self, on_answer: Callable[[Verdict], None], letters: str | None = None) -> None:
        super().__init__()
        self.on_answer = on_answer
        # Imported here: the login screen draws before the scanners' modules load
        # (tests/tui/test_login_styles.py), and the app's scanner code names this class.
        from serialpos.devices.answer_gate import AnswerGate
        from serialpos.tui.held_keys import HeldKeyWait

        self.gate = AnswerGate(letters=self.ANSWER_LETTERS if letters is None else letters)
        self._wait = HeldKeyWait(self, self._gap_passed)
        #: The scans refused while the dialog was open, in order (tests read them).
        self.refused: list[str] = []

    def refusal_line(self) -> Static:
        """Where a refused scan is said, inside the dialog (hidden until then)."""
        line = Static("", id="answer-refused", classes="error", markup=False)
        line.display = False
        return line

    # -- keys (the app shows every key from the terminal here first) -------------------------
    def gate_key(self, event: events.Key) -> bool:
        """One key from the terminal; True when the gate took it (it goes no further)."""
        from serialpos.tui.held_keys import key_time
        from serialpos.tui.scanners import typed_character

        at = key_time(self.app, event)
        gate = self._configured()
        char = typed_character(event)
        if event.key in ENTER_KEYS:
            verdict = gate.end(at)
        elif event.key == "tab":
            verdict = gate.suffix(at)
        elif char is not None:
            verdict = gate.character(char, at)
        else:
            verdict = gate.other()
        self._carry_out(verdict, at)
        return not verdict.passes

    def _carry_out(self, verdict: Verdict, at: float = 0.0) -> None:
        """Do what the gate said of the key typed at ``at``: refuse, answer, or wait."""
        self._wait.stop()
        if verdict.refused:
            self.scan_not_used(verdict.refused)
        if verdict.answered:
            self.on_answer(verdict)
        elif verdict.wait:
            self._wait.start(self.gate.window, at)

    @property
    def holding(self) -> bool:
        """Keys are held, waiting one key gap to see whether a scan follows."""
        return self.gate.holding

    def _gap_passed(self) -> None:
        self._carry_out(self.gate.expire())

    def scan_not_used(self, raw: str) -> None:
        """A scan while the question is open: refused and named, here and behind; the bell."""
        from serialpos.tui.screens.base import ConsoleScreen
        from serialpos.tui.screens.kept_refusals import KeepsRefusals

        said = self.refusal_words(raw)
        self.refused.append(raw)
        self.say_refused(said)
        stack = self.app.screen_stack
        behind = stack[-2] if len(stack) > 1 and stack[-1] is self else None
        if isinstance(behind, KeepsRefusals):
            behind.scan_refused(said)  # kept for F7, with the bell
            return
        if isinstance(behind, ConsoleScreen):
            behind.message_line.error(said)
        self.app.bell()

    def refusal_words(self, raw: str) -> str:
        """What the refusal of the scan ``raw`` says (a question's own words by default)."""
        return not_an_answer(raw, self.AGAIN)

    def say_refused(self, said: str) -> None:
        """Name the refused scan inside the dialog (its :meth:`refusal_line`)."""
        for line in self.query("#answer-refused").results(Static):
            line.update(Text("✗ " + said))
            line.display = True

    def stop_waiting(self) -> None:
        """Forget the held letter's timer (the dialog is answered another way)."""
        self._wait.stop()

    def dismiss(self, result: ResultT | None = None) -> AwaitComplete:
        """Close with ``result``, the held letter's timer forgotten first: however the dialog
        is answered, a letter it held back never acts after it closed."""
        self.stop_waiting()
        return super().dismiss(result)

    def _configured(self) -> AnswerGate:
        """The gate, with the terminal's key gap once the scanners' settings are read."""
        from serialpos.tui.widgets.scan_input import key_gap

        self.gate.configure(round(key_gap(self.app) * 1000))
        return self.gate


class AnswerDialog(GatedDialog[bool]):
    """A question answered Yes (y/Enter) or No (n/Esc), never by a scan. Subclasses keep their
    Yes/No bindings for the footer."""

    def __init__(self) -> None:
        super().__init__(self._answered)

    def _answered(self, verdict: Verdict) -> None:
        self.action_answer(bool(verdict.answer))

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
