"""Sale type (sale, special order, lay-by) and delivery (cash and carry, pickup, delivery)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from serialpos.tui.widgets.key_footer import KeyFooter, KeyHints

SALE_TYPES = (
    ("1", "sale", "Sale"),
    ("2", "special_order", "Special order"),
    ("3", "layby", "Lay-by"),
)
DELIVERIES = (
    ("c", "cash_and_carry", "Cash and carry"),
    ("p", "pickup", "Pickup later"),
    ("d", "delivery", "Delivery"),
)


class SaleTypeDialog(ModalScreen[tuple[str, str] | None]):
    """1/2/3 pick the sale type, c/p/d the delivery; Enter keeps them, Escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(key, f"type('{value}')", label, show=False) for key, value, label in SALE_TYPES),
        *(
            Binding(key, f"delivery('{value}')", label, show=False)
            for key, value, label in DELIVERIES
        ),
        Binding("enter", "done", "Keep"),
        Binding("escape", "cancel", "Cancel"),
    ]
    KEY_HINTS: ClassVar[KeyHints] = (("1-3", "Type"), ("C/P/D", "Delivery"))

    def __init__(self, sale_type: str, delivery: str) -> None:
        super().__init__()
        self.sale_type, self.delivery = sale_type, delivery

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Sale type and delivery", classes="dialog-title", markup=False)
            yield Static("", id="choices", markup=False)
            yield KeyFooter()

    def on_mount(self) -> None:
        self._show()

    def _show(self) -> None:
        text = Text()
        for key, value, label in SALE_TYPES:
            text.append(f"{'●' if value == self.sale_type else '○'} {key} {label}\n")
        for key, value, label in DELIVERIES:
            text.append(f"{'●' if value == self.delivery else '○'} {key.upper()} {label}\n")
        text.rstrip()
        self.query_one("#choices", Static).update(text)

    def action_type(self, value: str) -> None:
        self.sale_type = value
        self._show()

    def action_delivery(self, value: str) -> None:
        self.delivery = value
        self._show()

    def action_done(self) -> None:
        self.dismiss((self.sale_type, self.delivery))

    def action_cancel(self) -> None:
        self.dismiss(None)
