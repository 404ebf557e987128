"""The order menu: the order's less frequent keys, one menu away."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from serialpos.tui.screens.choice import ChoiceDialog

#: (letter, action, words, direct keys): the order's less frequent keys, one menu away, so
#: that the footer of a 40x16 handheld keeps room for the lines.
ORDER_MENU = (
    ("t", "sale_type", "Sale type and delivery", "F3"),
    ("c", "customer", "Customer", "F4"),
    ("p", "park", "Park this order", "F5/^P"),
    ("o", "orders", "Open or parked orders (resume, fulfil later)", ""),
    ("d", "discount_line", "Discount or price of this line", ""),
    ("g", "discount_order", "Discount the whole order", ""),
    ("v", "void", "Void this order", "F7"),
)


class OrderMenu(ChoiceDialog):
    """The order's other actions, each with its letter and its direct key."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(key, f"choose('{action}')", words, show=False)
            for key, action, words, _ in ORDER_MENU
        ),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self) -> None:
        super().__init__(
            Text("Order"),
            [
                (action, Text(f"{key}  {words}" + (f" ({direct})" if direct else "")))
                for key, action, words, direct in ORDER_MENU
            ],
            "order-menu",
        )
