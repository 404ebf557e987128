"""A small menu dialog: a title and options, each with its letter; Enter or the letter picks,
Escape cancels."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from serialpos.tui.widgets.key_footer import KeyFooter, KeyHints


class ChoiceDialog(ModalScreen[str | None]):
    """Returns the chosen option's id, or None when cancelled. Subclasses bind their letters to
    ``choose('<id>')`` and Escape to ``cancel``."""

    KEY_HINTS: ClassVar[KeyHints] = (("Enter", "Choose"),)

    def __init__(self, title: Text, options: list[tuple[str, Text]], list_id: str) -> None:
        super().__init__()
        self.title_text = title
        self.choices = options
        self.list_id = list_id

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield OptionList(
                *(Option(label, id=key) for key, label in self.choices), id=self.list_id
            )
            yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)

    def action_cancel(self) -> None:
        self.dismiss(None)
