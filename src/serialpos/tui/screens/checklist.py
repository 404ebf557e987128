"""The receiving checklist: ONE screen for every way goods come in (an ASN, a blind receipt, a
transfer from another store), driving any :class:`~serialpos.services.receiving.ReceivingSession`.

**Continuous scanning.** Scan the product (its barcode, or type its SKU), then its serials;
each lands with no dialog to close: the message line says what happened (✓ and colour, or ✗
and the bell), the counts move, the serial shows under its product. A GS1 label carrying both
product and serial does both at once. A product without serials is counted: each scan of its
barcode is one unit, or type a number (``-2`` takes two back). A bare serial finds its own
product's line whichever product is selected (the ASN's listing, else the product whose unit
the ledger knows by it: ``services.receiving.line_for_serial``); a GS1 label or a pasted list
names its product, so there a serial listed for another product is refused.

**Errors and alerts** are said on the message line with the bell: a serial not on the document,
a serial already in stock (or sold) anywhere, one breaking the product's format, a product not
on the document, an unreadable scan; a serial scanned twice is an alert and counts once.

**In bulk.** A pasted list of serials (or a typed range ``SN1001-SN1100``) is checked whole for
the selected product: one bad entry refuses the list, naming it, and nothing from it lands.

**Keys.** Rescan clears the selected product's scans (after a confirmation); Receive all takes
every product without serials as arrived in full, and the units of a product whose serial is
optional not scanned as arrived without serials (the message names each), refused while a
unit whose serial is required is unscanned;
Complete asks first, listing any differences, and completes with them recorded. Afterwards the
document number is shown, and whether the event file was written. F10 again while the receipt
is being completed says "still working" and asks nothing (it asked again once the first had
answered, and a yes was refused with the bell over "received").

**Threads.** Every session call runs on a thread worker, one at a time and in the order asked
(:class:`~serialpos.tui.screens.base.OrderedJobs`), so fast scans land in scan order; the
worker chain also keeps which product is selected, so a product scan followed at once by its
serial cannot race. The list widget only reads the checklist and renders the rows on screen.

**Where the rules are.** What a scan or an entry means, and whether a unit may come in, is
decided by :class:`~serialpos.services.receiving_scans.ChecklistScans` on the worker; this
screen shows its outcomes. The completion dialog is
:class:`~serialpos.tui.screens.complete_receipt.CompleteDialog`, the head line
:class:`~serialpos.tui.widgets.checklist_head.ChecklistHead`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message

from serialpos.domain.quantity_entry import UnlikelyQuantity
from serialpos.services.receiving_scans import ChecklistScans, Outcome, Preview, UnknownBarcode
from serialpos.tui.backend import STILL_RUNNING
from serialpos.tui.keymap import keys
from serialpos.tui.screens.base import JobFailure, OrderedJobs
from serialpos.tui.screens.complete_receipt import CompleteDialog
from serialpos.tui.screens.kept_refusals import KeepsRefusals
from serialpos.tui.screens.serial_mode import Confirm
from serialpos.tui.widgets.checklist_head import ChecklistHead, unit_words
from serialpos.tui.widgets.checklist_view import ChecklistView
from serialpos.tui.widgets.key_footer import KeyFooter, KeyHints
from serialpos.tui.widgets.message_line import MessageLine
from serialpos.tui.widgets.serial_field import SerialField
from serialpos.tui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from serialpos.domain.checklist import Discrepancy
    from serialpos.services.receiving import CompletionResult, ReceivingSession
    from serialpos.tui.messages import ScanRead
    from serialpos.tui.screens.sale_dialogs.quick_create import NewProduct

Job = Callable[[], "Outcome | Preview | CompletionResult"]


class ChecklistScreen(KeepsRefusals):
    """Receive against a checklist; ``session`` is any ReceivingSession (ASN, blind, transfer).
    The constructor is the only thing other flows rely on: keep it stable."""

    DEFAULT_CSS = """
    ChecklistScreen #checklist-head { height: 1; padding: 0 1; }
    """
    TAKES_SCANS: ClassVar[bool] = True
    KEY_HINTS: ClassVar[KeyHints] = (("Enter", "Scan"), ("↑↓", "List"))
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("f4", "rescan", "Rescan"),
        Binding("f6", "receive_all", "Receive all"),
        Binding(keys("f10", "complete"), "complete", "Complete"),
        Binding("up", "list(-1)", "List", show=False),
        Binding("down", "list(1)", "List", show=False),
    ]

    @dataclass
    class Landed(Message):
        outcome: Outcome
        scan: bool = False  # the answer to a scan (kept with the refusals), not to a key

    @dataclass
    class Refused(Message):
        message: str
        code: str
        barcode: str | None = None
        found: list[Discrepancy] | None = None  # a completion refused for its differences
        scan: bool = False  # a scan's refusal: kept until seen (kept_refusals.py)
        doubt: UnlikelyQuantity | None = None  # a typed quantity to ask about first
        complete: bool = False  # the completion's refusal: F10 may ask again

    @dataclass
    class Previewed(Message):
        preview: Preview

    @dataclass
    class Completed(Message):
        result: CompletionResult

    @dataclass
    class Progress(Message):
        message: str

    def __init__(self, session: ReceivingSession, notice: str = "") -> None:
        super().__init__()
        self.receiving = session
        self.notice = notice or str(getattr(session, "journal_problem", ""))
        self.done: CompletionResult | None = None
        #: The completion was asked for and has not answered: F10 asks nothing meanwhile.
        self.completing = False
        self.scans = ChecklistScans(session, lambda: self.console.database(), self._progress)
        self.jobs = OrderedJobs(self, "checklist", self._refused)

    def compose(self) -> ComposeResult:
        yield StatusLine(self.receiving.title, self.session)
        yield ChecklistHead(id="checklist-head")
        yield SerialField(id="scan", placeholder="scan a product (barcode or SKU), Enter")
        yield MessageLine(id="message", mark_cut=True)
        yield ChecklistView(
            self.receiving.checklist,
            id="checklist",
            empty="nothing scanned yet: scan a product's barcode or type its SKU, then its serials",
        )
        yield KeyFooter()

    def on_mount(self) -> None:
        lines = self.receiving.checklist.lines
        notice = self.notice
        if len(lines) == 1:  # one product: its serials can be scanned straight away
            only = next(iter(lines))
            self.scans.current = only

            def select() -> Outcome:
                outcome = self.scans.selected(only, "")
                if notice:
                    outcome.message = ""  # the notice stays on the message line
                return outcome

            self.submit(select)
        self._show()
        self.focus_scan()
        if notice:
            self.show_error(notice)

    # -- reading the state -------------------------------------------------------------------
    @property
    def view(self) -> ChecklistView:
        return self.query_one(ChecklistView)

    @property
    def field(self) -> SerialField:
        return self.query_one(SerialField)

    def focus_scan(self) -> None:
        self.field.focus()

    def refusals_closed(self) -> None:
        self.focus_scan()

    def _show(self, changed: str | None = None) -> None:
        """The head's totals (only ``changed``'s line counted again, when given) and the
        field's prompt."""
        done = self.done.document if self.done is not None else None
        self.query_one(ChecklistHead).show(self.receiving.checklist, changed, done)
        self.field.fit_placeholder(*self._placeholders())

    def _placeholders(self) -> tuple[str, ...]:
        """The field's prompt, then shorter ones for a handheld's 38 columns (a long SKU)."""
        if self.done is not None:
            return ("completed: Esc to go back",)
        line = self.view.selected_line
        if line is None:
            return ("scan a product (barcode or SKU), Enter", "scan a product (barcode or SKU)")
        if line.serialized:
            return (f"scan {line.sku} serials, or a product", f"scan {line.sku} serials")
        return (f"how many {line.sku}? or scan a product", f"how many {line.sku}?")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "receive_all" and self.receiving.checklist.blind:
            return False  # nothing was announced: what is scanned is all there is
        if action in ("rescan", "receive_all", "complete"):
            return self.done is None
        return super().check_action(action, parameters)

    # -- the job chain -----------------------------------------------------------------------
    def submit(self, job: Job, busy: str | None = None, *, scan: bool = False) -> None:
        """Queue ``job``; ``scan``: it is a scan, whose refusal is kept until seen."""
        if busy:
            self.message_line.note(busy)

        def run() -> Message:
            answer = job()
            if isinstance(answer, Outcome):
                return self.Landed(answer, scan)
            if isinstance(answer, Preview):
                return self.Previewed(answer)
            return self.Completed(answer)

        self.jobs.submit(run, (lambda f: self._refused(f, scan=True)) if scan else None)

    def _refused(
        self, failure: JobFailure, *, scan: bool = False, complete: bool = False
    ) -> Message:
        error = failure.error
        barcode = error.barcode if isinstance(error, UnknownBarcode) else None
        doubt = error if isinstance(error, UnlikelyQuantity) else None
        found = getattr(error, "found", None)
        return self.Refused(failure.message, failure.code, barcode, found, scan, doubt, complete)

    def on_checklist_screen_landed(self, message: Landed) -> None:
        outcome = message.outcome
        self.view.sync(outcome.sku, outcome.missing, outcome.newest, to_newest=outcome.to_newest)
        self._show(None if outcome.full else outcome.sku)
        if message.scan:
            # A scan's answer: what rang the bell stays until seen (kept_refusals.py).
            if outcome.alert:
                self.scan_refused(outcome.message)
            elif outcome.warn:
                self.scan_warned(outcome.message)
            elif outcome.message:
                self.scan_said("note" if outcome.note else "ok", outcome.message)
        elif outcome.alert:
            self.show_error(outcome.message)
        elif outcome.warn:
            self.show_warning(outcome.message)
        elif outcome.note:
            self.message_line.note(outcome.message)
        elif outcome.message:
            self.message_line.ok(outcome.message)

    def on_checklist_screen_refused(self, message: Refused) -> None:
        if message.complete:
            self.completing = False
        self.view.sync()
        self._show()
        if message.code == "discrepancies" and message.found is not None:
            self._ask_to_complete(
                Preview(
                    self.receiving.checklist.received,
                    len(self.receiving.checklist.lines),
                    message.found,
                )
            )
            return
        if message.doubt is not None:
            self._ask_quantity(message.doubt)
            return
        new_product = message.barcode is not None and self.receiving.checklist.blind
        if message.scan and not new_product:
            self.scan_refused(message.message)
        else:  # a person's key, or a barcode the quick-create dialog now asks about
            self.show_error(message.message)
        if new_product and message.barcode is not None:
            self.quick_create(message.barcode)

    def on_checklist_screen_progress(self, message: Progress) -> None:
        self.message_line.note(message.message)

    def _progress(self, words: str) -> None:
        """How far a long pasted list's checks are (called from the worker)."""
        self.post_message(self.Progress(words))

    @property
    def current(self) -> str | None:
        """The selected product, as the job chain sees it."""
        return self.scans.current

    # -- input -------------------------------------------------------------------------------
    def _refuse_when_done(self) -> bool:
        if self.done is None:
            return False
        self.show_error(f"this receipt is complete ({self.done.document}): Esc to go back")
        return True

    @on(SerialField.Entered, "#scan")
    def submitted(self, event: SerialField.Entered) -> None:
        event.stop()
        text = event.value.strip()
        if self._refuse_when_done():
            return
        if not text:
            if not self.acknowledge():  # an empty Enter: the kept refusals were seen
                self.show_error("scan or type a product, a serial or a quantity, then Enter")
            return
        # Typed or scanned: the same keys, but a number is a quantity only when typed.
        self.take_scan(self.entered_scan(text, scanned=event.scanned))

    def take_scan(self, scan: ScanRead) -> None:
        if self.refuse_unreadable(scan) or self._refuse_when_done():
            return
        from serialpos.tui.scan_entry import entry_of

        entry = entry_of(scan)
        scanned = not scan.typed
        self.submit(
            lambda: self.scans.take(
                entry.text, entry.gtin, entry.serial, entry.run_on, scanned=scanned
            ),
            scan=True,
        )

    def _ask_quantity(self, doubt: UnlikelyQuantity) -> None:
        """A typed quantity too unlikely to take unasked (domain/quantity_entry.py): a person
        says yes (a scan cannot answer the question); no counts nothing."""
        text = doubt.text

        def answered(yes: bool | None) -> None:
            self.focus_scan()
            if not yes:
                self.message_line.note(f"'{text}' not counted")
                return
            self.submit(lambda: self.scans.take(text, None, None, scanned=False, sure=True))

        self.app.push_screen(Confirm(doubt.question), answered)

    def on_serial_field_list_pasted(self, message: SerialField.ListPasted) -> None:
        if self._refuse_when_done():
            return
        text = message.text
        # A paste is a person's act, read as it lands: its answer is said, not kept.
        self.submit(lambda: self.scans.take_list(text), "checking the pasted serials…")

    def on_serial_field_paste_refused(self, message: SerialField.PasteRefused) -> None:
        self.show_error(message.message)

    # -- the list ----------------------------------------------------------------------------
    def action_list(self, step: int) -> None:
        view = self.view
        if not view.has_focus:
            view.focus()
        else:
            view.action_move(step)

    def on_checklist_view_selected(self, message: ChecklistView.Selected) -> None:
        sku = message.sku
        self._show()

        def job() -> Outcome:
            outcome = self.scans.selected(sku, "", note=True)
            outcome.to_newest = False  # the cursor stays where the person put it
            return outcome

        self.submit(job)

    def on_checklist_view_typed(self, message: ChecklistView.Typed) -> None:
        field_ = self.field
        field_.focus()
        field_.value += message.character
        field_.cursor_position = len(field_.value)

    def on_checklist_view_done(self, message: ChecklistView.Done) -> None:
        self.focus_scan()

    # -- keys --------------------------------------------------------------------------------
    def action_back(self) -> None:
        if self.view.has_focus:
            self.focus_scan()
            return
        received = self.receiving.checklist.received
        if self.done is not None or getattr(self.receiving, "persist", False):
            self.dismiss()  # done, or its scans are saved as they are made (an ASN, a transfer)
            return
        if received == 0:
            self._give_up()
            return

        def answered(leave: bool | None) -> None:
            if leave:
                self._give_up()
            else:
                self.focus_scan()

        self.app.push_screen(
            Confirm(
                f"Leave {self.receiving.title} without completing it? The "
                f"{unit_words(received)} scanned here would not be received."
            ),
            answered,
        )

    def _give_up(self) -> None:
        """Leave a receipt that keeps a draft (a blind receipt): the draft goes with it."""
        discard = getattr(self.receiving, "discard", None)
        if callable(discard):
            discard()
        self.dismiss()

    def action_rescan(self) -> None:
        line = self.view.selected_line
        if line is None:
            self.show_error("select a product first (scan it, or pick it in the list)")
            return
        sku, count = line.sku, line.received

        def answered(yes: bool | None) -> None:
            self.focus_scan()
            if not yes:
                self.message_line.note(f"{sku} left as it was")
                return

            self.submit(lambda: self.scans.rescan(sku))

        self.app.push_screen(
            Confirm(f"Rescan {sku}: clear its {unit_words(count)} scanned and start it again?"),
            answered,
        )

    def action_receive_all(self) -> None:
        self.submit(self.scans.receive_all)

    def action_complete(self) -> None:
        if self.completing:  # completing already: neither asked nor completed again
            self.message_line.note(STILL_RUNNING)
            return
        self.submit(self.scans.preview)

    def on_checklist_screen_previewed(self, message: Previewed) -> None:
        if message.preview.units == 0 and not message.preview.discrepancies:
            self.show_error("nothing has been scanned or counted yet")
            return
        self._ask_to_complete(message.preview)

    def _ask_to_complete(self, preview: Preview) -> None:
        accept = bool(preview.discrepancies)

        def answered(yes: bool | None) -> None:
            self.focus_scan()
            if not yes:
                self.message_line.note("not completed: go on scanning")
                return
            self.completing = True
            self.message_line.note(f"completing: recording {unit_words(preview.units)}…")
            self.jobs.submit(
                lambda: self.Completed(self.receiving.complete(accept_discrepancies=accept)),
                lambda failure: self._refused(failure, complete=True),
            )

        self.app.push_screen(CompleteDialog(self.receiving.title, preview), answered)

    def on_checklist_screen_completed(self, message: Completed) -> None:
        self.completing = False
        result = message.result
        self.done = result
        self.view.sync()
        self._show()
        self.refresh_bindings()
        words = f"received {unit_words(result.received)}: {result.document}"
        if result.discrepancies:
            words += f", {len(result.discrepancies)} difference(s) recorded"
        if result.files.message:
            self.show_error(f"{words}; {result.files.message}")
        else:
            names = ", ".join(path.name for path in result.files.written) or "none owed"
            self.message_line.ok(f"{words}; event file written ({names})")

    # -- quick create (blind receipts) ---------------------------------------------------------
    def quick_create(self, barcode: str) -> None:
        from serialpos.tui.screens.sale_dialogs.quick_create import QuickCreate

        def entered(new: NewProduct | None) -> None:
            self.focus_scan()
            if new is None:
                # Said after the burst's kept refusals, never over them (F7 still lists them).
                self.scan_said("note", "no product created")
                return
            self.submit(
                lambda: self.scans.create_product(
                    self.session.actor, new.sku, new.name, new.price, new.serial_mode, new.barcode
                ),
                "creating the product…",
            )

        self.app.push_screen(QuickCreate(barcode), entered)
