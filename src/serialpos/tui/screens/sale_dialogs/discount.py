"""The discount dialog (order menu, F6): a percent or an amount off the line under the cursor
or the whole order, or a new unit price for the line, with the reason; past the store's limit
the manager types their name and PIN here too (the PIN is masked)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Static

from serialpos.tui.screens.closes_once import ClosesOnce
from serialpos.tui.widgets.capped_input import CappedInput
from serialpos.tui.widgets.key_footer import KeyFooter, KeyHints
from serialpos.tui.widgets.text_field import TextField


@dataclass(frozen=True)
class DiscountEntry:
    """What was typed: the value (``10%``, ``5.00``, ``=450.00``), reason, manager and PIN."""

    value: str
    reason: str
    manager: str
    pin: str


class DiscountDialog(ClosesOnce[DiscountEntry | None]):
    """Value, reason, manager, PIN; Enter goes to the next field and saves on the last (or on
    the reason when no manager is named)."""

    KEY_HINTS: ClassVar[KeyHints] = (("Enter", "Next/Save"),)
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]
    FIELDS = ("discount-value", "discount-reason", "discount-manager", "discount-pin")

    def __init__(self, title: str, *, price: bool) -> None:
        super().__init__()
        self.title_text = title
        self.price = price

    def compose(self) -> ComposeResult:
        hint = "10% or 5.00 off" + (", =450.00 price" if self.price else "")
        with Vertical(classes="dialog"):
            yield Static(self.title_text, classes="dialog-title", markup=False)
            yield CappedInput(id="discount-value", placeholder=hint, max_length=24)
            yield TextField(id="discount-reason", placeholder="reason", max_length=200)
            yield TextField(
                id="discount-manager",
                placeholder="manager (past the limit)",
                what="manager",
                max_length=32,
            )
            yield TextField(
                id="discount-pin", placeholder="manager PIN", password=True, max_length=32
            )
            yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(f"#{self.FIELDS[0]}", Input).focus()

    def _value(self, field: str) -> str:
        return self.query_one(f"#{field}", Input).value.strip()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        index = self.FIELDS.index(str(event.input.id))
        last = index + 1 == len(self.FIELDS) or (
            event.input.id == "discount-manager" and not self._value("discount-manager")
        )
        if not last:
            self.query_one(f"#{self.FIELDS[index + 1]}", Input).focus()
            return
        self.dismiss(DiscountEntry(*(self._value(f) for f in self.FIELDS)))

    def action_cancel(self) -> None:
        self.dismiss(None)
