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
every product without serials as arrived in full, refused while a serialized unit is unscanned;
Complete asks first, listing any differences, and completes with them recorded. Afterwards the
document number is shown, and whether the event file was written.

**Threads.** Every session call runs on a thread worker, one at a time and in the order asked
(:class:`~serialpos.tui.screens.base.OrderedJobs`), so fast scans land in scan order; the
worker chain also keeps which product is selected, so a product scan followed at once by its
serial cannot race. The list widget only reads the checklist and renders the rows on screen.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Static

from serialpos.domain.errors import UnknownProduct
from serialpos.domain.text import clip, visible
from serialpos.tui.screens.base import ConsoleScreen, JobFailure, OrderedJobs
from serialpos.tui.screens.serial_mode import Confirm
from serialpos.tui.widgets.checklist_view import ChecklistView
from serialpos.tui.widgets.key_footer import KeyFooter, KeyHints
from serialpos.tui.widgets.message_line import MessageLine
from serialpos.tui.widgets.serial_field import SerialField
from serialpos.tui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from serialpos.domain.checklist import ChecklistLine, Discrepancy
    from serialpos.services.receiving import CompletionResult, ReceivingSession
    from serialpos.tui.messages import ScanRead
    from serialpos.tui.screens.sale_dialogs.quick_create import NewProduct

_QUANTITY = re.compile(r"[+-]?\d{1,6}")
_LIST = re.compile(r"\S[\s,;]+\S")
#: Listed in the completion dialog at most; the rest are counted.
SHOWN_DISCREPANCIES = 50
#: How often a long pasted list says how far its checks are (serials).
PROGRESS_EVERY = 500


@dataclass
class Outcome:
    """What a job did, for the screen to show."""

    sku: str | None  # the product selected now
    message: str
    missing: tuple[str, ...] | None = None  # the selected line's listed serials not scanned
    newest: str | None = None  # the serial that just landed
    alert: bool = False  # said with the bell (a repeat scan)
    warn: bool = False  # taken, but a warning with the bell (an over-scan)
    to_newest: bool = True
    note: bool = False  # a note, not a success
    full: bool = False  # more than the one product changed


@dataclass
class Preview:
    """Before completing: what will be recorded."""

    units: int
    products: int
    discrepancies: list[Discrepancy] = field(default_factory=list)


class UnknownBarcode(UnknownProduct):
    """A barcode no product carries (a blind receipt offers to create the product)."""

    def __init__(self, barcode: str) -> None:
        super().__init__(f"no product has barcode {barcode}")
        self.barcode = barcode


Job = Callable[[], "Outcome | Preview | CompletionResult"]


def unit_words(count: int) -> str:
    return f"{count:,} unit{'s' if count != 1 else ''}"


def head_text(
    checklist_received: int,
    checklist_expected: int,
    complete: int,
    products: int,
    blind: bool,
    done: str | None,
) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    if done is not None:
        text.append(f"✓ completed: {done}", style="bold")
        text.append(f" · {unit_words(checklist_received)}")
        return text
    if blind:
        text.append(f"{unit_words(checklist_received)}", style="bold")
        text.append(f" · {products} product{'s' if products != 1 else ''}")
        return text
    text.append(f"{checklist_received:,}/{checklist_expected:,} units", style="bold")
    text.append(f" · ✓ {complete}/{products} products")
    return text


