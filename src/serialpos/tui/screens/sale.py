"""The counter sale: one field for scans and typing, the lines with their serial indicators,
the totals always in view; tender, fulfilment, park/resume, void, sale type and customer.

**Continuous scanning.** A scan (any scanner) or text + Enter is added by the orders service and
the line lands; the field is empty for the next one. No dialog has to be closed, except the one
the design asks for: with the auto-prompt setting on, a required-serial product opens serial
entry at once, which takes the next scan and closes itself.

**A serial scanned into the main field.** When the last added line needs a serial and still
lacks it (the prompt was escaped, or auto-prompt is off), a scan or typed text is first offered
to that line as its serial. If the service refuses it because it is not a serial of that
product at all (the product's own barcode, a bad format, an unknown or another product's unit)
it is added as an item instead — so scanning the next phone's box keeps working. A refusal
that is about *this* product's unit (already sold, reserved, duplicate) is shown with the bell
and nothing changes.

**Order.** Service calls run on the screen's job thread, one at a time and in the order they
were asked for (:class:`~serialpos.tui.screens.base.OrderedJobs`), so fast scans land as lines
in scan order.

**Rooms.** The order keys (pay, fulfil, the order menu and its keys, quick create) are done by
:class:`~serialpos.tui.screens.sale_keys.OrderKeys`; what a job hands back and how the head and
totals are worded is in :mod:`~serialpos.tui.screens.sale_outcome`; the jobs a scan or a
line's key hands the job thread, and the messages they answer by, are
:mod:`~serialpos.tui.screens.sale_jobs`; the dialogs are in
:mod:`~serialpos.tui.screens.sale_dialogs`, one per module.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input, Static

from serialpos.tui.keymap import keys
from serialpos.tui.screens import sale_jobs
from serialpos.tui.screens.base import JobFailure, OrderedJobs
from serialpos.tui.screens.sale_actions import SaleActions
from serialpos.tui.screens.sale_dialogs.serial_entry import SerialEntry
from serialpos.tui.screens.sale_held import HeldLines
from serialpos.tui.screens.sale_jobs import Changed, OnItsWay, Refused
from serialpos.tui.screens.sale_keys import OrderKeys
from serialpos.tui.screens.sale_outcome import (
    Job,
    awaiting_line,
    head_text,
    missing_required,
    serial_entry_outcome,
    status_of,
    totals_text,
)
from serialpos.tui.screens.sale_search import CounterSearch
from serialpos.tui.widgets.in_place import show_text
from serialpos.tui.widgets.key_footer import KeyFooter, KeyHints
from serialpos.tui.widgets.message_line import MessageLine
from serialpos.tui.widgets.sale_lines import SaleLines
from serialpos.tui.widgets.scan_input import ScanInput
from serialpos.tui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from serialpos.services.orders import OrderView
    from serialpos.services.orders.views import AddResult
    from serialpos.tui.messages import ScanRead


class SaleScreen(SaleActions):
    """Ring up an order. Arrows go to the lines; keys act on the line under the cursor."""

    KEY_HINTS: ClassVar[KeyHints] = (("Enter", "Add"), ("↑↓", "Lines"))
    #: Seconds a scan's answer may take before its provisional row ("… serial adding") is
    #: drawn. A scan is answered in a few milliseconds: drawing the provisional row at once
    #: cost a frame per scan (the list's rows all move up) on the screen's thread while the
    #: job ran on its own, and the confirmed line replaced it a frame later (issue 15: the
    #: line in the frame after the service answers). A slow answer (a busy database) still
    #: shows the scan was taken, well within the 50 ms the provisional row is held to.
    PROVISIONAL_AFTER: ClassVar[float] = 0.02
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding(keys("f9", "pay"), "pay", "Pay"),
        Binding(keys("f10", "fulfil"), "fulfil", "Fulfil"),
        Binding(keys("f6", "menu"), "menu", "Order…"),
        Binding(keys("f8", "pdf"), "pdf", "PDF"),
        # Also listed, with their letters, in the order menu (F6/^T).
        Binding("f3", "sale_type", "Type", show=False),
        Binding("f4", "customer", "Customer", show=False),
        Binding(keys("f5", "park"), "park", "Park", show=False),
        Binding("f7", "void", "Void", show=False),
        Binding("up", "lines(-1)", "Lines", show=False),
        Binding("down", "lines(1)", "Lines", show=False),
    ]

    def __init__(self, order: str | None = None) -> None:
        super().__init__()
        self.view: OrderView | None = None
        self.order_no: str | None = order  # read and written by the workers, in turn
        self.sale_type = "sale"
        self.delivery = "cash_and_carry"
        self.last_added: int | None = None
        #: Worker side (read and written by the jobs, in turn): the line the last job added
        #: while it still needs its serial. A serial scanned a few ms after its product goes
        #: there even before the screen has shown the line or opened the serial prompt.
        self.awaiting: int | None = None
        self.filled: set[int] = set()  # lines whose serial a field scan recorded (UI side)
        self.last_invoice: str | None = None
        #: The change of the sale just finished, and its order: in the totals line until the
        #: next sale starts (a message line is overwritten by the next thing said).
        self.change_due: Decimal | None = None
        self.change_order: str | None = None
        #: What to do once the order is parked or voided on the way out (home, log out).
        self.after_finish: Callable[[], object] | None = None
        #: What the bindings were last refreshed for (see _refresh_keys_if_changed).
        self._keys_for: tuple[str | None, bool, str, bool] | None = None
        self.keys = OrderKeys(self)
        self.held_lines = HeldLines(self)  # a product scanned first, held for its serial
        self.search = CounterSearch(self)
        self.jobs = OrderedJobs(self, "sale", lambda f: Refused(f.message, f.code))
        #: Scans handed to the service and not answered yet, oldest first (UI side).
        self.on_its_way: deque[OnItsWay] = deque()

    def compose(self) -> ComposeResult:
        yield StatusLine("Sale", self.session)
        yield Static(head_text(None, self.sale_type, self.delivery), id="order-head", markup=False)
        yield ScanInput(id="scan", placeholder="scan, or type barcode/SKU/name/serial")
        yield MessageLine(id="message")
        yield SaleLines(id="lines")
        yield Static(totals_text(None, width=self.totals_width()), id="totals", markup=False)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.focus_scan()

    def totals_width(self) -> int:
        """The totals row's columns (the terminal's, less the row's padding of one a side)."""
        return max(self.app.size.width - 2, 1)

    def on_resize(self) -> None:
        # The totals' words fit the new width (a terminal window made narrower or wider).
        show_text(
            self.query_one("#totals", Static),
            totals_text(self.view, self.change_due, self.totals_width()),
        )
        if self.order_no is not None:
            self.keys.open_existing(self.order_no)

    @property
    def lines(self) -> SaleLines:
        return self.query_one(SaleLines)

    def focus_scan(self) -> None:
        self.query_one("#scan", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        has_order = self.view is not None and status_of(self.view) in ("open", "parked")
        if action == "pdf":
            return self.last_invoice is not None
        if action == "pay":  # a fulfilled order that owes (a till's refunded void) takes it
            return has_order or (
                self.view is not None
                and status_of(self.view) == "fulfilled"
                and self.view.totals.due > 0
            )
        if action in ("park", "void"):
            return has_order
        if action == "fulfil":
            # A sale is fulfilled by F9 Pay; with nothing due (an exchange's credit covers
            # it) there is nothing to pay, and F10/^F finish it as the footer then says.
            return has_order and (self.sale_type != "sale" or self._nothing_due())
        return True

    def _nothing_due(self) -> bool:
        """Whether the order on screen has lines and nothing left to pay."""
        view = self.view
        return view is not None and bool(view.lines) and view.totals.due <= 0

    # -- running service calls, one at a time ------------------------------------------------
    def submit(
        self,
        job: Job,
        busy: str | None = None,
        pending: str | None = None,
        *,
        takes_held: bool = False,
        refused_to: Callable[[str, str, Exception], None] | None = None,
        then: Callable[[], None] | None = None,
    ) -> None:
        """Run ``job`` on the job thread in turn. A line held for its serial is written
        without it first (sale_held.py), unless the job ``takes_held`` (a scan, the held
        line's prompt, its commit); ``refused_to``: the job's refusal goes there, not to
        the screen; ``then``: called on the job thread once its answer is posted."""
        if busy:
            self.message_line.note(busy)
        if pending is not None:
            way = OnItsWay(pending)
            self.on_its_way.append(way)
            way.timer = asyncio.get_running_loop().call_later(
                self.PROVISIONAL_AFTER, self._show_provisional, way
            )
        provisional = pending is not None
        committed: list[AddResult] = []  # the held line, written before the job

        def run() -> Message:
            db, actor = self.console.database(), self.session.actor
            try:
                if not takes_held:
                    first = self.held_lines.commit_first(db, actor)
                    committed.extend([first] if first is not None else [])
                outcome = job(db, actor, self.order_no)
            except BaseException:
                self.awaiting = None
                raise
            self.held_lines.keep(outcome.held, db, actor)
            self.awaiting = awaiting_line(outcome)
            if outcome.finished:
                self.order_no = None
            elif outcome.view is not None:
                self.order_no = outcome.view.order
            return Changed(outcome, provisional, committed[0] if committed else None)

        def refused(failure: JobFailure) -> Message | None:
            error = failure.error
            if refused_to is not None:
                refused_to(failure.message, failure.code, error)
                return None
            return Refused(
                failure.message,
                failure.code,
                getattr(error, "scanned_barcode", None),
                provisional,
                getattr(error, "waiting_line", None),
                getattr(error, "scanned_text", None),
                committed[0] if committed else None,
            )

        self.jobs.submit(run, refused, then=then)

    def unhold(self, then: Callable[[], object] | None = None) -> None:
        """Write the held line without its serial (if one is held), then ``then``."""
        self.held_lines.unhold(then)

    def on_unmount(self) -> None:
        # Leaving the sale (signed out, idle) with a line held: it is written as the add
        # wrote it, so the order holds what the cashier saw.
        self.held_lines.leaving()

    def _show_provisional(self, way: OnItsWay) -> None:
        """The scan's answer is late: its provisional row is drawn in the next frame."""
        way.timer = None
        if way in self.on_its_way and self.is_attached:
            way.shown = True
            self.lines.add_pending(way.text)
            self.draw_now(self.lines)

    def _landed(self) -> bool:
        """The oldest scan on its way has its answer: whether its provisional row is on
        screen (to go with the answer); if not, it never will be."""
        if not self.on_its_way:
            return False
        way = self.on_its_way.popleft()
        if way.timer is not None:
            way.timer.cancel()
            way.timer = None
        return way.shown

    def on_sale_screen_changed(self, message: Changed) -> None:
        outcome = message.outcome
        self.held_lines.answer(message.committed, outcome.held, outcome.held_done, outcome.view)
        shows_view = outcome.view is not None or outcome.finished
        lists = outcome.show_orders or outcome.choices or outcome.order_found is not None
        provisional = message.pending and self._landed()
        if provisional and (lists or not shows_view):
            self.lines.drop_pending()  # else it goes with the lines shown (one drawing)
        if outcome.show_orders:
            self.keys.choose_order(outcome.orders)
            return
        if outcome.choices:
            self.search.choose(outcome.typed, outcome.choices, outcome.more_choices)
            return
        if outcome.order_found is not None:
            self.search.found_order(outcome.order_found)
            return
        if outcome.confirm is not None:
            self._ask(*outcome.confirm)
        if outcome.invoice:
            self.last_invoice = outcome.invoice
            self.lines.marked.clear()
        if outcome.change_due and outcome.view is not None:
            self.change_due, self.change_order = outcome.change_due, outcome.view.order
        if shows_view:
            self.show_view(outcome.view, outcome.cursor_line, pending_done=provisional)
        if outcome.added:
            self.last_added = outcome.cursor_line
        if outcome.note:
            self.message_line.show(outcome.note_kind, outcome.note)
        if outcome.refusal is not None:  # the held line is written; then this was refused
            error = outcome.refusal
            waiting, text = (
                getattr(error, "waiting_line", None),
                getattr(error, "scanned_text", None),
            )
            self._refused(error.message, error.code, None, waiting, text)
        if outcome.filled_line is not None:
            self._close_prompt_of(outcome.filled_line, outcome.view)
        if outcome.prompt_line is not None and outcome.prompt_line not in self.filled:
            self.prompt_serial(outcome.prompt_line)
        self._refresh_keys_if_changed()
        # The answer the cashier waits for is drawn in the next frame, not a timer tick later.
        head, totals = self.query_one("#order-head"), self.query_one("#totals")
        self.draw_now(self.lines, head, totals, self.message_line)
        self.held_lines.answered(outcome)  # keys that waited for the held line's commit
        leave = self.after_finish
        if leave is not None and outcome.finished:
            self.after_finish = None
            leave()  # parked or voided on the way out: now go

    def _ask(self, question: str, then: Callable[[], None]) -> None:
        """A yes/no before a job is done again (sale_keys.py: change beyond the drawer)."""
        from serialpos.tui.screens.serial_mode import Confirm

        def answered(yes: bool | None) -> None:
            self.focus_scan()
            if yes:
                then()
            else:
                self.message_line.note("not given: nothing changed")

        self.message_line.note(question)
        self.app.push_screen(Confirm(question), answered)

    def _refresh_keys_if_changed(self) -> None:
        """Refresh the bindings (and so the footer) when what :meth:`check_action` decides
        from may have changed; a scan into an open order changes none of it, and working out
        the footer's keys again per scan cost more than drawing the scanned line."""
        status = status_of(self.view) if self.view is not None else None
        key = (status, self.last_invoice is not None, self.sale_type, self._nothing_due())
        if key != self._keys_for:
            self._keys_for = key
            self.refresh_bindings()

    def _close_prompt_of(self, line_id: int, view: OrderView | None) -> None:
        """The serial prompt that opened for a line whose serial a scan in the field has
        since recorded (it was sent before the prompt opened) closes as recorded."""
        self.filled.add(line_id)
        dialog = self.app.screen
        if isinstance(dialog, SerialEntry) and dialog.line.line == line_id and view is not None:
            dialog.dismiss(view)

    def show_view(
        self, view: OrderView | None, cursor_line: int | None = None, pending_done: bool = False
    ) -> None:
        self.view = view
        if view is None or view.order != self.change_order:
            self.change_due = self.change_order = None  # the next sale started (or none is on)
        if view is not None:
            self.sale_type = str(getattr(view.type, "value", view.type))
            self.delivery = str(getattr(view.delivery, "value", view.delivery))
        # The head and the totals keep their rows on a scan: painted alone, no layout.
        head = head_text(view, self.sale_type, self.delivery)
        show_text(self.query_one("#order-head", Static), head)
        self.lines.show_lines(view.lines if view is not None else [], cursor_line, pending_done)
        totals = totals_text(view, self.change_due, self.totals_width())
        show_text(self.query_one("#totals", Static), totals)

    def jump_to_missing(self) -> None:
        missing = missing_required(self.view)
        if missing:
            self.lines.go_to(missing[0].line)
            self.lines.focus()

    # -- adding items ----------------------------------------------------------------------
    @on(ScanInput.Entered, "#scan")
    def submitted(self, event: ScanInput.Entered) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            self.show_error("scan or type a barcode, SKU, product name or serial, then Enter")
            return
        self.take_scan(self.entered_scan(text))  # typed or scanned: the same keys

    def take_scan(self, scan: ScanRead) -> None:
        if self.refuse_unreadable(scan):
            return
        from serialpos.tui.scan_entry import entry_of

        entry = entry_of(scan)
        if entry.labelled:
            self.add_text(None, barcode=entry.gtin, serial=entry.serial)
        else:
            # A product barcode goes as its scanned text: the orders service reads it.
            self.add_text(scan.decoded.text or str(scan.raw))

    def _waiting_line(self) -> int | None:
        """The last added line, when it still needs its required serial."""
        return sale_jobs.waiting_line(self.view, self.last_added)

    def add_text(
        self, text: str | None, barcode: str | None = None, serial: str | None = None
    ) -> None:
        shown_waiting = self._waiting_line() if text is not None else None
        job = sale_jobs.add_job(
            self.session.store,
            self.sale_type,
            self.delivery,
            text,
            barcode,
            serial,
            # Read when the job runs: the line the previous job added, if it still waits.
            lambda: self.awaiting or shown_waiting,
            lambda: self.held_lines.held,  # (read when the job runs, as the line above)
        )
        self.submit(job, pending=text if text is not None else f"{barcode} {serial}")

    def prompt_serial(
        self, line_id: int, serial: str | None = None, refusal: str | None = None
    ) -> None:
        view = self.view
        if view is None:
            return
        line = next((ln for ln in view.lines if ln.line == line_id), None)
        if line is None:
            return
        self.last_added = line_id

        def done(result: OrderView | None) -> None:
            if self.awaiting == line_id:
                self.awaiting = None  # the prompt had its say: a later scan is no longer its
            self.message_line.show(*serial_entry_outcome(line, result))
            if result is not None:
                self.show_view(result, line_id)
            self.focus_scan()

        self.app.push_screen(SerialEntry(view.order, line, serial, refusal), done)
