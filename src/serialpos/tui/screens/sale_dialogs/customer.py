"""The customer of an order: name, phone and address."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from serialpos.tui.widgets.capped_input import CappedInput
from serialpos.tui.widgets.key_footer import KeyFooter, KeyHints


class CustomerDialog(ModalScreen[tuple[str, str, str] | None]):
    """Name, phone, address; Enter goes to the next field and saves on the last."""

    KEY_HINTS: ClassVar[KeyHints] = (("Enter", "Next/Save"),)
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]
    FIELDS = ("customer-name", "customer-phone", "customer-address")

    def __init__(self, name: str = "", phone: str = "", address: str = "") -> None:
        super().__init__()
        self.values = (name, phone, address)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Customer", classes="dialog-title", markup=False)
            for field, value, hint in zip(
                self.FIELDS, self.values, ("name", "phone", "address"), strict=True
            ):
                yield CappedInput(value=value, id=field, placeholder=hint, max_length=200)
            yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(f"#{self.FIELDS[0]}", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        index = self.FIELDS.index(str(event.input.id))
        if index + 1 < len(self.FIELDS):
            self.query_one(f"#{self.FIELDS[index + 1]}", Input).focus()
            return
        name, phone, address = (self.query_one(f"#{f}", Input).value.strip() for f in self.FIELDS)
        self.dismiss((name, phone, address))

    def action_cancel(self) -> None:
        self.dismiss(None)