class CompleteDialog(ModalScreen[bool]):
    """Complete the receipt? Lists the differences that will be recorded; y/Enter or n/Esc."""

    DEFAULT_CSS = """
    CompleteDialog #complete-list { height: auto; max-height: 12; }
    CompleteDialog .-short #complete-list { max-height: 8; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Complete"),
        Binding("n,escape", "answer(False)", "Not yet"),
    ]

    def __init__(self, title: str, preview: Preview) -> None:
        super().__init__()
        self.title_text = title
        self.preview = preview

    @property
    def question(self) -> str:
        found = self.preview.discrepancies
        head = f"Complete {self.title_text}: {unit_words(self.preview.units)}"
        if not found:
            return head + "?"
        return (
            f"{head}. These differences will be recorded "
            f"({len(found)} product{'s' if len(found) != 1 else ''}):"
        )

    @property
    def listed(self) -> str:
        found = self.preview.discrepancies
        lines = [d.words for d in found[:SHOWN_DISCREPANCIES]]
        if len(found) > SHOWN_DISCREPANCIES:
            lines.append(f"and {len(found) - SHOWN_DISCREPANCIES} more")
        return "\n".join(visible(line) for line in lines)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text(self.question), classes="dialog-title", markup=False)
            if self.preview.discrepancies:
                with VerticalScroll(id="complete-list"):
                    yield Static(Text(self.listed), id="complete-lines", markup=False)
            yield KeyFooter()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class ChecklistScreen(ConsoleScreen):
    """Receive against a checklist; ``session`` is any ReceivingSession (ASN, blind, transfer).
    The constructor is the only thing other flows rely on: keep it stable."""

    DEFAULT_CSS = """
    ChecklistScreen #checklist-head { height: 1; padding: 0 1; }
    """
    TAKES_SCANS: ClassVar[bool] = True
    KEY_HINTS: ClassVar[KeyHints] = (("Enter", "Scan"), ("↑↓", "List"))
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("f4,ctrl+r", "rescan", "Rescan"),
        Binding("f6,ctrl+t", "receive_all", "Receive all"),
        Binding("f10,ctrl+f", "complete", "Complete"),
        Binding("up", "list(-1)", "List", show=False),
        Binding("down", "list(1)", "List", show=False),
    ]

    @dataclass
    class Landed(Message):
        outcome: Outcome

    @dataclass
    class Refused(Message):
        message: str
        code: str
        barcode: str | None = None
        found: list[Discrepancy] | None = None  # a completion refused for its differences

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
        self.current: str | None = None  # the selected product, as the job chain sees it
        self.chosen = False  # current was chosen (scanned, typed, picked), not implied
        self._owners: dict[str, str] | None = None  # listed serial -> SKU (worker side)
        self._seen: dict[str, tuple[int, int, bool]] = {}  # per line, as last shown
        # per line: (serials scanned, the last one, the listed serials still to scan)
        self._missing_kept: dict[str, tuple[int, str | None, tuple[str, ...]]] = {}
        self._totals = [0, 0, 0]  # received, expected, complete lines
        self.jobs = OrderedJobs(self, "checklist", self._refused)

    def compose(self) -> ComposeResult:
        yield StatusLine(self.receiving.title, self.session)
        yield Static("", id="checklist-head", markup=False)
        yield SerialField(id="scan", placeholder="scan a product (barcode or SKU), Enter")
        yield MessageLine(id="message")
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
            self.current = only

            def select() -> Outcome:
                outcome = self._selected(only, "")
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

    def _show(self, changed: str | None = None) -> None:
        """The head's totals and the field's prompt. With ``changed`` (the one product a job
        touched) the totals move by that line's difference instead of being summed again over
        every line: a 10,000-line ASN costs the same per scan as a short one."""
        checklist = self.receiving.checklist
        seen = self._seen
        if changed is None or len(seen) != len(checklist.lines) or changed not in seen:
            seen.clear()
            totals = [0, 0, 0]
            for sku, line in list(checklist.lines.items()):
                got, wanted = line.received, line.expected
                seen[sku] = (got, wanted, got == wanted)
                totals[0] += got
                totals[1] += wanted
                totals[2] += got == wanted
            self._totals = totals
        else:
            line = checklist.lines[changed]
            got, wanted = line.received, line.expected
            now = (got, wanted, got == wanted)
            before = seen[changed]
            seen[changed] = now
            self._totals[0] += now[0] - before[0]
            self._totals[1] += now[1] - before[1]
            self._totals[2] += int(now[2]) - int(before[2])
        received, expected, complete = self._totals
        done = self.done.document if self.done is not None else None
        self.query_one("#checklist-head", Static).update(
            head_text(received, expected, complete, len(seen), checklist.blind, done)
        )
        self.field.placeholder = self._placeholder()

    def _placeholder(self) -> str:
        if self.done is not None:
            return "completed: Esc to go back"
        line = self.view.selected_line
        if line is None:
            return "scan a product (barcode or SKU), Enter"
        if line.serialized:
            return f"scan {line.sku} serials, or a product"
        return f"type how many {line.sku}, or scan a product"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "receive_all" and self.receiving.checklist.blind:
            return False  # nothing was announced: what is scanned is all there is
        if action in ("rescan", "receive_all", "complete"):
            return self.done is None
        return True

    # -- the job chain -----------------------------------------------------------------------
    def submit(self, job: Job, busy: str | None = None) -> None:
        if busy:
            self.message_line.note(busy)

        def run() -> Message:
            answer = job()
            if isinstance(answer, Outcome):
                return self.Landed(answer)
            if isinstance(answer, Preview):
                return self.Previewed(answer)
            return self.Completed(answer)

        self.jobs.submit(run)

    def _refused(self, failure: JobFailure) -> Message:
        error = failure.error
        barcode = error.barcode if isinstance(error, UnknownBarcode) else None
        return self.Refused(
            failure.message, failure.code, barcode, found=getattr(error, "found", None)
        )

    def on_checklist_screen_landed(self, message: Landed) -> None:
        outcome = message.outcome
        self.view.sync(outcome.sku, outcome.missing, outcome.newest, to_newest=outcome.to_newest)
        self._show(None if outcome.full else outcome.sku)
        if outcome.alert:
            self.show_error(outcome.message)
        elif outcome.warn:
            self.show_warning(outcome.message)
        elif outcome.note:
            self.message_line.note(outcome.message)
        elif outcome.message:
            self.message_line.ok(outcome.message)

    def on_checklist_screen_refused(self, message: Refused) -> None:
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
        self.show_error(message.message)
        if message.barcode is not None and self.receiving.checklist.blind:
            self.quick_create(message.barcode)

    def on_checklist_screen_progress(self, message: Progress) -> None:
        self.message_line.note(message.message)

    # -- what a job does (worker side) --------------------------------------------------------
    def _missing(self, sku: str | None) -> tuple[str, ...]:
        """The line's listed serials not scanned yet, sorted. Kept per line: a scan that adds
        one serial takes it out of the kept list (a bisection) instead of sorting the
        thousands still to scan again."""
        line = None if sku is None else self.receiving.checklist.lines.get(sku)
        if sku is None or line is None or line.expected_serials is None:
            return ()
        scanned = line.scanned
        count = len(scanned)
        last = scanned[-1] if scanned else None
        kept = self._missing_kept.get(sku)
        if kept is not None:
            was_count, was_last, listed = kept
            if count == was_count and last == was_last:
                return listed
            before = scanned[-2] if count > 1 else None
            if count == was_count + 1 and before == was_last and last is not None:
                at = bisect.bisect_left(listed, last)
                if at < len(listed) and listed[at] == last:
                    listed = listed[:at] + listed[at + 1 :]
                self._missing_kept[sku] = (count, last, listed)
                return listed
        listed = tuple(line.missing_serials())
        self._missing_kept[sku] = (count, last, listed)
        return listed

    def _line_words(self, line: ChecklistLine) -> str:
        if self.receiving.checklist.blind:
            return f"{line.received:,}"
        return f"{line.received:,} of {line.expected:,}"

    def _selected(self, sku: str, message: str, *, note: bool = True) -> Outcome:
        self.current, self.chosen = sku, True
        line = self.receiving.checklist.lines[sku]
        if not message:
            what = (
                f"scan its serials ({self._line_words(line)})"
                if line.serialized
                else f"type how many arrived, or scan its barcode per unit "
                f"({self._line_words(line)})"
            )
            message = f"{sku} {visible(line.name)}: {what}"
        return Outcome(sku, message, self._missing(sku), note=note)

    def _select_product(self, sku: str, count_one: bool) -> Outcome:
        """A product scanned or typed: it becomes the selected line (a blind receipt starts
        its line; a document that does not list it refuses). A product without serials
        scanned by its barcode counts one unit."""
        lines = self.receiving.checklist.lines
        if sku not in lines:
            self.receiving.add_product(sku)
        line = lines[sku]
        if count_one and not line.serialized:
            self.current, self.chosen = sku, True
            line = self.receiving.count(sku, 1)
            return self._counted(line, f"{sku}: one more, {self._line_words(line)}")
        return self._selected(sku, "")

    def _counted(self, line: ChecklistLine, message: str) -> Outcome:
        """Units counted on a line without serials: more than the document lists is a
        warning with the bell, never a quiet success."""
        over = line.over and not self._blind()
        if line.complete and not self._blind():
            message += " ✓ complete"
        elif over:
            checklist = self.receiving.checklist
            message += f": {line.over} over what {checklist.kind} {checklist.document} lists"
        return Outcome(line.sku, message, self._missing(line.sku), warn=bool(over))

    def _blind(self) -> bool:
        return self.receiving.checklist.blind

    def _owner(self, serial: str) -> str | None:
        """The product a document lists this serial under (ASNs that list serials)."""
        if self._owners is None:
            owners: dict[str, str] = {}
            for line in list(self.receiving.checklist.lines.values()):
                for listed in line.expected_serials or ():
                    owners.setdefault(listed, line.sku)
            self._owners = owners
        return self._owners.get(serial)

    def _check_owner(self, sku: str, serial: str) -> None:
        """A serial the document lists for another product is refused here, before the
        session sees it: (product, serial) would be a new unit of ``sku`` otherwise."""
        from serialpos.domain.checklist import NotOnDocument

        other = self._owner(serial.strip())
        if other is not None and other != sku:
            checklist = self.receiving.checklist
            raise NotOnDocument(
                f"serial {clip(serial)} is listed for {other} on {checklist.kind} "
                f"{checklist.document}, not for {sku}: scan {other} first"
            )

    def _scan_serial(self, sku: str, serial: str) -> Outcome:
        from serialpos.domain.checklist import Verdict

        self._check_owner(sku, serial)
        result = self.receiving.scan(sku, serial)
        self.current = sku
        line = result.line
        if result.verdict is Verdict.DUPLICATE:
            return Outcome(sku, result.message, None, alert=True)
        message = f"{sku} {result.line.scanned[-1]}: {self._line_words(line)}"
        over = line.over and not self._blind()
        if line.complete and not self._blind():
            message += f" ✓ {sku} complete"
        elif over:
            checklist = self.receiving.checklist
            message += (
                f": {line.over} over what {checklist.kind} {checklist.document} "
                "lists (Rescan to start this product again)"
            )
        return Outcome(
            sku, message, self._missing(sku), newest=result.line.scanned[-1], warn=bool(over)
        )

    def _take(self, text: str | None, gtin: str | None, serial: str | None) -> Outcome:
        """One scan or one entry of the field, worker side."""
        from serialpos.domain.errors import BadRequest, UnknownProduct
        from serialpos.domain.products import normalize_gtin
        from serialpos.domain.serial_lists import expand_range
        from serialpos.services.products import find_by_barcode, get_product

        db = self.console.database()
        checklist = self.receiving.checklist
        if gtin is not None:
            product = find_by_barcode(db, gtin)
            if product is None:
                if serial is None and text and self._current_serialized():
                    return self._serial_entry(text)  # a numeric serial that reads as a GTIN
                raise UnknownBarcode(gtin)
            if serial is not None:  # a GS1 label: the product is chosen by it
                if product.sku not in checklist.lines:
                    self.receiving.add_product(product.sku)
                self.current, self.chosen = product.sku, True
                return self._scan_serial(product.sku, serial)
            return self._select_product(product.sku, count_one=True)
        assert text is not None
        text = text.strip()
        if not text:
            raise BadRequest("scan or type a product, a serial or a quantity, then Enter")
        if _LIST.search(text) is not None or expand_range(text) is not None:
            return self._take_list(text)
        current = self.current
        line = checklist.lines.get(current) if current is not None else None
        if line is not None and not line.serialized and _QUANTITY.fullmatch(text):
            line = self.receiving.count(line.sku, int(text))
            return self._counted(line, f"{line.sku}: {self._line_words(line)}")
        if text in checklist.lines:
            return self._select_product(text, count_one=False)
        try:
            gtin_text = normalize_gtin(text)
        except Exception:
            gtin_text = None
        if gtin_text is not None:
            product = find_by_barcode(db, gtin_text)
            if product is not None:
                return self._select_product(product.sku, count_one=True)
            if not self._current_serialized():
                raise UnknownBarcode(text)
        elif self._owner(text) is None:  # a serial the document lists is no SKU: no lookup
            try:
                product = get_product(db, text)
            except UnknownProduct:
                product = None
            if product is not None:
                return self._select_product(product.sku, count_one=False)
        return self._serial_entry(text)

    def _current_serialized(self) -> bool:
        line = None if self.current is None else self.receiving.checklist.lines.get(self.current)
        return line is not None and line.serialized

    def _serial_entry(self, text: str) -> Outcome:
        """Text that is no product: a bare serial. It finds its own product's line, whichever
        product is selected (the service says which: the document's listing, else the product
        whose unit the ledger knows by it); otherwise it is a serial of the selected product."""
        from serialpos.domain.errors import BadRequest
        from serialpos.services.receiving import line_for_serial

        current = self.current
        checklist = self.receiving.checklist
        line = None if current is None else checklist.lines.get(current)
        owner = line_for_serial(
            self.console.database(), text, self._owner(text), frozenset(checklist.lines)
        )
        if owner is not None:
            return self._scan_serial(owner, text)  # the serial's own product's line
        if line is None:
            raise BadRequest(
                f"'{clip(text)}' is no product here: scan a product first (its "
                "barcode or SKU), then its serials"
            )
        if not line.serialized:
            raise BadRequest(
                f"{line.sku} is counted, not scanned: type how many arrived "
                f"('{clip(text)}' is not a number), or scan another product"
            )
        return self._scan_serial(line.sku, text)

    def _take_list(self, text: str) -> Outcome:
        """A pasted list or a range for the selected product: every serial checked, and one
        refused refuses them all (the line is put back as it was)."""
        from serialpos.domain.checklist import Verdict
        from serialpos.domain.errors import BadRequest, BadSerial, DomainError
        from serialpos.domain.serial_lists import parse_serial_list

        serials = parse_serial_list(text)
        current = self.current
        line = None if current is None else self.receiving.checklist.lines.get(current)
        if line is None:
            raise BadRequest(
                "select the product first (scan its barcode or type its SKU), "
                "then paste its serials"
            )
        if not line.serialized:
            raise BadRequest(f"{line.sku} is counted, not scanned: type how many arrived")
        sku = line.sku
        saved = (list(line.scanned), line.counted, line.duplicates, line.expected)
        added = repeated = 0
        for number, serial in enumerate(serials, start=1):
            try:
                self._check_owner(sku, serial)
                result = self.receiving.scan(sku, serial)
            except DomainError as exc:
                self._put_back(sku, saved)
                raise BadSerial(
                    f"the list was refused whole at serial {clip(serial)} "
                    f"(number {number} of {len(serials)}): {exc.message}. Nothing "
                    "from it was added"
                ) from exc
            if result.verdict is Verdict.DUPLICATE:
                repeated += 1
            else:
                added += 1
            if number % PROGRESS_EVERY == 0 and number < len(serials):
                self.post_message(
                    self.Progress(f"checking the list: {number:,} of {len(serials):,} serials…")
                )
        message = (
            f"{added:,} serial{'s' if added != 1 else ''} of {sku} added from the list: "
            f"{self._line_words(line)}"
        )
        if repeated:
            message += f"; {repeated} already scanned (counted once)"
        newest = line.scanned[-1] if line.scanned else None
        return Outcome(sku, message, self._missing(sku), newest=newest, alert=bool(repeated))

    def _put_back(self, sku: str, saved: tuple[list[str], int, int, int]) -> None:
        """A refused list leaves the line as it was before it. The session is told to clear
        the product and is given its earlier serials again, so whatever it keeps (an ASN's
        saved scans, a blind receipt's draft) matches the line."""
        serials, _counted, duplicates, _expected = saved
        self.receiving.rescan(sku)
        for serial in serials:
            self.receiving.scan(sku, serial)
        self.receiving.checklist.line(sku).duplicates = duplicates

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
            self.show_error("scan or type a product, a serial or a quantity, then Enter")
            return
        self.take_scan(self.entered_scan(text))  # typed or scanned: the same keys

    def take_scan(self, scan: ScanRead) -> None:
        if self.refuse_unreadable(scan) or self._refuse_when_done():
            return
        from serialpos.tui.scan_entry import entry_of

        entry = entry_of(scan)
        self.submit(lambda: self._take(entry.text, entry.gtin, entry.serial))

    def on_serial_field_list_pasted(self, message: SerialField.ListPasted) -> None:
        if self._refuse_when_done():
            return
        text = message.text
        self.submit(lambda: self._take_list(text), "checking the pasted serials…")

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
            outcome = self._selected(sku, "", note=True)
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
            self.dismiss()  # done, or its scans are saved as they are made (an ASN)
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

            def job() -> Outcome:
                cleared = self.receiving.rescan(sku)
                self.current, self.chosen = sku, True
                return Outcome(
                    sku,
                    f"{sku} cleared: scan it again ({self._line_words(cleared)})",
                    self._missing(sku),
                )

            self.submit(job)

        self.app.push_screen(
            Confirm(f"Rescan {sku}: clear its {unit_words(count)} scanned and start it again?"),
            answered,
        )

    def action_receive_all(self) -> None:
        def job() -> Outcome:
            self.receiving.receive_all()
            return Outcome(
                self.current,
                "every product without serials taken as arrived in full",
                self._missing(self.current),
                to_newest=False,
                full=True,
            )

        self.submit(job)

    def action_complete(self) -> None:
        def job() -> Preview:
            checklist = self.receiving.checklist
            return Preview(
                checklist.received,
                sum(1 for ln in checklist.lines.values() if ln.received),
                checklist.discrepancies() if not checklist.blind else [],
            )

        self.submit(job)

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
            self.submit(
                lambda: self.receiving.complete(accept_discrepancies=accept),
                f"completing: recording {unit_words(preview.units)}…",
            )

        self.app.push_screen(CompleteDialog(self.receiving.title, preview), answered)

    def on_checklist_screen_completed(self, message: Completed) -> None:
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
                self.message_line.note("no product created")
                return

            def job() -> Outcome:
                from serialpos.services.products import create_product

                create_product(
                    self.console.database(),
                    self.session.actor,
                    sku=new.sku,
                    name=new.name,
                    price=new.price,
                    serial_mode=new.serial_mode,
                    barcodes=(new.barcode,) if new.barcode else (),
                )
                outcome = self._select_product(new.sku, count_one=False)
                outcome.message = (
                    f"{new.sku} created ({new.serial_mode} serials). " + outcome.message
                )
                outcome.note = False
                return outcome

            self.submit(job, "creating the product…")

        self.app.push_screen(QuickCreate(barcode), entered)
