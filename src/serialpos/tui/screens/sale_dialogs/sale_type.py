"""Sale type (sale, special order, lay-by) and delivery (cash and carry, pickup, delivery).

Its keys pass the yes/no questions' gate (:mod:`~serialpos.tui.screens.answer_dialog`): a
scan made while it is up changed the type by its digits (``3`` lay-by), the delivery by its
letters, and its Enter kept them. A digit or letter acts one key gap after it is pressed; a
scan is refused, named in the dialog and kept for F7, and changes nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Static

from serialpos.domain.orders import DeliveryMode, SaleType
from serialpos.tui.screens.answer_dialog import GatedDialog
from serialpos.tui.screens.choice import bound_letters
from serialpos.tui.widgets.key_footer import KeyFooter, KeyHints

if TYPE_CHECKING:
    from serialpos.devices.answer_gate import Verdict

#: Each choice's key, stored value and name: the names are the domain's, so the dialog says
#: what the order header, receipts and reports say ("Special Order", "Cash and Carry").
SALE_TYPES = tuple(
    (key, kind.value, kind.label)
    for key, kind in (("1", SaleType.SALE), ("2", SaleType.SPECIAL_ORDER), ("3", SaleType.LAYBY))
)
DELIVERIES = tuple(
    (key, mode.value, mode.label)
    for key, mode in (
        ("c", DeliveryMode.CASH_AND_CARRY),
        ("p", DeliveryMode.PICKUP),
        ("d", DeliveryMode.DELIVERY),
    )
)


class SaleTypeDialog(GatedDialog[tuple[str, str] | None]):
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
    AGAIN = "Press 1-3 or C/P/D again, Enter to keep, Esc to cancel"

    def __init__(self, sale_type: str, delivery: str) -> None:
        self.letter_actions = bound_letters(type(self).BINDINGS)
        super().__init__(self._answered, letters="".join(self.letter_actions))
        self.sale_type, self.delivery = sale_type, delivery

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Sale type and delivery", classes="dialog-title", markup=False)
            yield Static("", id="choices", markup=False)
            yield self.refusal_line()
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

    def _answered(self, verdict: Verdict) -> None:
        """A person's lone digit or letter runs its binding; a person's Enter keeps the
        choices (the gate took the key, so the binding never saw it)."""
        if verdict.letter:
            self.call_later(self.run_action, self.letter_actions[verdict.letter])
        if verdict.entered or not verdict.letter:
            self.call_later(self.action_done)  # after the letter's own action

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
