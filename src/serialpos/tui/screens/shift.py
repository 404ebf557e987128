"""The till shift of this terminal: open it with a float, read the X report, close it with the
cash counted and get the Z report (on the receipt printer when there is one, and as a PDF in
the outbox folder).

One field does it all, by the shift's state: with no shift open it takes the opening float;
with one open it shows the X report and takes the counted cash, then asks once more with the
difference before closing ("Enter again to close, Esc to count again"), because a close cannot
be undone. F5/^R reads the X report again; F6 prints the report shown. The same services
as ``serialpos shift``.

One thing at a time: while an open, a close, a print or a read has not answered, a second
Enter (a key pressed twice, a scanner's second Enter) or F-key is told "still working" and
sends nothing (tui/backend.one_at_a_time): the drawer is opened and closed once, as the X and
Z reports count it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Input, Static

from serialpos.domain.shifts import ShiftReport
from serialpos.tui.backend import one_at_a_time, still_running
from serialpos.tui.keymap import keys
from serialpos.tui.messages import ScanRead
from serialpos.tui.screens.base import ConsoleScreen
from serialpos.tui.widgets.capped_input import CappedInput
from serialpos.tui.widgets.key_footer import KeyFooter, KeyHints
from serialpos.tui.widgets.message_line import MessageLine
from serialpos.tui.widgets.status_line import StatusLine

#: The screen's one worker: one at a time. Enter again while the close ran sent a second
#: close (refused by the service, said with the bell over the Z report's line); the float
#: typed again while the open ran, a second open.
SHIFT = "shift"


@dataclass
class ShiftShown(Message):
    """The shift's state was read or changed: the report to show (None: no shift open)."""

    report: ShiftReport | None
    said: str = ""
    warning: str = ""


@dataclass
class ShiftRefused(Message):
    """A shift action was refused or failed; ``message`` says why."""

    message: str


