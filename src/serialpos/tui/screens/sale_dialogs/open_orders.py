"""Parked and open orders of this store, to resume one or fulfil it later. A scan made while
the list is up opens nothing (its Enter opened the highlighted order): the list is a
:class:`~serialpos.tui.screens.choice.ChoiceDialog`, whose keys pass the yes/no questions'
gate."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from serialpos.domain.orders import SaleType
from serialpos.domain.text import visible
from serialpos.tui.screens.choice import ChoiceDialog
from serialpos.tui.screens.sale_dialogs.money import money
from serialpos.tui.widgets.key_footer import KeyHints

if TYPE_CHECKING:
    from serialpos.services.orders import OrderSummary


def summary_prompt(order: OrderSummary) -> Text:
    """One order of the list: number, status, kind, total, what is paid and due (a lay-by's
    always: a cashier finding a customer's lay-by is asked what is left to pay; any other
    order's once something is paid on it), lines, serials needed, customer."""
    status = str(getattr(order.status, "value", order.status))
    sale_type = SaleType(str(getattr(order.type, "value", order.type)))
    kind = sale_type.label  # Lay-by, as said
    pending = f" · {order.pending_serials} S/N needed" if order.pending_serials else ""
    who = f" · {visible(order.customer_name)}" if order.customer_name else ""
    money_words = ""
    if status == "fulfilled":  # listed only while it owes (sale_keys.py)
        pending = f" · owes {money(order.due)}{pending}"
    elif sale_type is SaleType.LAYBY or order.paid > 0:
        money_words = f" · paid {money(order.paid)} · due {money(order.due)}"
    return Text(
        f"{visible(order.order)} {status} {kind} {money(order.total)}{money_words}"
        f" · {order.lines} line{'s' * (order.lines != 1)}{pending}{who}"
    )


class OrdersDialog(ChoiceDialog):
    """Parked and open orders of this store: Enter opens one (to resume or fulfil later)."""

    KEY_HINTS: ClassVar[KeyHints] = (("Enter", "Open"),)
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]
    AGAIN = "Press Enter again to open the highlighted order, Esc to cancel"

    def __init__(self, orders: Sequence[OrderSummary]) -> None:
        super().__init__(
            Text("Parked and open orders"),
            [(o.order, summary_prompt(o)) for o in orders],
            "orders",
        )
