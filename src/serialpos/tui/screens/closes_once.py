"""A dialog that closes once, however many Enters reach it.

Two Enters in one read of the terminal (a bouncing key, a scanner's CR LF, a paste) are both
queued to a dialog before it is gone. Textual's ``dismiss`` runs the caller's callback and pops
whatever screen is on top: a second dismiss ran the callback again and popped the screen under
the dialog (the sale after its payment, Receiving after a blind receipt's start), so the console
fell back to Home with the answer never shown.
"""

from __future__ import annotations

from typing import TypeVar

from textual.await_complete import AwaitComplete
from textual.screen import ModalScreen

ResultT = TypeVar("ResultT")


class ClosesOnce(ModalScreen[ResultT]):
    """A modal dialog whose second ``dismiss`` does nothing."""

    closed = False

    def dismiss(self, result: ResultT | None = None) -> AwaitComplete:
        if self.closed:
            return AwaitComplete()  # nothing to wait for: it is already closing
        self.closed = True
        return super().dismiss(result)