class ShiftScreen(ConsoleScreen):
    KEY_HINTS: ClassVar[KeyHints] = (("Enter", "Open/Close"), ("Esc", "Back"))
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", show=False),
        Binding(keys("f5", "x_report"), "x_report", "X report"),
        Binding("f6", "print", "Print"),
    ]

    #: A person types the float and the count: a scan made here is told from typing by the
    #: keyboard wedge and refused (:meth:`take_scan`), never taken as an amount (an EAN-8
    #: opened the till with a float of 12,345,670.00); a float above the ceiling is asked
    #: about by a question a scan cannot answer (domain/money_entry.py).
    REFUSES_SCANS: ClassVar[bool] = True

    def __init__(self) -> None:
        super().__init__()
        self.report: ShiftReport | None = None
        self.counted: Decimal | None = None  # typed once, waiting for the second Enter
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield StatusLine("Shift", self.session)
        yield CappedInput(placeholder="reading the shift…", id="amount", max_length=20)
        with VerticalScroll(id="report-box", can_focus=False):
            yield Static("", id="report", markup=False)
        yield MessageLine(id="message")
        yield KeyFooter()

    @property
    def field(self) -> Input:
        return self.query_one("#amount", Input)

    def on_mount(self) -> None:
        self.field.focus()
        self._run("read")

    # -- the shift's state ---------------------------------------------------------------------
    def on_shift_shown(self, message: ShiftShown) -> None:
        from serialpos.printing.shift_rows import report_rows, title

        self.loaded = True
        self.report = message.report
        self.counted = None
        box = self.query_one("#report", Static)
        # The field's hint is short enough for a handheld's 36 columns; what to type and why
        # is said whole above the report, where it wraps (the hint was cut at 40x16).
        if message.report is None:
            box.update(
                "No shift is open on this terminal.\nType the opening float (the cash in the "
                "drawer, 0 for none) and Enter to open one."
            )
            self.field.placeholder = "opening float, Enter"
        else:
            width = max(len(a) for a, _ in report_rows(message.report))
            rows = "\n".join(f"{a:<{width}}  {b}" for a, b in report_rows(message.report))
            closing = message.report.kind == "X"
            box.update(
                ("Type the cash counted and Enter to close the shift.\n" if closing else "")
                + f"{title(message.report)}\n{rows}"
            )
            self.field.placeholder = "cash counted, Enter" if closing else "next float, Enter"
        if message.said:
            self.message_line.ok(message.said)
        if message.warning:
            self.show_warning(message.warning)
        if not message.said and not message.warning:
            self.message_line.clear()  # the read is done: "working…" no longer holds
        self.field.focus()

    def on_shift_refused(self, message: ShiftRefused) -> None:
        self.show_error(message.message)
        self.field.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not self.loaded:
            return
        if still_running(self, SHIFT):  # what was typed stays, for once it has answered
            return
        open_now = self.report is not None and self.report.kind == "X"
        if open_now and self.counted is not None and not text:
            self.field.value = ""
            self._run("close", str(self.counted))
            return
        if not text:
            self.message_line.note(
                "type the cash counted" if open_now else "type the opening float (0 for none)"
            )
            return
        if not open_now:
            self._ask_to_open(text)
            return
        self._ask_to_close(text)

    def take_scan(self, scan: ScanRead) -> None:
        """A scan here is never the float nor the count: refused, named, the field kept."""
        from serialpos.domain.text import clip, visible

        self.show_error(
            f"scan '{clip(visible(scan.raw), 32)}' is not an amount: nothing taken. Type the "
            + ("cash counted" if self.report is not None else "opening float")
            + ", Enter"
        )

    def _ask_to_open(self, text: str) -> None:
        """Open with the float typed; one above the ceiling is asked about first."""
        from serialpos.domain.errors import BadValue
        from serialpos.domain.money_entry import float_doubt
        from serialpos.domain.shifts import parse_cash
        from serialpos.tui.screens.serial_mode import Confirm

        try:
            amount = parse_cash(text, "opening float")
        except BadValue as exc:
            self.show_error(exc.message)
            return
        doubt = float_doubt(text, amount)
        if doubt is None:
            self.field.value = ""
            self._run("open", text)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.field.value = ""
                self._run("open", text)
            else:
                self.message_line.note(f"not opened: {amount:,.2f} was not taken; type the float")
            self.field.focus()

        self.app.push_screen(Confirm(doubt), answered)

    def _ask_to_close(self, text: str) -> None:
        from serialpos.domain.errors import BadValue
        from serialpos.domain.shifts import parse_cash

        assert self.report is not None
        try:
            counted = parse_cash(text, "counted cash")
        except BadValue as exc:
            self.show_error(exc.message)
            return
        self.field.value = ""
        self.counted = counted
        diff = counted - self.report.expected_cash
        words = "balances" if diff == 0 else f"{abs(diff):,.2f} {'short' if diff < 0 else 'over'}"
        self.message_line.warn(
            f"counted {counted:,.2f}, expected {self.report.expected_cash:,.2f}: {words}. "
            "Enter again to close the shift, or type the count again"
        )

    def action_back(self) -> None:
        if self.counted is not None:
            self.counted = None
            self.message_line.note("not closed: type the count again")
            return
        self.app.pop_screen()

    def action_x_report(self) -> None:
        self._run("read")

    def action_print(self) -> None:
        if self.report is None:
            self.show_error("no report to print: no shift is open")
            return
        self._run("print")

    # -- work ---------------------------------------------------------------------------------
    def _run(self, what: str, amount: str = "") -> None:
        self.message_line.note("working…")
        self._work(what, amount, self.report)

    @one_at_a_time(SHIFT)
    def _work(self, what: str, amount: str, shown: ShiftReport | None) -> None:
        from serialpos.tui.backend import describe

        try:
            self.post_message(self._do(what, amount, shown))
        except Exception as exc:
            self.post_message(ShiftRefused(describe(exc)))

    def _do(self, what: str, amount: str, shown: ShiftReport | None) -> ShiftShown:
        from serialpos.services import shifts

        db, actor, store = self.console.database(), self.session.actor, self.session.store
        if what == "open":
            view = shifts.open_shift(db, actor, store, amount)
            return ShiftShown(
                shifts.x_report(db, actor, store),
                f"shift {view.number} open with a float of {view.opening_float:,.2f}",
            )
        if what == "close":
            report = shifts.close_shift(db, actor, store, amount)
            said, warning = self._file_and_print(report)
            return ShiftShown(report, f"shift {report.number} closed: {said}", warning)
        if what == "print":
            assert shown is not None
            said, warning = self._file_and_print(shown, pdf=False)
            return ShiftShown(shown, said, warning)
        if shifts.current_shift(db, actor, store) is None:
            return ShiftShown(None)
        return ShiftShown(shifts.x_report(db, actor, store))

    def _file_and_print(self, report: ShiftReport, *, pdf: bool = True) -> tuple[str, str]:
        """The Z report as a PDF in the outbox, and on the receipt printer when there is one:
        (what was done, a warning when the printer failed; the shift stays as recorded)."""
        from serialpos.devices.receipt_printer import PrinterFailed, receipt_printer_settings
        from serialpos.printing.shift_report import write_shift_report
        from serialpos.services.receipts import print_shift_report

        config = self.console.terminal_config()
        done: list[str] = []
        if pdf:
            outbox = config.resolved_outbox()
            outbox.mkdir(parents=True, exist_ok=True)
            name = f"{report.kind}-{report.store_code}-shift-{report.number}.pdf"
            done.append(f"PDF {write_shift_report(report, outbox / name)}")
        printer = receipt_printer_settings(config)
        if printer is None:
            return "; ".join(done) or "no receipt printer is configured", ""
        try:
            print_shift_report(printer, report)
        except PrinterFailed as exc:
            return "; ".join(done), f"{exc.message}; print it again with F6"
        return "; ".join([*done, "printed"]), ""
