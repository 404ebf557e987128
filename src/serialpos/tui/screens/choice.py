"""A small menu dialog: a title and options, each with its letter; Enter or the letter picks,
Escape cancels. A scan made while it is up picks nothing (the leave-a-sale menu's ``v`` voided
the sale when a serial beginning with ``v`` was scanned, and a scan's Enter picked the
highlighted choice): its keys go through the same gate as a yes/no question's
(:mod:`~serialpos.tui.screens.answer_dialog`), its letters held one key gap."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from serialpos.tui.screens.answer_dialog import GatedDialog
from serialpos.tui.widgets.key_footer import KeyFooter, KeyHints

if TYPE_CHECKING:
    from serialpos.devices.answer_gate import Verdict


class ChoiceDialog(GatedDialog[str | None]):
    """Returns the chosen option's id, or None when cancelled. Subclasses bind their letters to
    ``choose('<id>')`` and Escape to ``cancel``."""

    KEY_HINTS: ClassVar[KeyHints] = (("Enter", "Choose"),)
    AGAIN = "Press the letter (or Enter) again to choose, Esc to cancel"

    def __init__(self, title: Text, options: list[tuple[str, Text]], list_id: str) -> None:
        self.letter_actions = bound_letters(type(self).BINDINGS)
        super().__init__(self._answered, letters="".join(self.letter_actions))
        self.title_text = title
        self.choices = options
        self.list_id = list_id

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog choice"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield OptionList(
                *(Option(label, id=key) for key, label in self.choices), id=self.list_id
            )
            yield self.refusal_line()
            yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def _answered(self, verdict: Verdict) -> None:
        """A person's lone letter runs its binding; a person's Enter picks the highlighted
        option (the gate took the key, so the list never saw it)."""
        if verdict.letter:
            self.call_later(self.run_action, self.letter_actions[verdict.letter])
            return
        options = self.query_one(OptionList)
        if options.highlighted is not None:
            self.action_choose(str(options.get_option_at_index(options.highlighted).id))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)

    def action_cancel(self) -> None:
        self.dismiss(None)


def bound_letters(bindings: object) -> dict[str, str]:
    """Each single-letter (or digit) key a dialog binds, with its action: the keys its gate
    holds one key gap before they act."""
    found: dict[str, str] = {}
    for binding in bindings if isinstance(bindings, list) else []:
        if not isinstance(binding, Binding):
            continue
        for key in binding.key.split(","):
            key = key.strip()
            if len(key) == 1 and key.isalnum():
                found[key] = binding.action
    return found
