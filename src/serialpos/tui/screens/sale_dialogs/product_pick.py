"""The products a name or SKU typed in the sale field found, to pick one: each with its price
and how many are in stock at this store. A person's Enter adds the one under the cursor; a
scan made while the list is up adds nothing (its Enter added the highlighted product): the
list is a :class:`~serialpos.tui.screens.choice.ChoiceDialog`, whose keys pass the yes/no
questions' gate, and the scan is refused, named and kept for F7."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from serialpos.domain.text import clip, visible
from serialpos.tui.screens.choice import ChoiceDialog
from serialpos.tui.screens.sale_dialogs.money import money
from serialpos.tui.widgets.key_footer import KeyHints

if TYPE_CHECKING:
    from serialpos.domain.counter_search import ProductChoice


def choice_prompt(choice: ProductChoice) -> Text:
    """``PH-AUR15 Aurora 15 · 799.00 · 2 in stock``: plain text, markup never read."""
    return Text(
        f"{visible(choice.sku)} {visible(choice.name)} · {money(choice.price)}"
        f" · {choice.in_stock} in stock"
    )


class ProductPick(ChoiceDialog):
    """Pick one of the products found; returns its SKU, or None (Esc)."""

    KEY_HINTS: ClassVar[KeyHints] = (("Enter", "Add"),)
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]
    AGAIN = "Press Enter again to add the highlighted product, Esc to cancel"

    def __init__(self, typed: str, choices: Sequence[ProductChoice], more: bool = False) -> None:
        more_words = ", more not shown: type more" if more else ""
        super().__init__(
            Text(f"{len(choices)} products match '{clip(typed)}'{more_words}"),
            [(c.sku, choice_prompt(c)) for c in choices],
            "product-choices",
        )
