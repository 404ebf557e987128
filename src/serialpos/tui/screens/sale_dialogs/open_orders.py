"""Parked and open orders of this store, to resume one or fulfil it later."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from serialpos.domain.text import visible
from serialpos.tui.screens.sale_dialogs.money import money
from serialpos.tui.widgets.key_footer import KeyFooter, KeyHints

if TYPE_CHECKING:
    from serialpos.services.orders import OrderSummary


def summary_prompt(order: OrderSummary) -> Text:
    status = str(getattr(order.status, "value", order.status))
    kind = str(getattr(order.type, "value", order.type)).replace("_", " ")
    pending = f" · {order.pending_serials} S/N needed" if order.pending_serials else ""
    who = f" · {visible(order.customer_name)}" if order.customer_name else ""
    return Text(
        f"{visible(order.order)} {status} {kind} {money(order.total)}"
        f" · {order.lines} line{'s' * (order.lines != 1)}{pending}{who}"
    )


class OrdersDialog(ModalScreen[str | None]):
    """Parked and open orders of this store: Enter opens one (to resume or fulfil later)."""

    KEY_HINTS: ClassVar[KeyHints] = (("Enter", "Open"),)
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, orders: Sequence[OrderSummary]) -> None:
        super().__init__()
        self.orders = list(orders)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Parked and open orders", classes="dialog-title", markup=False)
            yield OptionList(
                *(Option(summary_prompt(o), id=o.order) for o in self.orders), id="orders"
            )
            yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
