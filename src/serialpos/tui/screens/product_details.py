"""One product in full: everything the catalogue holds about it, as plain text; for a
package, its type (and what that means for serials) and its components.

A scan made while the details are open is never lost without a word: the details had no
field, so a wedge scan's characters were dropped and its Enter closed them. Their keys pass
the yes/no questions' gate (:mod:`~serialpos.tui.screens.answer_dialog`): a person's Enter
or Escape closes; a scan (wedge or scanner) is refused, named inside the details and on the
Products screen behind, with the bell, and the details stay open."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from serialpos.domain.text import clip, visible
from serialpos.tui.screens.answer_dialog import GatedDialog
from serialpos.tui.widgets.key_footer import KeyFooter

if TYPE_CHECKING:
    from serialpos.devices.answer_gate import Verdict
    from serialpos.domain.products import Product


PACKAGE_MEANING = {
    "consolidated": "one serial for the sealed box",
    "exploded": "each component follows its own serial mode",
}


def package_rows(product: Product) -> tuple[tuple[str, str], ...]:
    if product.package_type is None:
        return (("Package", "no"),)
    kind = str(product.package_type)
    return (
        ("Package", f"{kind} — {PACKAGE_MEANING.get(kind, '')}"),
        ("Components", ", ".join(f"{sku} × {qty}" for sku, qty in product.components) or "none"),
    )


def details(product: Product) -> Text:
    rows = (
        ("SKU", product.sku),
        ("Name", product.name),
        ("Price", f"{product.price:.2f}"),
        ("Serial mode", product.serial_mode.value),
        ("Serial format", product.serial_format or "none"),
        ("Barcodes", ", ".join(product.barcodes) or "none"),
        ("Tax rate", "—" if product.tax_rate is None else f"{product.tax_rate}%"),
        (
            "Warranty",
            "—" if product.warranty_months is None else f"{product.warranty_months} months",
        ),
        ("Bin", product.bin or "—"),
        *package_rows(product),
    )
    text = Text()
    for number, (label, value) in enumerate(rows):
        if number:
            text.append("\n")
        text.append(f"{label}: ", style="bold")
        text.append(visible(value))
    return text


def scan_on_details(raw: str) -> str:
    """The refusal of a scan made while a product's details are open."""
    return (
        f"scan '{clip(raw, 32)}' not taken: close the details first (Enter or Esc), "
        "then scan it again"
    )


class ProductDetails(GatedDialog[None]):
    """Closed with a person's Escape or Enter; a scan closes nothing (the module)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter", "close", "Close")]
    ANSWER_LETTERS = ""

    def __init__(self, product: Product) -> None:
        super().__init__(self._answered)
        self.product = product

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="details-box"):
            yield self.refusal_line()  # first: seen without scrolling, on a handheld too
            yield Static(details(self.product), id="details", markup=False)
            yield KeyFooter()

    def refusal_words(self, raw: str) -> str:
        return scan_on_details(raw)

    def _answered(self, verdict: Verdict) -> None:
        self.action_close()  # a person's Enter (the gate took it, the binding never saw it)

    def on_mount(self) -> None:
        self.query_one("#details-box").focus()

    def action_close(self) -> None:
        self.dismiss(None)
