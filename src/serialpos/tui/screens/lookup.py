"""Serial lookup: type or scan a serial, see each unit that carries it — state, store,
product, warranty — and its timeline in words (F4 shows the ledger's own events instead). One
key away from every screen (F2 or Ctrl+L).

A serial resolves only exactly. One no unit has is offered as the start of one: the units
whose serial starts with it are listed (at most 50, in serial order; one too, never opened by
itself: a scan cut short must not show another unit's card), with the bell, to pick from with
the arrow keys and Enter; F3 lists them even when a unit has exactly that serial. Escape
from a card opened from the list goes back to the list; Escape again leaves.

The field is emptied after each lookup so the next scan goes straight in. A scan from any
scanner arrives as a ``ScanRead``: a serial, or the serial of a GS1 product+serial barcode, is
looked up; a product barcode (a GTIN: the common mis-scan, the box's barcode instead of the
unit's serial) is named as such; an unreadable scan is refused with its reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from serialpos.domain.text import clip
from serialpos.tui.backend import describe, post_read
from serialpos.tui.messages import ActionFailed, ScanRead, SerialLookedUp
from serialpos.tui.screens.base import ConsoleScreen
from serialpos.tui.widgets.data_grid import DataGrid
from serialpos.tui.widgets.key_footer import KeyFooter, KeyHints
from serialpos.tui.widgets.message_line import MessageLine
from serialpos.tui.widgets.scan_input import ScanInput
from serialpos.tui.widgets.status_line import StatusLine
from serialpos.tui.widgets.unit_cards import (
    EVENT_COLUMNS,
    MATCH_COLUMNS,
    event_row,
    match_row,
    summary,
    timeline_text,
)

if TYPE_CHECKING:
    from serialpos.domain.decoder import DecodedScan
    from serialpos.services.lookup import UnitCard
    from serialpos.services.serial_search import SearchResult


@dataclass
class SerialsMatched(Message):
    """A prefix search finished: the units whose serial starts with ``result.prefix``.
    ``exact_missed``: no unit has exactly that serial; the list is offered, not taken."""

    result: SearchResult
    exact_missed: bool = False


class LookupScreen(ConsoleScreen):
    """Answers "where is unit X, what happened to it, who sold it and when"."""

    KEY_HINTS: ClassVar[KeyHints] = (("Enter", "Look up"), ("Tab", "Next"))
    TAKES_SCANS: ClassVar[bool] = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("f3", "starts_with", "Starts with"),
        Binding("f4", "switch_view", "Ledger"),
    ]

    def __init__(self, serial: str | None = None) -> None:
        super().__init__()
        self.initial = serial
        self.cards: tuple[UnitCard, ...] = ()
        self.matches: SearchResult | None = None
        self.ledger_view = False  # the ledger's events table instead of the timeline
        self.last_text = ""
        self.picked_row = 0  # the list's row a card was opened from, for Escape back to it

    def compose(self) -> ComposeResult:
        yield StatusLine("Serial lookup", self.session)
        yield ScanInput(id="serial", placeholder="serial or its start, then Enter")
        yield MessageLine(id="message")
        # Focusable only when it has more units than it shows (see on_serial_looked_up), so
        # that Tab goes from the field straight to the history table.
        with VerticalScroll(id="units-box", can_focus=False):
            yield Static("", id="units", markup=False)
        yield DataGrid(id="matches")
        with VerticalScroll(id="timeline-box"):
            yield Static("", id="timeline", markup=False)
        yield DataGrid(id="history")
        yield KeyFooter()

    def on_mount(self) -> None:
        for name in ("#units-box", "#matches", "#timeline-box", "#history"):
            self.query_one(name).display = False
        self.focus_serial()
        if self.initial:
            self.look_up(self.initial)

    def focus_serial(self) -> None:
        self.query_one("#serial", Input).focus()

    def action_back(self) -> None:
        if self.matches is not None and not self.query_one("#matches").display:
            self.show_matches(self.matches)  # from a card picked in the list: the list again
            return
        self.dismiss()

    def action_starts_with(self) -> None:
        """List the units whose serial starts with the field's text (or the last serial)."""
        field = self.query_one("#serial", Input)
        prefix = field.value.strip() or self.last_text
        if not prefix:
            self.show_error("type the start of a serial, then F3")
            return
        field.clear()
        self.last_text = prefix
        self.message_line.note(f"searching serials starting with {clip(prefix)}…")
        self.find(prefix, prefix_only=True)

    def action_switch_view(self) -> None:
        self.ledger_view = not self.ledger_view
        self._show_view()
        self.message_line.note("the ledger's events" if self.ledger_view else "the timeline")

    def _show_view(self) -> None:
        card_shown = bool(self.cards) and not self.query_one("#matches").display
        self.set_class(self.ledger_view, "-ledger")  # the card's rows (screens.tcss)
        self.query_one("#timeline-box").display = card_shown and not self.ledger_view
        self.query_one("#history").display = card_shown and self.ledger_view

    @on(ScanInput.Entered, "#serial")
    def submitted(self, event: ScanInput.Entered) -> None:
        event.stop()
        serial = event.value.strip()
        if not serial:
            self.show_error("type or scan a serial, then press Enter")
            return
        self.take_scan(self.entered_scan(serial))  # typed or scanned: the same keys

    @on(DataTable.RowSelected, "#matches")
    def picked(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if self.matches is None:
            return
        match = self.matches.matches[event.cursor_row]
        self.picked_row = event.cursor_row
        self.message_line.note(f"looking up {clip(match.serial)}…")
        self.find(match.serial, sku=match.sku)

    def take_scan(self, scan: ScanRead) -> None:
        if self.refuse_unreadable(scan):
            return
        decoded = scan.decoded
        if decoded.kind == "product":
            # The scan resolver says whose barcode it is; digits no product carries may still
            # be a numeric serial, so those are looked up.
            self.message_line.note(f"looking up {clip(decoded.text)}…")
            self.name_barcode(decoded)
            return
        if decoded.serial:
            self.look_up(decoded.serial)

    @work(thread=True, exclusive=True, group="lookup")
    def name_barcode(self, decoded: DecodedScan) -> None:
        try:
            from serialpos.services.lookup import product_barcode_refusal

            refusal = product_barcode_refusal(self.console.database(), self.session.store, decoded)
        except Exception as exc:
            post_read(self, ActionFailed(describe(exc)))
            return
        # Unless scanned again meanwhile: this look-up would replace the newer scan's card.
        post_read(self, ActionFailed(refusal) if refusal is not None else self.LookUp(decoded.text))

    @dataclass
    class LookUp(Message):
        """Digits that are no product's barcode: looked up as a serial (UI side)."""

        text: str

    def on_lookup_screen_look_up(self, message: LookUp) -> None:
        self.look_up(message.text)

    def look_up(self, serial: str) -> None:
        self.message_line.note(f"looking up {clip(serial)}…")
        self.last_text = serial.strip()
        self.matches = None
        self.find(serial)

    @work(thread=True, exclusive=True, group="lookup")
    def find(self, serial: str, sku: str | None = None, prefix_only: bool = False) -> None:
        """What the entry finds (services/serial_search.look_up_entry): the units with
        exactly this serial as their card; else the units whose serial starts with it, as a
        list to pick from (one too: a scan resolves only exactly); else why nothing."""
        try:
            from serialpos.services.serial_search import look_up_entry

            answer = look_up_entry(self.console.database(), serial, sku, starts_with=prefix_only)
        except Exception as exc:  # a refusal or a database failure: said on the message line
            post_read(self, ActionFailed(describe(exc)))
            return
        # Unless a newer scan is being looked up: its card is the one to show.
        if answer.offered is not None:
            post_read(self, SerialsMatched(answer.offered, exact_missed=not prefix_only))
        else:
            post_read(self, SerialLookedUp(serial, answer.cards, answer.hint))

    def _show_timeline(self, cards: tuple[UnitCard, ...]) -> None:
        if cards is not self.cards:  # another serial was looked up meanwhile
            return
        self.query_one("#timeline", Static).update(timeline_text(cards, self.app.size.width))
        self.query_one("#timeline-box").scroll_home(animate=False)
        self._show_view()

    def _hide_card(self) -> None:
        self.query_one("#units", Static).update("")
        self.query_one("#units-box").display = False
        self.query_one("#timeline-box").display = False
        self.query_one("#history").display = False

    def on_serials_matched(self, message: SerialsMatched) -> None:
        self.show_matches(message.result, exact_missed=message.exact_missed)

    def show_matches(self, result: SearchResult, *, exact_missed: bool = False) -> None:
        """The list of units a prefix matched, focused so arrows and Enter pick one."""
        if not result.matches:
            self.show_error(
                f"no serial starts with '{clip(result.prefix)}' (serials are case-sensitive)"
            )
            return
        if result is not self.matches:
            self.picked_row = 0
        self.matches, self.cards = result, ()
        self._hide_card()
        grid: DataTable[Text] = self.query_one("#matches", DataTable)
        grid.clear(columns=True)
        grid.add_columns(*MATCH_COLUMNS)
        for match in result.matches:
            grid.add_row(*match_row(match))
        grid.display = True
        grid.move_cursor(row=self.picked_row, animate=False)
        grid.focus()
        count, prefix = len(result.matches), clip(result.prefix)
        if exact_missed:  # offered, not taken: the bell says the entry found no unit itself
            many = f"first {count}" if result.truncated else str(count)
            self.show_error(
                f"no unit has the serial '{prefix}'; {many} start{'s' * (count == 1)} "
                "with it: Enter opens the one chosen"
            )
        elif result.truncated:
            self.message_line.ok(f"first {count} starting {prefix}; type more")
        else:
            self.message_line.ok(
                f"{count} unit{'s' * (count != 1)} start{'s' * (count == 1)} with {prefix}"
            )

    def on_serial_looked_up(self, message: SerialLookedUp) -> None:
        self.cards = message.cards
        self.query_one("#matches").display = False
        table: DataTable[Text] = self.query_one("#history", DataTable)
        units = self.query_one("#units", Static)
        table.clear(columns=True)
        if not message.cards:
            self._hide_card()
            self.show_error(
                f"no unit has the serial '{clip(message.serial)}'"
                + (f": {message.hint}" if message.hint else _not_found_hint(message.serial))
            )
            return
        several = len(message.cards) > 1
        units.update(summary(message.cards))
        box = self.query_one("#units-box")
        box.display = True
        box.can_focus = len(message.cards) > 3
        # The timeline's scroll box costs a layout pass of its own: the card goes on screen
        # first (what a scan is waiting for), the timeline a frame later.
        self.query_one("#timeline-box").display = False
        self.call_after_refresh(self._show_timeline, message.cards)
        if not self.query_one("#serial", Input).has_focus:
            self.focus_serial()  # a card picked from the list: the next scan goes in
        table.add_columns(*((["#"] if several else []) + list(EVENT_COLUMNS)))
        for number, card in enumerate(message.cards, start=1):
            for event in card.events:
                table.add_row(*event_row(event, str(number) if several else None))
        count = sum(len(card.events) for card in message.cards)
        units_found = len(message.cards)
        self.message_line.ok(
            f"{clip(message.serial)}: {units_found} unit{'s' * several}, "
            f"{count} event{'s' * (count != 1)}"
        )


def _not_found_hint(serial: str) -> str:
    """Why a serial typed (or scanned with a late Enter) may have found nothing: it reads as a
    product barcode, or as one with a wrong check digit (the decoder calls such digits a
    serial, since numeric serials exist)."""
    from serialpos.domain.decoder import decode, looks_like_gtin_with_bad_check_digit

    decoded = decode(serial)
    if decoded.kind == "product":
        return f" (it reads as a product barcode, GTIN {decoded.gtin}: scan the serial)"
    if looks_like_gtin_with_bad_check_digit(serial):
        return " (or it is a product barcode with a wrong check digit)"
    return ""
