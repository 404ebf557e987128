"""Cycle counts at the console: open a count (the whole store or chosen products) or resume
one left open, start a batch with the counter's name, scan continuously, review the
reconciliation class by class, and approve it (managers and admins).

Scanning is a loop with no dialog to close: scan, see the unit land on the list (newest
first) and the batch total, scan the next. A refusal or an alert (a serial scanned twice in
this batch, a serial another batch counted) is said on the message line with the bell, and
the next scan is taken at once. Every scan is stored as it is taken, so a count survives a
closed terminal. The reconciliation lists render only the rows on screen (CountList), however
many units a list holds. The workers that call the counts service, and the messages they
answer by, are tui/screens/count_workers.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from serialpos.domain.count_since_review import changed_since_review
from serialpos.domain.text import clip, visible
from serialpos.domain.users import ROLE_PERMISSIONS, Permission
from serialpos.tui.backend import still_running
from serialpos.tui.keymap import keys
from serialpos.tui.screens.base import OrderedJobs
from serialpos.tui.screens.count_words import (
    CLASS_TITLES,
    CLASSES,
    PLACEHOLDERS,
    SHORT_PLACEHOLDERS,
    LogEntry,
    item_row,
    log_row,
    plural,
    summary,
)
from serialpos.tui.screens.count_workers import (
    APPROVING,
    Approved,
    BatchStarted,
    Changed,
    CountWorkers,
    Loaded,
    QuantityAsked,
    Reviewed,
    Scanned,
    ScanRefused,
    scan_not_taken,
)
from serialpos.tui.widgets.count_list import CountList
from serialpos.tui.widgets.key_footer import KeyFooter, KeyHints
from serialpos.tui.widgets.message_line import MessageLine
from serialpos.tui.widgets.scan_input import ScanInput
from serialpos.tui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from serialpos.services.counts import CountInfo, Reconciliation
    from serialpos.tui.messages import ScanRead


class CountsScreen(CountWorkers):
    """Open or resume, batch, scan, review, approve."""

    TAKES_SCANS: ClassVar[bool] = True
    KEY_HINTS: ClassVar[KeyHints] = (("Enter", "Go"),)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding(keys("f5", "new_batch"), "new_batch", "Batch"),
        Binding("f6", "review", "Review"),
        Binding(keys("f9", "approve"), "approve", "Approve"),
        Binding("left", "turn(-1)", "List", show=False),
        Binding("right", "turn(1)", "List", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.stage = "start"
        self.count: CountInfo | None = None
        self.batch_no: int | None = None
        self.current: str | None = None
        self.open_counts: list[CountInfo] = []
        self.scan_log: list[LogEntry] = []
        self.result: Reconciliation | None = None
        self.list_index = 0
        self.confirming = False
        self.jobs = OrderedJobs(self, "counts-scan", scan_not_taken)
        self._worker_current: str | None = None  # the product chosen by the latest scan

    def compose(self) -> ComposeResult:
        yield StatusLine("Count", self.session)
        yield Static("", id="count-head", markup=False)
        yield ScanInput(id="count-input", placeholder=PLACEHOLDERS["start"])
        yield MessageLine(id="message", mark_cut=True)
        yield CountList(id="count-list")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.field.focus()
        self._head()
        self._load(None, None)

    # -- view ---------------------------------------------------------------------------
    @property
    def field(self) -> ScanInput:
        return self.query_one("#count-input", ScanInput)

    @property
    def listing(self) -> CountList:
        return self.query_one(CountList)

    def _head(self) -> None:
        count = self.count
        if count is None:
            words = f"no count open · store {visible(self.session.store)}"
        elif self.stage == "review" and self.result is not None:
            state = "approved" if self.result.approved else "to approve"
            words = f"{count.number} {state} · {summary(self.result, self.size.width < 60)}"
        else:
            batch = "no batch" if self.batch_no is None else f"batch {self.batch_no}"
            product = f" · {self.current}" if self.current and self.stage == "scan" else ""
            words = f"{count.number} · {visible(count.scope)} · {batch}{product}"
        self.query_one("#count-head", Static).update(Text(words))
        wordings = [PLACEHOLDERS.get(self.stage, ""), SHORT_PLACEHOLDERS.get(self.stage, "")]
        if self.stage == "start" and self.open_counts:
            number = self.open_counts[-1].number
            wordings = [
                f"Enter resumes {number} · N new · SKUs: count those",
                f"Enter resumes {number} · N new · SKUs",
                "Enter resumes the last · N new · SKUs",  # the list below names it
            ]
        self.field.fit_placeholder(*(w for w in wordings if w))
        self.field.display = self.stage != "review"
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "new_batch":
            return self.count is not None and not self.count.approved
        if action == "review":
            return self.count is not None and self.stage != "review"
        if action == "approve":
            return self.stage == "review" and self.result is not None and not self.result.approved
        if action == "turn":
            return self.stage == "review"
        return super().check_action(action, parameters)

    def _show_start(self) -> None:
        items = self.open_counts
        self.listing.show(
            f"Open counts at {visible(self.session.store)}",
            items,
            lambda c, _w: f"{c.number} · {c.scope} · {plural(len(c.batches), 'batch')}",
            empty="none: Enter opens a count of the whole store",
        )

    def _show_log(self) -> None:
        title = (
            "Scans (newest first)"
            if self.batch_no is None
            else f"Batch {self.batch_no} scans (newest first)"
        )
        self.listing.show(title, self.scan_log, log_row, empty="scan a product, then its serials")

    def _show_class(self) -> None:
        result = self.result
        if result is None:
            return
        name = CLASSES[self.list_index]
        items = getattr(result, name)
        self.listing.show(
            f"{CLASS_TITLES[name]} ({len(items)}) ←→",
            items,
            item_row,
            empty=f"no {CLASS_TITLES[name].lower()}",
        )

    # -- input --------------------------------------------------------------------------
    @on(ScanInput.Entered, "#count-input")
    def submitted(self, event: ScanInput.Entered) -> None:
        event.stop()
        text = event.value.strip()
        if self.stage == "start":
            if text.upper().startswith("C-"):
                self._load(None, text)
            elif not text and self.open_counts:
                self._load(None, self.open_counts[-1].number)  # the latest, left open
            elif text.lower() in ("n", "new"):
                self._open(None)
            else:
                skus = [s for s in text.replace(",", " ").split() if s] or None
                self._open(skus)
        elif self.stage == "counter":
            if not text:
                self.show_error("type the counter's name, then Enter")
                return
            self._start_batch(text)
        elif self.stage == "scan":
            if not text:
                if not self.acknowledge():  # an empty Enter: the kept refusals were seen
                    self.show_error("scan a product or a serial (or type it), then Enter")
                return
            # Typed or scanned: the same keys, but a bare number may be a quantity only typed.
            self.take_scan(self.entered_scan(text, scanned=event.scanned))

    @property
    def REFUSES_SCANS(self) -> bool:
        """While the batch's counter is asked for, the name field is a form a person fills
        in: a wedge scan is told from typing (tui/scanners.py) and refused, never typed in
        as the counter's name (the verify walk's first serial became the name, uncounted)."""
        return getattr(self, "stage", "start") == "counter"

    @property
    def TAKES_PASTED_TEXT(self) -> bool:
        """The name field takes text pasted in one write (no bracketed paste), as the return
        to vendor's fields do (tui/scanners.py): it arrives at a scanner's pace without an
        Enter and was dropped as a scan cut by a pause. A scan's text is refused at Enter
        (count_jobs.start_batch); a burst closed by its Enter is still refused as a scan."""
        return self.REFUSES_SCANS

    def take_scan(self, scan: ScanRead) -> None:
        if self.stage == "counter":
            self.scan_refused(
                f"{clip(scan.raw)} was scanned, not counted: type who counts this batch, "
                "Enter, then scan it again"
            )
            return
        if self.stage != "scan":
            super().take_scan(scan)
            return
        if self.refuse_unreadable(scan):
            return
        from serialpos.tui.scan_entry import entry_of

        entry = entry_of(scan)  # what it means is the counts service's (the scan resolver)
        if entry.gtin is not None:
            self._take(gtin=entry.gtin, serial=entry.serial, run_on=entry.run_on)
        else:
            self._take(text=entry.text, typed=scan.typed)

    # -- keys ---------------------------------------------------------------------------
    def action_back(self) -> None:
        if self.stage == "review":
            self.stage = "scan" if self.batch_no is not None else "counter"
            if self.count is not None and self.count.approved:
                self.stage = "start"
                self.count = None
                self.batch_no = None
            self.confirming = False
            self._head()
            self._show_log() if self.stage == "scan" else self._show_start()
            self.field.focus()
            return
        self.dismiss()

    def action_new_batch(self) -> None:
        if self.count is None:
            return
        if self.batch_no is not None:
            self._close_batch(self.batch_no)
        self.batch_no = None
        self.current = None
        self.stage = "counter"
        self._head()
        self.field.focus()
        self.message_line.note("who counts the new batch? type the name, Enter")

    def action_review(self) -> None:
        if self.count is not None:
            self.message_line.note(f"reconciling {self.count.number}…")
            self._review(self.count.number)

    def action_turn(self, step: int) -> None:
        if self.stage == "review":
            self.list_index = (self.list_index + step) % len(CLASSES)
            self._show_class()

    def action_approve(self) -> None:
        if self.stage != "review" or self.result is None or self.count is None:
            return
        if still_running(self, APPROVING):  # posting already: not asked again
            return
        if Permission.ADJUST not in ROLE_PERMISSIONS[self.session.actor.role]:
            self.show_error(
                f"you cannot approve a count ({self.session.role}): a manager or admin approves it"
            )
            return
        if not self.confirming:
            self.confirming = True
            r = self.result
            left = f", leaves {len(r.arrived_since)} arrived since" if r.arrived_since else ""
            self.message_line.note(
                f"approve {r.count}? writes off {len(r.missing)}, adds {len(r.never_seen)}, "
                f"adjusts {len(r.quantities)} quantities{left}. F9/^F again to post"
            )
            return
        self.confirming = False
        self.message_line.note(f"posting {self.count.number}…")
        self._approve(self.count.number, self.result.scans_read)

    # -- results ------------------------------------------------------------------------
    def on_counts_screen_loaded(self, message: Loaded) -> None:
        self.open_counts = message.open_counts
        if message.chosen is None:
            self._head()
            self._show_start()
            return
        self.count = message.chosen
        self.batch_no = next(
            (b.number for b in reversed(message.chosen.batches) if b.status == "open"), None
        )
        self.stage = "counter" if self.batch_no is None else "scan"
        self.scan_log = []
        self._head()
        self._show_log()
        batches = plural(len(message.chosen.batches), "batch")
        if self.batch_no is None:
            self.message_line.ok(
                f"count {message.chosen.number} open ({batches}): "
                "who counts this batch? type the name"
            )
        else:
            units = next(b.scans for b in message.chosen.batches if b.number == self.batch_no)
            self.message_line.ok(
                f"count {message.chosen.number}: batch {self.batch_no} "
                f"resumed ({units} counted so far), scan on"
            )

    def on_counts_screen_batch_started(self, message: BatchStarted) -> None:
        self.count = message.info
        self.batch_no = message.batch
        self.current = self._worker_current = None
        self.stage = "scan"
        self.scan_log = []
        self._head()
        self._show_log()
        counter = next(b.counter for b in message.info.batches if b.number == message.batch)
        self.message_line.ok(
            f"batch {message.batch} ({clip(counter)}): scan a product, then its serials"
        )

    def on_counts_screen_scanned(self, message: Scanned) -> None:
        taken = message.taken
        self.current = taken.current
        outcome = taken.outcome
        if outcome is not None and outcome.verdict != "repeat":
            what = outcome.serial if outcome.serial else f"{outcome.quantity:+d}"
            others = (
                ",".join(str(b) for b in outcome.batches if b != self.batch_no)
                if outcome.verdict == "other_batch"
                else ""
            )
            self.scan_log.insert(0, (outcome.sku, what, others, outcome.elsewhere or ""))
            self._show_log()
        if outcome is not None and outcome.alert:
            # An alert, not a refusal: the unit counts once (or, one the ledger has sold,
            # reserved, expected or at another store, counts as found). Said with the bell
            # all the same, and kept until seen like a refusal.
            self.scan_warned(taken.message)
        else:
            self.scan_said("ok", taken.message)
        self._head()

    def on_counts_screen_scan_refused(self, message: ScanRefused) -> None:
        self.scan_refused(message.message)

    def on_counts_screen_quantity_asked(self, message: QuantityAsked) -> None:
        """A typed quantity too unlikely to count unasked: a person says yes (a scan cannot
        answer the question); no counts nothing."""
        from serialpos.tui.screens.serial_mode import Confirm

        text = message.text

        def answered(yes: bool | None) -> None:
            self.field.focus()
            if not yes:
                self.message_line.note(f"'{text}' not counted")
                return
            self._take(text=text, sure=True)

        self.app.push_screen(Confirm(message.question), answered)

    def refusals_closed(self) -> None:
        self.field.focus()

    def on_counts_screen_reviewed(self, message: Reviewed) -> None:
        self.result = message.result
        self.stage = "review"
        self.confirming = False
        self.list_index = next(
            (i for i, name in enumerate(CLASSES) if getattr(message.result, name)), 0
        )
        self._head()
        self._show_class()
        self.listing.focus()
        state = "approved" if message.result.approved else "not approved yet"
        self.message_line.ok(f"{message.result.count} {state}: ←→ lists, ↑↓ scroll")

    def on_counts_screen_changed(self, message: Changed) -> None:
        """Scanned since the review: the count as it is now, and why nothing was posted."""
        self.on_counts_screen_reviewed(Reviewed(message.result))
        self.show_error(message.refusal)

    def on_counts_screen_approved(self, message: Approved) -> None:
        done = message.done
        asked = self.result  # the review its approver confirmed
        self.result = done.reconciliation
        self.count = None if self.count is None else self._approved(self.count)
        self._head()
        self._show_class()
        words = (
            f"{done.reconciliation.count} approved: {done.removed} written off, "
            f"{done.added} added, on hand {done.quantity_change:+d}"
        )
        # The ledger moved since the review (a missing unit sold): posted right, asked stale.
        changed = "" if asked is None else changed_since_review(asked, done.reconciliation)
        if changed:
            words = f"{words} — {changed}"
        if done.files.failed:
            self.show_error(f"{words}; {done.files.message}")
        elif changed:
            self.show_warning(words)
        else:
            self.message_line.ok(words)

    @staticmethod
    def _approved(info: CountInfo) -> CountInfo:
        from dataclasses import replace

        return replace(info, status="approved")
