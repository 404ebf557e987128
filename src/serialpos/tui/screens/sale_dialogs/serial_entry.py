"""Serial entry: the one counter dialog that calls the service itself, because a refused
serial keeps it open for another try (the refusal on its own message line, with the bell),
and it takes scans like a console screen does — the app hands every scan to the screen in
front."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Protocol

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from serialpos.domain.text import clip, visible
from serialpos.tui.screens.base import ConsoleScreen
from serialpos.tui.screens.closes_once import ClosesOnce
from serialpos.tui.widgets.key_footer import KeyFooter, KeyHints
from serialpos.tui.widgets.message_line import MessageLine
from serialpos.tui.widgets.scan_input import ScanInput
from serialpos.tui.widgets.text_field import TextField

if TYPE_CHECKING:
    from serialpos.domain.products import SerialMode
    from serialpos.services.orders import OrderView
    from serialpos.tui.messages import ScanRead


class PromptedLine(Protocol):
    """What serial entry shows of its line: an order's line, or a line held on screen
    (services/held_line.HeldLine: ``line`` 0, no serial)."""

    @property
    def line(self) -> int: ...

    @property
    def number(self) -> int: ...

    @property
    def sku(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def serial_mode(self) -> SerialMode: ...

    @property
    def serial(self) -> str | None: ...


#: A held line's prompt hands its entry on (the dialog, the serial, the manager, the PIN).
HeldRecord = Callable[["SerialEntry", "str | None", "str | None", "str | None"], None]


class SerialEntry(ClosesOnce["OrderView | None"], ConsoleScreen):  # type: ignore[misc]
    """Record (or change) one line's serial. Enter or a scan submits; a refusal keeps the
    dialog open; Escape leaves the serial missing. Returns the updated order, or None."""

    KEY_HINTS: ClassVar[KeyHints] = (("Enter", "Record"),)
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Leave missing")]

    @dataclass
    class Recorded(Message):
        """The service took the serial."""

        view: OrderView

    @dataclass
    class Refused(Message):
        """The service refused the serial; ``code`` says why (``unknown_unit``: override)."""

        message: str
        code: str
        #: False for a serial in other letter case ("did you mean"): no override offered (the
        #: ledger refuses a case twin of a recorded unit whatever a manager says).
        overridable: bool = True

    def __init__(
        self,
        order: str,
        line: PromptedLine,
        serial: str | None = None,
        refusal: str | None = None,
        *,
        held_record: HeldRecord | None = None,
        held_left: Callable[[], object] | None = None,
    ) -> None:
        super().__init__()
        #: A held line's prompt (sale_held.py): the entry goes to the sale's job thread,
        #: which commits the line with its serial; ``held_left``: another screen came over
        #: the prompt (the held line is written without its serial).
        self.held_record = held_record
        self.held_left = held_left
        self.order = order
        self.line = line
        self.busy = False
        self.initial = serial
        self.refusal = refusal  # an unknown_unit refusal already had: offer the override
        self.entered = serial or ""  # the serial last sent: the override is asked for it
        #: A duplicate_serial refusal of a serial that is no IMEI: the manager's name and PIN
        #: accept it as shared by two products (recorded on the event and the unit).
        self.sharing = False

    def compose(self) -> ComposeResult:
        line = self.line
        mode = str(line.serial_mode.value)
        with Vertical(classes="dialog", id="serial-dialog"):
            yield Static(
                Text(
                    f"Serial for line {line.number}: {visible(line.sku)} "
                    f"{visible(line.name)} ({mode})"
                ),
                classes="dialog-title",
                markup=False,
            )
            if line.serial:
                yield Static(
                    Text(f"now: {visible(line.serial)} (Enter on empty removes it)"), markup=False
                )
            yield ScanInput(id="serial-entry", placeholder="scan or type the serial, Enter")
            with Vertical(id="override"):
                yield Static("Manager override: name and PIN", id="override-title", markup=False)
                yield TextField(id="override-user", placeholder="manager")
                yield TextField(id="override-pin", placeholder="PIN", password=True)
            yield MessageLine(id="serial-message")
            yield KeyFooter()

    @property
    def message_line(self) -> MessageLine:
        return self.query_one("#serial-message", MessageLine)

    def on_mount(self) -> None:
        if self not in self.app.screen_stack:
            # Closed before it mounted: the serial, scanned a moment behind its product, was
            # recorded as the prompt opened (SaleScreen._close_prompt_of); the dismissal took
            # the prompt off the stack and removed its widgets, so there is nothing to set up.
            return
        field = self.query_one("#serial-entry", ScanInput)
        self.query_one("#override").display = self.refusal is not None
        if self.initial:  # shown, not left in the field for the next scan to land behind
            # the serial named first, the keys whole at 36 columns (a handheld's dialog)
            field.fit_placeholder(
                f"{clip(self.initial)}: Tab for the override, or scan another",
                f"{clip(self.initial, 20)}: Tab overrides, or scan",
                "Tab: the override, or scan another",
            )
        if self.refusal is not None:
            self.message_line.error(self.refusal + " (Tab: manager name and PIN)")
        field.focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(ScanInput.Entered, "#serial-entry")
    def serial_submitted(self, event: ScanInput.Entered) -> None:
        event.stop()
        text = event.value.strip()
        if self.busy:  # Enter again (or a scanner's second Enter) while it is checked
            self._still_checking(text or None)
            return
        if not text and not self.line.serial:
            self.show_error("scan or type the serial, or Esc to leave it missing")
            return
        if not text:
            self.submit(None)
            return
        self.take_scan(self.entered_scan(text))  # typed or scanned: the same keys

    @on(Input.Submitted, "#override-user")
    def user_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#override-pin", Input).focus()

    @on(Input.Submitted, "#override-pin")
    def pin_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        user = self.query_one("#override-user", Input).value.strip()
        if not user or not event.value:
            self.show_error("a manager's name and PIN are needed to override")
            return
        serial = self.query_one("#serial-entry", Input).value.strip() or self.entered
        self.submit(serial, user, event.value)

    def take_scan(self, scan: ScanRead) -> None:
        if self.refuse_unreadable(scan):
            return
        decoded = scan.decoded
        # A product barcode here is the classic mis-scan: it is passed on as the serial so the
        # service names it ("that is the product's barcode, not its serial").
        text = decoded.serial if decoded.kind != "product" and decoded.serial else decoded.text
        self.submit(text)

    def submit(self, serial: str | None, user: str | None = None, pin: str | None = None) -> None:
        if self.busy:
            self._still_checking(serial)
            return
        self.busy = True
        if serial:
            self.entered = serial
        self.message_line.note("checking the serial…")
        if self.held_record is not None:
            self.held_record(self, serial, user, pin)
        else:
            self.record(serial, user, pin)

    def _still_checking(self, serial: str | None) -> None:
        """An entry while the one sent before has not answered: nothing is sent again. Enter
        pressed again, or the same serial read twice, waits for the first one's answer (it
        was told "scan or type the serial", with the bell, as if nothing had been entered);
        another serial is never dropped unsaid: the person scans it again once answered."""
        working = f"still working on {clip(self.entered)}" if self.entered else "still working"
        if not serial or serial == self.entered:
            self.message_line.note(f"{working}: wait for its answer")
            return
        self.show_error(f"{working}: scan {clip(serial)} again once answered")

    def on_screen_suspend(self) -> None:
        if self.held_left is not None:
            self.held_left()

    @work(thread=True, group="serial-entry")
    def record(self, serial: str | None, user: str | None, pin: str | None) -> None:
        try:
            from serialpos.services.orders import set_serial

            view = set_serial(
                self.console.database(),
                self.session.actor,
                self.order,
                self.line.line,
                serial,
                override_user=user,
                override_pin=pin,
                shared=self.sharing and user is not None,
            )
        except Exception as exc:
            from serialpos.tui.backend import describe

            code, overridable = str(getattr(exc, "code", "")), getattr(exc, "overridable", True)
            self.post_message(self.Refused(describe(exc), code, overridable))
            return
        self.post_message(self.Recorded(view))

    def on_serial_entry_recorded(self, message: Recorded) -> None:
        self.busy = False
        self.dismiss(message.view)

    def on_serial_entry_refused(self, message: Refused) -> None:
        self.busy = False
        self.show_error(message.message)
        field = self.query_one("#serial-entry", ScanInput)
        field.fit_placeholder(
            f"{clip(self.entered)} refused: scan or type another",
            f"{clip(self.entered, 20)} refused: scan another",
            "refused: scan or type another",
        )
        from serialpos.domain.scan_resolution import may_share

        self.sharing = message.code == "duplicate_serial" and may_share(self.entered)
        if (message.code == "unknown_unit" and message.overridable) or self.sharing:
            # The fields are offered, not forced: the next scan still goes to the serial field
            # (most often the cashier simply scanned the wrong unit); Tab reaches them.
            self.query_one("#override-title", Static).update(
                "Manager accepts shared serial: name and PIN"
                if self.sharing
                else "Manager override: name and PIN"
            )
            self.query_one("#override").display = True
            what = "manager accepts shared serial: " if self.sharing else "manager "
            self.message_line.error(f"{message.message} (Tab: {what}name and PIN)")
        field.select_all()
        field.focus()
