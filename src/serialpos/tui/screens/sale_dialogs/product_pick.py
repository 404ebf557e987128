"""The products a name or SKU typed in the sale field found, to pick one: each with its price
and how many are in stock at this store. Enter adds the one under the cursor."""

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

from serialpos.domain.text import clip, visible
from serialpos.tui.screens.sale_dialogs.money import money
from serialpos.tui.widgets.key_footer import KeyFooter, KeyHints

if TYPE_CHECKING:
    from serialpos.domain.counter_search import ProductChoice


def choice_prompt(choice: ProductChoice) -> Text:
    """``PH-AUR15 Aurora 15 · 799.00 · 2 in stock``: plain text, markup never read."""
    return Text(
        f"{visible(choice.sku)} {visible(choice.name)} · {money(choice.price)}"
        f" · {choice.in_stock} in stock"
    )


class ProductPick(ModalScreen[str | None]):
    """Pick one of the products found; returns its SKU, or None (Esc)."""

    KEY_HINTS: ClassVar[KeyHints] = (("Enter", "Add"),)
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, typed: str, choices: Sequence[ProductChoice], more: bool = False) -> None:
        super().__init__()
        self.typed = typed
        self.choices = list(choices)
        self.more = more

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="product-pick"):
            more = ", more not shown: type more" if self.more else ""
            yield Static(
                Text(f"{len(self.choices)} products match '{clip(self.typed)}'{more}"),
                classes="dialog-title",
                markup=False,
            )
            yield OptionList(
                *(Option(choice_prompt(c), id=c.sku) for c in self.choices), id="product-choices"
            )
            yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
