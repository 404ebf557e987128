"""Complete the receipt? The checklist's confirmation, listing the differences that will be
recorded (at most :data:`SHOWN_DISCREPANCIES`, the rest counted); y/Enter or n/Esc."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from serialpos.domain.text import visible
from serialpos.tui.screens.answer_dialog import AnswerDialog
from serialpos.tui.widgets.checklist_head import unit_words
from serialpos.tui.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from serialpos.services.receiving_scans import Preview

#: Listed in the completion dialog at most; the rest are counted.
SHOWN_DISCREPANCIES = 50


class CompleteDialog(AnswerDialog):
    """Complete the receipt? Lists the differences that will be recorded; y/Enter or n/Esc
    (a scan answers nothing: :mod:`~serialpos.tui.screens.answer_dialog`)."""

    DEFAULT_CSS = """
    CompleteDialog #complete-list { height: auto; max-height: 12; }
    CompleteDialog .-short #complete-list { max-height: 8; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Complete"),
        Binding("n,escape", "answer(False)", "Not yet"),
    ]

    def __init__(self, title: str, preview: Preview) -> None:
        super().__init__()
        self.title_text = title
        self.preview = preview

    @property
    def question(self) -> str:
        found = self.preview.discrepancies
        head = f"Complete {self.title_text}: {unit_words(self.preview.units)}"
        if not found:
            return head + "?"
        return (
            f"{head}. These differences will be recorded "
            f"({len(found)} product{'s' if len(found) != 1 else ''}):"
        )

    @property
    def listed(self) -> str:
        found = self.preview.discrepancies
        lines = [d.words for d in found[:SHOWN_DISCREPANCIES]]
        if len(found) > SHOWN_DISCREPANCIES:
            lines.append(f"and {len(found) - SHOWN_DISCREPANCIES} more")
        return "\n".join(visible(line) for line in lines)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.question), classes="dialog-title", markup=False)
            if self.preview.discrepancies:
                with VerticalScroll(id="complete-list"):
                    yield Static(Text(self.listed), id="complete-lines", markup=False)
            yield self.refusal_line()
            yield KeyFooter()
