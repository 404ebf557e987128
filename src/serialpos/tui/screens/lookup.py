"""Serial lookup: type or scan a serial, see each unit that carries it — state, store,
product — and its history. One key away from every screen (F2 or Ctrl+L).

The field is emptied after each lookup so the next scan goes straight in. A scan from any
scanner arrives as a ``ScanRead``: a serial, or the serial of a GS1 product+serial barcode, is
looked up; a product barcode (a GTIN: the common mis-scan, the box's barcode instead of the
unit's serial) is named as such; an unreadable scan is refused with its reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Input, Static
from textual.worker import get_current_worker

from serialpos.domain.text import clip
from serialpos.tui.messages import ActionFailed, ScanRead, SerialLookedUp
from serialpos.tui.screens.base import ConsoleScreen
from serialpos.tui.widgets.capped_input import CappedInput
from serialpos.tui.widgets.data_grid import DataGrid
from serialpos.tui.widgets.key_footer import KeyFooter, KeyHints
from serialpos.tui.widgets.message_line import MessageLine
from serialpos.tui.widgets.status_line import StatusLine
from serialpos.tui.widgets.unit_cards import EVENT_COLUMNS, event_row, summary

if TYPE_CHECKING:
    from serialpos.services.lookup import UnitCard


class LookupScreen(ConsoleScreen):
    """Answers "where is unit X, what happened to it, who sold it and when"."""

    KEY_HINTS: ClassVar[KeyHints] = (("Enter", "Look up"), ("Tab", "Next"))
    TAKES_SCANS: ClassVar[bool] = True
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", "Back")]

    def __init__(self, serial: str | None = None) -> None:
        super().__init__()
        self.initial = serial
        self.cards: tuple[UnitCard, ...] = ()

    def compose(self) -> ComposeResult:
        yield StatusLine("Serial lookup", self.session)
        yield CappedInput(id="serial", placeholder="serial: type or scan, then Enter")
        yield MessageLine(id="message")
        # Focusable only when it has more units than it shows (see on_serial_looked_up), so
        # that Tab goes from the field straight to the history table.
        with VerticalScroll(id="units-box", can_focus=False):
            yield Static("", id="units", markup=False)
        yield DataGrid(id="history")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#units-box").display = False
        self.query_one("#history").display = False
        self.focus_serial()
        if self.initial:
            self.look_up(self.initial)

    def focus_serial(self) -> None:
        self.query_one("#serial", Input).focus()

    def action_back(self) -> None:
        self.dismiss()

    @on(Input.Submitted, "#serial")
    def submitted(self, event: Input.Submitted) -> None:
        event.stop()
        serial = event.value.strip()
        if not serial:
            self.show_error("type or scan a serial, then press Enter")
            return
        event.input.clear()
        self.look_up(serial)

    def take_scan(self, scan: ScanRead) -> None:
        if self.refuse_unreadable(scan):
            return
        decoded = scan.decoded
        if decoded.kind == "product":
            self.show_error(
                f"that is a product barcode (GTIN {decoded.gtin}), scan the serial")
            return
        if decoded.serial:
            self.look_up(decoded.serial)

    def look_up(self, serial: str) -> None:
        self.message_line.note(f"looking up {clip(serial)}…")
        self.find(serial)

    @work(thread=True, exclusive=True, group="lookup")
    def find(self, serial: str) -> None:
        try:
            from serialpos.services.lookup import lookup_serial

            cards = tuple(lookup_serial(self.console.database(), serial))
        except Exception as exc:  # a refusal or a database failure: said on the message line
            from serialpos.tui.backend import describe

            self.post_message(ActionFailed(describe(exc)))
            return
        if not get_current_worker().is_cancelled:  # a newer scan is being looked up
            self.post_message(SerialLookedUp(serial, cards))

    def on_serial_looked_up(self, message: SerialLookedUp) -> None:
        self.cards = message.cards
        table: DataTable[Text] = self.query_one("#history", DataTable)
        units = self.query_one("#units", Static)
        table.clear(columns=True)
        if not message.cards:
            units.update("")
            self.query_one("#units-box").display = False
            table.display = False
            self.show_error(f"no unit has the serial '{clip(message.serial)}'"
                            + _not_found_hint(message.serial))
            return
        several = len(message.cards) > 1
        units.update(summary(message.cards))
        box = self.query_one("#units-box")
        box.display = True
        box.can_focus = len(message.cards) > 3
        table.display = True
        table.add_columns(*((["#"] if several else []) + list(EVENT_COLUMNS)))
        for number, card in enumerate(message.cards, start=1):
            for event in card.events:
                table.add_row(*event_row(event, str(number) if several else None))
        count = sum(len(card.events) for card in message.cards)
        units_found = len(message.cards)
        self.message_line.ok(
            f"{clip(message.serial)}: {units_found} unit{'s' * several}, "
            f"{count} event{'s' * (count != 1)}")


def _not_found_hint(serial: str) -> str:
    """Why a serial typed (or scanned with a late Enter) may have found nothing: it reads as a
    product barcode, or as one with a wrong check digit (the decoder calls such digits a
    serial, since numeric serials exist)."""
    from serialpos.devices.decoder import decode, looks_like_gtin_with_bad_check_digit

    decoded = decode(serial)
    if decoded.kind == "product":
        return f" (it reads as a product barcode, GTIN {decoded.gtin}: scan the serial)"
    if looks_like_gtin_with_bad_check_digit(serial):
        return " (or it is a product barcode with a wrong check digit)"
    return ""
