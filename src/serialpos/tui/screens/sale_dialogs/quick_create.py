"""Quick create: an unknown barcode becomes a product (SKU, name, price, serial mode)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Static

from serialpos.domain.text import clip, visible
from serialpos.tui.screens.closes_once import ClosesOnce
from serialpos.tui.screens.sale_dialogs.money import parse_money
from serialpos.tui.widgets.capped_input import CappedInput
from serialpos.tui.widgets.key_footer import KeyFooter, KeyHints
from serialpos.tui.widgets.message_line import MessageLine

SERIAL_MODES = ("required", "optional", "disabled")


@dataclass(frozen=True)
class NewProduct:
    sku: str
    name: str
    price: Decimal
    serial_mode: str
    barcode: str


class QuickCreate(ClosesOnce[NewProduct | None]):
    """An unknown barcode: SKU, name, price and serial mode (↑↓), then Enter creates it."""

    KEY_HINTS: ClassVar[KeyHints] = (("Enter", "Next/Create"), ("↑↓", "Serial mode"))
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "mode(-1)", "Serial mode", show=False),
        Binding("down", "mode(1)", "Serial mode", show=False),
        Binding("escape", "cancel", "Cancel"),
    ]
    FIELDS = ("new-sku", "new-name", "new-price")
    #: A person fills this form in: a scan made while it is up (the next units) is told from
    #: typing by the keyboard wedge and refused (app.py ``on_scan_read``), never typed into
    #: its fields: a burst of serials would name, price and create a product with Enter
    #: after each, the serials lost.
    REFUSES_SCANS: ClassVar[bool] = True

    def __init__(self, barcode: str) -> None:
        super().__init__()
        self.barcode = barcode
        self.mode = 2
        self.scans_not_used: list[str] = []

    def scan_not_used(self, raw: str) -> None:
        """Say every scan this form did not take, so none is thought received."""
        self.scans_not_used.append(clip(visible(raw), 40))
        count = len(self.scans_not_used)
        listed = ", ".join(self.scans_not_used[-3:])
        more = "…, " if count > 3 else ""
        self.query_one("#new-message", MessageLine).error(
            f"{count} scan{'s' if count > 1 else ''} not used (this form takes typed keys): "
            f"{more}{listed}; scan {'them' if count > 1 else 'it'} again once the product is made"
        )

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(
                Text(f"New product for barcode {clip(visible(self.barcode))}"),
                classes="dialog-title",
                markup=False,
            )
            yield CappedInput(id="new-sku", placeholder="SKU", max_length=64)
            yield CappedInput(id="new-name", placeholder="name", max_length=200)
            yield CappedInput(
                id="new-price", placeholder="price", max_length=16, restrict=r"[0-9.]*"
            )
            yield Static("", id="new-mode", markup=False)
            yield MessageLine(id="new-message")
            yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#new-sku", Input).focus()
        self._show()

    def _show(self) -> None:
        chosen = SERIAL_MODES[self.mode]
        self.query_one("#new-mode", Static).update(
            Text("Serial: " + "  ".join(f"[{m}]" if m == chosen else m for m in SERIAL_MODES))
        )

    def action_mode(self, step: int) -> None:
        self.mode = (self.mode + step) % len(SERIAL_MODES)
        self._show()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        index = self.FIELDS.index(str(event.input.id))
        if index + 1 < len(self.FIELDS):
            self.query_one(f"#{self.FIELDS[index + 1]}", Input).focus()
            return
        sku, name, price_text = (self.query_one(f"#{f}", Input).value.strip() for f in self.FIELDS)
        price = parse_money(price_text or "0")
        if not sku or not name or price is None:
            self.query_one("#new-message", MessageLine).error("SKU, name and a price are needed")
            self.app.bell()
            return
        self.dismiss(NewProduct(sku, name, price, SERIAL_MODES[self.mode], self.barcode))
