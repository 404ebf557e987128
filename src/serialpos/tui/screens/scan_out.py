"""What the scan-out flows share (a transfer being picked, a return to vendor, an adjustment):
one continuous scanning loop and a list of the units scanned.

**The loop.** Scan (or type) a product, then its serials; or scan a bare serial and the unit is
found by it. Each scan lands with no dialog to close: ✓ and colour on the message line and the
count moves, or ✗ and the bell with the reason (garbage, a product label scanned as a serial, a
serial of another product, a unit not in stock here). A scan's refusal is kept on the message
line until seen, so one in the middle of a scanner's burst is not lost (kept_refusals.py). A
product moved as a quantity (no serials, or serialized inventory off at this store) is counted:
each scan of its barcode is one unit, or type a number (``-2`` takes two back). A pasted list
or a range (``SN1001-SN1100``) is checked whole: one bad entry refuses it, naming the entry,
and nothing from it lands.

**Take off** (F3) turns the next scans into removals from the list, until pressed again.

**The list** shows the units scanned, newest first, drawing only the rows on screen, so a
document of 10,000 units costs what 16 rows cost; the head line carries the counts.

**Threads.** Every database call runs on a thread worker, one at a time in the order asked
(:class:`~serialpos.tui.screens.base.OrderedJobs`), so fast scans land in scan order; the
worker side (scan_out_work.py) owns the list of units.

**Finished once.** F10 (and yes) again while the document is being recorded is told "still
working" and asks nothing: it queued a second finish behind the first, which posted the same
document again (an adjustment of three cases found added six, as two documents).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Static

from serialpos.tui.backend import STILL_RUNNING
from serialpos.tui.keymap import keys
from serialpos.tui.screens.scan_out_entries import Counted, Entry, Newest, counted_lines, units
from serialpos.tui.screens.scan_out_work import ScanOutWork
from serialpos.tui.widgets.count_list import CountList
from serialpos.tui.widgets.key_footer import KeyFooter, KeyHints
from serialpos.tui.widgets.message_line import MessageLine
from serialpos.tui.widgets.serial_field import SerialField
from serialpos.tui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from serialpos.tui.messages import ScanRead


class ScanOutScreen(ScanOutWork):
    """The loop; subclasses say what a scan does to their document (the hooks below)."""

    DEFAULT_CSS = """
    ScanOutScreen #scan-head { height: 1; padding: 0 1; }
    """
    TAKES_SCANS: ClassVar[bool] = True
    KEY_HINTS: ClassVar[KeyHints] = (("Enter", "Scan"), ("↓", "List"))
    #: True when each scan is saved as it is made (a transfer): leaving loses nothing.
    KEEPS_SCANS: ClassVar[bool] = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("f3", "take_off", "Take off"),
        Binding(keys("f10", "finish"), "finish", "Finish"),
        Binding("down", "list", "List", show=False),
    ]

    # -- what subclasses say ----------------------------------------------------------------
    @property
    def title_text(self) -> str:
        return "Scan out"

    def head_words(self) -> str:
        """The document's part of the head line (vendor, destination, reason)."""
        return ""

    def finish_question(self) -> str | None:
        """A question to confirm before finishing, or None to finish at once."""
        return None

    # -- layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield StatusLine(self.title_text, self.session)
        yield Static("", id="scan-head", markup=False)
        yield SerialField(id="scan", placeholder=self.placeholder())
        yield MessageLine(id="message", mark_cut=True)
        yield CountList(id="units")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.list_units()
        self.show_state()
        self.field.focus()
        self.mounted()

    def mounted(self) -> None:
        """A subclass's own start (Textual calls every class's ``on_mount``: not that)."""

    @property
    def field(self) -> SerialField:
        return self.query_one("#scan", SerialField)

    @property
    def unit_list(self) -> CountList:
        return self.query_one("#units", CountList)

    def list_units(self) -> None:
        """The list shows the document's units: the scanned ones newest first, then the
        products counted without serials (:meth:`show_state` keeps those up to date)."""
        self.listed = Newest(self.entries, counted_lines(self.quantities))
        self.unit_list.show(
            "",
            self.listed,
            self._row,
            empty="nothing scanned yet: scan a unit, or a product first",
        )

    def _row(self, entry: Entry | Counted, width: int) -> str:
        mark = "+" if entry.sign > 0 else "−"
        if isinstance(entry, Counted):
            return f"{mark} {entry.sku} × {entry.quantity:,}"
        return f"{mark} {entry.sku} {entry.serial}"

    def show_state(self) -> None:
        head = Text(no_wrap=True, overflow="ellipsis")
        if self.done is not None:
            head.append(f"✓ {self.done}", style="bold")
        else:
            if self.taking_off:
                head.append("TAKE OFF ", style="reverse")
            head.append(units(self.counted()), style="bold")
        words = self.head_words()
        if words:
            head.append(f" · {words}")
        self.query_one("#scan-head", Static).update(head)
        if self.unit_list.items is self.listed:  # (adjustments list their reasons first)
            self.listed.counted = counted_lines(self.quantities)
        self.unit_list.title = self.list_title()
        self.unit_list.refresh()
        self.field.fit_placeholder(self.placeholder(), *self.short_placeholder())

    def list_title(self) -> str:
        counts = f"{len(self.entries):,} scanned"
        quantities = sum(self.quantities.values())
        if quantities:
            counts += f", {quantities:,} counted"
        return f"Units ({counts}), newest first"

    def placeholder(self) -> str:
        if self.done is not None:
            return "done: Esc to go back"
        product = self.current
        verb = "take off" if self.taking_off else "scan"
        if product is None:
            return f"{verb} a unit, or a product first"
        if product.by_serial:
            return f"{verb} {product.sku} serials, or a product"
        return f"how many {product.sku}? or scan a product"

    def short_placeholder(self) -> tuple[str, ...]:
        """The product's prompt without "or a product", for a field too narrow for it (a
        long SKU on a handheld): what to scan or type next stays whole."""
        product = self.current
        if self.done is not None or product is None:
            return ()
        verb = "take off" if self.taking_off else "scan"
        return (
            (f"{verb} {product.sku} serials",)
            if product.by_serial
            else (f"how many {product.sku}?",)
        )

    # -- the job chain -----------------------------------------------------------------------
    def submit(
        self, job: Callable[[], Message], busy: str | None = None, *, scan: bool = False
    ) -> None:
        """Queue ``job``; ``scan``: it is a scan, whose refusal is kept until seen."""
        if busy:
            self.message_line.note(busy)
        if not scan:
            self.jobs.submit(job)
            return

        def run() -> Message:
            answer = job()
            if isinstance(answer, self.Landed):
                answer.scan = True
            return answer

        self.jobs.submit(run, lambda failure: self.job_refusal(failure, scan=True))

    def _finish(self) -> None:
        """Queue the document's finish; until it answers, F10 asks nothing (:attr:`finishing`)."""
        self.finishing = True
        self.message_line.note("recording…")
        self.jobs.submit(
            lambda: self.finish_job(self.console.database()),
            lambda failure: self.job_refusal(failure, finish=True),
        )

    def on_scan_out_screen_landed(self, message: ScanOutWork.Landed) -> None:
        self.show_state()
        if message.scan:  # what rang the bell stays until seen (kept_refusals.py)
            if message.alert:
                self.scan_refused(message.message)
            else:
                self.scan_said("note" if message.note else "ok", message.message)
        elif message.alert:
            self.show_error(message.message)
        elif message.note:
            self.message_line.note(message.message)
        else:
            self.message_line.ok(message.message)

    def on_scan_out_screen_refused(self, message: ScanOutWork.Refused) -> None:
        if message.finish:
            self.finishing = False
        self.show_state()
        if message.doubt is not None:
            self._ask_quantity(message.doubt.question, message.doubt.text)
            return
        if message.scan:
            self.scan_refused(message.message)
        else:
            self.show_error(message.message)

    def refusals_closed(self) -> None:
        self.field.focus()

    def on_scan_out_screen_finished(self, message: ScanOutWork.Finished) -> None:
        self.finishing = False
        self.done = message.document
        self.show_state()
        self.refresh_bindings()
        if message.warning:
            self.show_error(f"{message.message}; {message.warning}")
        else:
            self.message_line.ok(message.message)

    # -- input (screen side) -----------------------------------------------------------------
    def refuse_when_done(self) -> bool:
        if self.done is None:
            return False
        self.show_error(f"{self.done} is done: Esc to go back")
        return True

    @on(SerialField.Entered, "#scan")
    def submitted(self, event: SerialField.Entered) -> None:
        event.stop()
        text = event.value.strip()
        if self.take_entry(text) or self.refuse_when_done():
            return
        if not text:
            if not self.acknowledge():  # an empty Enter: the kept refusals were seen
                self.show_error("scan or type a product, a serial or a quantity, then Enter")
            return
        # Typed or scanned: the same keys, but a number is a quantity only when typed.
        self.take_scan(self.entered_scan(text, scanned=event.scanned))

    def _ask_quantity(self, question: str, text: str) -> None:
        """A typed quantity too unlikely to take unasked (domain/quantity_entry.py): a person
        says yes (a scan cannot answer the question); no counts nothing."""
        from serialpos.tui.screens.serial_mode import Confirm

        def answered(yes: bool | None) -> None:
            self.field.focus()
            if not yes:
                self.message_line.note(f"'{text}' not counted")
                return
            self.submit(lambda: self._take(text, None, None, scanned=False, sure=True))

        self.app.push_screen(Confirm(question), answered)

    def take_entry(self, text: str) -> bool:
        """A subclass's own use of the field before scanning starts (vendor, reason...):
        True when it took the text."""
        return False

    def take_scan(self, scan: ScanRead) -> None:
        if self.refuse_unreadable(scan):
            return
        if self.take_entry_scan(scan) or self.refuse_when_done():
            return
        from serialpos.tui.scan_entry import entry_of

        entry = entry_of(scan)
        # A product barcode goes by its GTIN alone: scan-out never takes it as text.
        text = None if entry.gtin is not None else entry.text
        scanned = not scan.typed
        self.submit(
            lambda: self._take(
                text, entry.gtin, entry.serial, scanned=scanned, run_on=entry.run_on
            ),
            scan=True,
        )

    def take_entry_scan(self, scan: ScanRead) -> bool:
        """Before scanning starts, a scan is typed into the field (a vendor's barcode)."""
        return False

    def on_serial_field_list_pasted(self, message: SerialField.ListPasted) -> None:
        if self.take_entry(message.text.strip()) or self.refuse_when_done():
            return
        text = message.text
        self.submit(lambda: self._take_list(text), "checking the pasted serials…")

    def on_serial_field_paste_refused(self, message: SerialField.PasteRefused) -> None:
        self.show_error(message.message)

    # -- keys --------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("take_off", "finish"):
            return self.done is None
        return super().check_action(action, parameters)

    def action_list(self) -> None:
        if self.unit_list.has_focus:
            self.unit_list.action_move(1)
        else:
            self.unit_list.focus()

    def action_back(self) -> None:
        if self.unit_list.has_focus:
            self.field.focus()
            return
        if self.done is not None or self.KEEPS_SCANS or not self.counted():
            self.dismiss()
            return
        from serialpos.tui.screens.serial_mode import Confirm

        def answered(leave: bool | None) -> None:
            if leave:
                self.dismiss()
            else:
                self.field.focus()

        self.app.push_screen(
            Confirm(
                f"Leave without recording? The {units(self.counted())} "
                "scanned here are not recorded."
            ),
            answered,
        )

    def action_take_off(self) -> None:
        self.taking_off = not self.taking_off
        self.show_state()
        if self.taking_off:
            self.message_line.note(
                "take off: scan the units to take off the list (F3 again to go back to scanning)"
            )
        else:
            self.message_line.note("scanning units on again")
        self.field.focus()

    def action_finish(self) -> None:
        if self.refuse_when_done():
            return
        if self.finishing:  # recording already: neither asked nor recorded again
            self.message_line.note(STILL_RUNNING)
            return
        question = self.finish_question()
        if question is None:
            self._finish()
            return
        from serialpos.tui.screens.serial_mode import Confirm

        def answered(yes: bool | None) -> None:
            self.field.focus()
            if yes:
                self._finish()
            else:
                self.message_line.note("not yet: go on scanning")

        self.app.push_screen(Confirm(question), answered)
