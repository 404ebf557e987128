"""Leaving a sale that still has lines: park it or void it, or stay. An open order keeps its
units reserved, so walking away from one (Escape to the home menu, logging out) is asked about
instead of done silently. The letters are the order menu's own (p park, v void)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from serialpos.tui.screens.choice import ChoiceDialog


class LeaveSale(ChoiceDialog):
    """Returns "park", "void" or "stay" (Escape stays: the sale is left as it was)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "choose('park')", "Park", show=False),
        Binding("v", "choose('void')", "Void", show=False),
        Binding("escape", "choose('stay')", "Stay"),
    ]

    def __init__(self, order: str, lines: int, refund: str | None = None) -> None:
        money_back = f" Void refunds {refund} to the customer." if refund else ""
        plural = "s" if lines != 1 else ""
        super().__init__(
            Text(
                f"{order} is not finished ({lines} line{plural}; its units stay reserved "
                f"while it is open).{money_back} Park it or void it?"
            ),
            [
                ("park", Text("p  Park it (resume from the order menu)")),
                ("void", Text("v  Void it (its units go back to stock)")),
                ("stay", Text("Esc  Stay on the sale")),
            ],
            "leave-sale",
        )
