"""What a scan or an entry means on a receiving checklist, and whether a unit may come in:
the rules the checklist screen used to keep in its own worker methods (issue 17), here so the
screen only shows outcomes.

:class:`ChecklistScans` drives any :class:`~serialpos.services.receiving.ReceivingSession`. A
product scanned or typed becomes the selected line (a product without serials scanned by its
barcode counts one unit); a bare serial finds its own product's line (the document's listing,
else the ledger: :func:`~serialpos.services.receiving.line_for_serial`); a GS1 label or a pasted
list names its product, so there a serial listed for another product is refused; a pasted list
is checked whole and one bad entry refuses it all, the line put back as it was. Every answer is
an :class:`Outcome` (or a :class:`Preview` before completing) for the screen to show.

It keeps the selected product and, per line, the listed serials still to scan. It is called from
one worker at a time, in the order asked (the screen's job chain), and is never shared between
threads at once.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from serialpos.domain.errors import UnknownProduct
from serialpos.domain.quantity_entry import is_number, is_quantity, judge_typed
from serialpos.domain.text import clip, visible

if TYPE_CHECKING:
    from decimal import Decimal

    from serialpos.db.engine import Database
    from serialpos.domain.checklist import CaseCount, ChecklistLine, Discrepancy
    from serialpos.services.context import Actor
    from serialpos.services.receiving import ReceivingSession

_LIST = re.compile(r"\S[\s,;]+\S")
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


class ChecklistScans:
    """The scan rules of one receiving checklist, worker side: each method runs one scan,
    entry or key and says what happened as an :class:`Outcome`; a refusal is raised as the
    domain error that names it."""

    def __init__(
        self,
        receiving: ReceivingSession,
        database: Callable[[], Database],
        progress: Callable[[str], None],
    ) -> None:
        self.receiving = receiving
        self.database = database
        self.progress = progress  # a long pasted list says how far its checks are
        self.current: str | None = None  # the selected product, as the job chain sees it
        self.chosen = False  # current was chosen (scanned, typed, picked), not implied
        self._owners: dict[str, str] | None = None  # listed serial -> SKU
        # per line: (serials scanned, the last one, the listed serials still to scan)
        self._missing_kept: dict[str, tuple[int, str | None, tuple[str, ...]]] = {}

    def missing(self, sku: str | None) -> tuple[str, ...]:
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

    def line_words(self, line: ChecklistLine) -> str:
        if self.receiving.checklist.blind:
            return f"{line.received:,}"
        return f"{line.received:,} of {line.expected:,}"

    def selected(self, sku: str, message: str, *, note: bool = True) -> Outcome:
        self.current, self.chosen = sku, True
        line = self.receiving.checklist.lines[sku]
        if not message:
            what = (
                f"scan its serials ({self.line_words(line)})"
                if line.serialized
                else f"type how many arrived, or scan its barcode per unit "
                f"({self.line_words(line)})"
            )
            message = f"{sku} {visible(line.name)}: {what}"
        return Outcome(sku, message, self.missing(sku), note=note)

    def select_product(self, sku: str, count_one: bool) -> Outcome:
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
            return self._counted(line, f"{sku}: one more, {self.line_words(line)}")
        return self.selected(sku, "")

    def _counted(self, line: ChecklistLine, message: str) -> Outcome:
        """Units counted on a line without serials: more than the document lists is a
        warning with the bell, never a quiet success."""
        over = line.over and not self._blind()
        if line.complete and not self._blind():
            message += " ✓ complete"
        elif over:
            checklist = self.receiving.checklist
            message += f": {line.over} over what {checklist.kind} {checklist.document} lists"
        return Outcome(line.sku, message, self.missing(line.sku), warn=bool(over))

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
        message = f"{sku} {result.line.scanned[-1]}: {self.line_words(line)}"
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
            sku, message, self.missing(sku), newest=result.line.scanned[-1], warn=bool(over)
        )

    def take(
        self,
        text: str | None,
        gtin: str | None,
        serial: str | None,
        run_on: tuple[str, str] | None = None,
        *,
        scanned: bool = True,
        sure: bool = False,
    ) -> Outcome:
        """One scan or one entry of the field, worker side. ``run_on``: the label's serial
        may have swallowed the fields after it (domain/decoder/run_on.py). ``scanned``: it
        came from a scanner (a burst, or a serial scanner's read), so a number in it is never
        a quantity (domain/quantity_entry.py); a typed quantity too unlikely to be meant
        raises :class:`~serialpos.domain.quantity_entry.UnlikelyQuantity` unless ``sure``."""
        from serialpos.domain.errors import BadRequest, UnknownProduct
        from serialpos.domain.products import normalize_gtin
        from serialpos.domain.serial_lists import expand_range
        from serialpos.services.products import find_by_barcode, get_product

        db = self.database()
        checklist = self.receiving.checklist
        if gtin is not None:
            product = find_by_barcode(db, gtin)
            if product is None:
                if serial is None and text and self._current_serialized():
                    return self._serial_entry(text)  # a numeric serial that reads as a GTIN
                raise UnknownBarcode(gtin)
            if serial is not None:  # a GS1 label: the product is chosen by it
                from serialpos.services.scan_resolver import new_from_run_on

                new_from_run_on(db, product.sku, serial, run_on)
                if product.sku not in checklist.lines:
                    self.receiving.add_product(product.sku)
                self.current, self.chosen = product.sku, True
                return self._scan_serial(product.sku, serial)
            return self.select_product(product.sku, count_one=True)
        assert text is not None
        text = text.strip()
        if not text:
            raise BadRequest("scan or type a product, a serial or a quantity, then Enter")
        case = checklist.case_to_count(text)
        if case is not None:  # a carton's case-pack ID: its units, on its product's line
            return self._count_case(case)
        if _LIST.search(text) is not None or expand_range(text) is not None:
            return self.take_list(text)
        current = self.current
        line = checklist.lines.get(current) if current is not None else None
        if line is not None and not line.serialized and is_quantity(text) and not scanned:
            expected = line.expected if not checklist.blind else None
            line = self.receiving.count(line.sku, judge_typed(text, line.sku, expected, sure=sure))
            return self._counted(line, f"{line.sku}: {self.line_words(line)}")
        if text in checklist.lines:
            return self.select_product(text, count_one=False)
        try:
            gtin_text = normalize_gtin(text)
        except Exception:
            gtin_text = None
        if gtin_text is not None:
            product = find_by_barcode(db, gtin_text)
            if product is not None:
                return self.select_product(product.sku, count_one=True)
            if not self._current_serialized():
                raise UnknownBarcode(text)
        elif self._owner(text) is None:  # a serial the document lists is no SKU: no lookup
            try:
                product = get_product(db, text)
            except UnknownProduct:
                product = None
            if product is not None:
                return self.select_product(product.sku, count_one=False)
        return self._serial_entry(text, scanned=scanned)

    def _count_case(self, case: CaseCount) -> Outcome:
        """A case-pack ID the document lists: the units it lists are counted on its product's
        line, which becomes the selected one; a case counted already (in this session, or
        saved before a restart or by another terminal) is an alert naming when and by whom,
        counted once (``Checklist.case_to_count``, the session's ``count_case``)."""
        checklist = self.receiving.checklist
        document = f"{checklist.kind} {checklist.document}"
        self.current, self.chosen = case.sku, True
        case = self.receiving.count_case(case)
        if case.repeat:
            return Outcome(case.sku, case.words(document), self.missing(case.sku), alert=True)
        line = checklist.lines[case.sku]
        return self._counted(line, f"{case.sku}: {case.words(document)}, {self.line_words(line)}")

    def _current_serialized(self) -> bool:
        line = None if self.current is None else self.receiving.checklist.lines.get(self.current)
        return line is not None and line.serialized

    def _serial_entry(self, text: str, *, scanned: bool = True) -> Outcome:
        """Text that is no product: a bare serial. It finds its own product's line, whichever
        product is selected (the service says which: the document's listing, else the product
        whose unit the ledger knows by it); otherwise it is a serial of the selected product."""
        from serialpos.domain.case_codes import case_pack_words
        from serialpos.domain.errors import BadRequest
        from serialpos.services.receiving import line_for_serial

        current = self.current
        checklist = self.receiving.checklist
        line = None if current is None else checklist.lines.get(current)
        case_pack = case_pack_words(
            text,
            checklist.case_packs,
            f"{checklist.kind} {checklist.document}",
            counted=line.sku if line is not None and not line.serialized else None,
        )
        if case_pack is not None:  # the carton's ID: never a serial, never "not an IMEI"
            raise BadRequest(case_pack)
        owner = line_for_serial(
            self.database(), text, self._owner(text), frozenset(checklist.lines)
        )
        if owner is not None and line is not None and owner != current:
            return self._other_line_serial(owner, line.sku, text)
        if owner is not None:
            return self._scan_serial(owner, text)  # the serial's own product's line
        if line is None:
            raise BadRequest(
                f"'{clip(text)}' is no product here: scan a product first (its "
                "barcode or SKU), then its serials"
            )
        if not line.serialized:
            if is_number(text):  # a scan, or a number past what one entry takes
                from serialpos.domain.quantity_entry import past_the_most

                raise BadRequest(past_the_most(text, line.sku, scanned=scanned))
            raise BadRequest(
                f"{line.sku} is counted, not scanned: type how many arrived "
                f"('{clip(text)}' is not a number), or scan another product"
            )
        return self._scan_serial(line.sku, text)

    def _other_line_serial(self, owner: str, selected: str, serial: str) -> Outcome:
        """A bare serial of another product's line while a product is selected: it is
        received on its own line and the selection stays. The person chose the selected
        product on purpose; a stray serial in between must not make the next new serial
        another product's (it was refused, naming the stray's product)."""
        done = self._scan_serial(owner, serial)
        self.current = selected
        message = done.message if done.alert else f"{done.message} ({selected} stays selected)"
        return Outcome(
            selected,
            message,
            self.missing(selected),
            alert=done.alert,
            warn=done.warn,
            to_newest=False,
            full=True,
        )

    def take_list(self, text: str) -> Outcome:
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
                self.progress(f"checking the list: {number:,} of {len(serials):,} serials…")
        message = (
            f"{added:,} serial{'s' if added != 1 else ''} of {sku} added from the list: "
            f"{self.line_words(line)}"
        )
        if repeated:
            message += f"; {repeated} already scanned (counted once)"
        newest = line.scanned[-1] if line.scanned else None
        return Outcome(sku, message, self.missing(sku), newest=newest, alert=bool(repeated))

    def _put_back(self, sku: str, saved: tuple[list[str], int, int, int]) -> None:
        """A refused list leaves the line as it was before it. The session is told to clear
        the product and is given its earlier serials again, so whatever it keeps (an ASN's
        saved scans, a blind receipt's draft) matches the line."""
        serials, _counted, duplicates, _expected = saved
        self.receiving.rescan(sku)
        for serial in serials:
            self.receiving.scan(sku, serial)
        self.receiving.checklist.line(sku).duplicates = duplicates

    def create_product(
        self, actor: Actor, sku: str, name: str, price: Decimal, serial_mode: str, barcode: str
    ) -> Outcome:
        """Quick create on a blind receipt: the unknown barcode's product is made, then it is
        the selected line."""
        from serialpos.services.products import create_product

        create_product(
            self.database(),
            actor,
            sku=sku,
            name=name,
            price=price,
            serial_mode=serial_mode,
            barcodes=(barcode,) if barcode else (),
        )
        outcome = self.select_product(sku, count_one=False)
        outcome.message = f"{sku} created ({serial_mode} serials). " + outcome.message
        outcome.note = False
        return outcome

    # -- the keys ------------------------------------------------------------------------------
    def rescan(self, sku: str) -> Outcome:
        """Rescan (confirmed): the product's scans cleared, the product selected."""
        cleared = self.receiving.rescan(sku)
        self.current, self.chosen = sku, True
        return Outcome(
            sku,
            f"{sku} cleared: scan it again ({self.line_words(cleared)})",
            self.missing(sku),
        )

    def receive_all(self) -> Outcome:
        """Receive all: every product without serials taken as arrived in full, and the units
        of a product whose serial is optional not scanned taken as arrived without serials
        (domain/checklist.py): the sentence names both, product by product, as it did only
        the first (a drill of ASN-1002 taken without its serial went unsaid)."""
        lines = self.receiving.checklist.lines.values()
        others = self.receiving.receive_all()
        plain = [f"{ln.sku} {ln.counted}" for ln in lines if not ln.serialized and ln.counted]
        optional = [
            f"{ln.sku} {ln.counted}"
            for ln in lines
            if ln.serialized and not ln.must_scan and ln.counted
        ]
        parts = []
        if plain:
            parts.append(f"without serials in full: {', '.join(plain)}")
        if optional:
            parts.append(f"serial optional, not scanned, without serials: {', '.join(optional)}")
        said = (
            "taken as arrived: " + "; ".join(parts)
            if parts
            else "nothing to take as arrived: each product here is received by its serials"
        )
        if others:
            said += "; counted on another terminal meanwhile, taken into account: " + ", ".join(
                f"{sku} {n:+,}" for sku, n in others.items()
            )
        return Outcome(
            self.current,
            said,
            self.missing(self.current),
            to_newest=False,
            full=True,
        )

    def preview(self) -> Preview:
        """Before completing: the units, the products received and the differences."""
        checklist = self.receiving.checklist
        return Preview(
            checklist.received,
            sum(1 for ln in checklist.lines.values() if ln.received),
            checklist.discrepancies() if not checklist.blind else [],
        )
