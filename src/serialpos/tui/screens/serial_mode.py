"""The two small dialogs of a serial-mode change: pick the mode, then confirm.

Both are keyboard dialogs (a letter or Enter answers, Escape cancels) that show their own keys
inside the box: the screen's footer behind them does not apply while they are open.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Static

from serialpos.tui.screens.answer_dialog import AnswerDialog
from serialpos.tui.screens.choice import ChoiceDialog
from serialpos.tui.widgets.key_footer import KeyFooter

MODES = (("r", "required"), ("o", "optional"), ("d", "disabled"))
MODE_HELP = {
    "required": "every unit needs its serial",
    "optional": "a serial may be recorded",
    "disabled": "no serials, a quantity only",
}


class ChooseSerialMode(ChoiceDialog):
    """Returns the chosen mode, or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(key, f"choose('{mode}')", mode.capitalize()) for key, mode in MODES),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, what: str) -> None:
        super().__init__(
            Text(f"Serial mode for {what}"),
            [(mode, Text(f"{key}  {mode} — {MODE_HELP[mode]}")) for key, mode in MODES],
            "modes",
        )
        self.what = what


class Confirm(AnswerDialog):
    """A yes/no question; Enter or y says yes, n or Escape says no; a scan answers nothing
    (:mod:`~serialpos.tui.screens.answer_dialog`)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.question), id="question", markup=False)
            yield self.refusal_line()
            yield KeyFooter()
