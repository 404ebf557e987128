"""The receiving checklist: what a document says should arrive, against what was scanned.

One model serves ASN receiving, blind receiving and the receiving end of a transfer, so the
three behave alike at the dock. It is pure: the database checks a scan needs first (is the
serial already in stock anywhere, does it fit the product's format) are the service's, and
only a scan that passed them reaches :meth:`Checklist.scan`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from serialpos.domain.errors import BadRequest, DomainError
from serialpos.domain.limits import MAX_QUANTITY
from serialpos.domain.text import clip


class NotOnDocument(DomainError):
    """A serial (or a product) the document does not list."""

    code = "not_on_asn"


class UnscannedUnits(DomainError):
    code = "unscanned_units"


class Verdict(enum.StrEnum):
    ADDED = "added"
    DUPLICATE = "duplicate"  # an alert, not an error: the unit is counted once


@dataclass
class ChecklistLine:
    """One product on the document. ``expected_serials`` is None when the document lists
    none (any new serial of the product may be scanned, up to anything: over-scan is a
    discrepancy, shown, never silently dropped).

    ``optional``: a serialized line of an optional-serial product whose document lists no
    serials for it (a drill whose serials nobody recorded). Its units are scanned where they
    carry a serial and counted where they do not, so such a product can be received at all;
    a required product's units must each be scanned."""

    sku: str
    name: str
    expected: int
    serialized: bool
    expected_serials: frozenset[str] | None = None
    scanned: list[str] = field(default_factory=list)  # serials, in scan order
    counted: int = 0  # units without serials (a product without them, or optional ones)
    duplicates: int = 0  # repeat scans of this product's serials (alerts)
    _scanned_set: set[str] = field(default_factory=set, repr=False)
    optional: bool = False
    #: Serials the document lists for some, not all, of this product's units (two ASN lines
    #: of one product, one listing serials and one not): no limit on what may be scanned
    #: (``expected_serials`` stays None), but each is reported missing until it is scanned,
    #: since it stays ``expected`` after the receipt.
    listed: frozenset[str] = frozenset()

    @property
    def received(self) -> int:
        return len(self.scanned) + self.counted

    @property
    def must_scan(self) -> bool:
        """Every unit of this line must be seen by its serial."""
        return self.serialized and not self.optional

    @property
    def complete(self) -> bool:
        """Every unit expected received, and every serial listed among them: a line of a
        product on two ASN lines (one listing serials, one not) was complete by its count
        alone, so another serial in place of a listed one that never came completed the
        ASN as matching, the listed unit left ``expected`` unsaid."""
        if self.received != self.expected:
            return False
        return not self.listed or self.listed <= self._scanned_set

    @property
    def over(self) -> int:
        return max(0, self.received - self.expected)

    @property
    def short(self) -> int:
        return max(0, self.expected - self.received)

    def has(self, serial: str) -> bool:
        return serial in self._scanned_set

    def missing_serials(self) -> list[str]:
        """Listed serials not scanned, sorted (empty when the document lists none)."""
        if self.expected_serials is None:
            return sorted(self.listed - self._scanned_set)
        return sorted(self.expected_serials - self._scanned_set)

    def listed_serials(self) -> list[str]:
        """Every serial the document lists for this product, sorted."""
        return sorted(self.listed if self.expected_serials is None else self.expected_serials)

    def clear(self) -> None:
        self.scanned.clear()
        self._scanned_set.clear()
        self.counted = 0
        self.duplicates = 0

    def add(self, serial: str) -> None:
        self.scanned.append(serial)
        self._scanned_set.add(serial)


@dataclass(frozen=True)
class CountedCase:
    """A case pack counted on a checklist: its product, and when and by whom it was counted
    (None when not known)."""

    sku: str
    at: datetime | None = None
    by: str | None = None


@dataclass(frozen=True)
class CaseCount:
    """A case-pack ID scanned on a checklist: the product it holds and how many units the
    document lists in it; ``counted`` when this case was counted already (a repeat)."""

    code: str
    sku: str
    units: int
    counted: CountedCase | None = None

    @property
    def repeat(self) -> bool:
        return self.counted is not None

    def words(self, document: str) -> str:
        """``case CP-DEMO-1 (20 units)``, or the repeat's alert: when and by whom the case
        was counted, and that it is not counted again."""
        if self.counted is None:
            return f"case {clip(self.code)} ({self.units:,} units)"
        when = ""
        if self.counted.at is not None:
            when += f" at {self.counted.at:%Y-%m-%d %H:%M} UTC"
        if self.counted.by:
            when += f" by {clip(self.counted.by)}"
        return (
            f"case {clip(self.code)} of {self.sku} was already counted on {document}{when} "
            f"(its {self.units:,} units counted once): not counted again"
        )


@dataclass(frozen=True)
class ScanResult:
    verdict: Verdict
    line: ChecklistLine
    message: str


@dataclass(frozen=True)
class Discrepancy:
    sku: str
    expected: int
    received: int
    missing: tuple[str, ...]  # listed serials not scanned

    @property
    def words(self) -> str:
        if self.received < self.expected:
            return f"{self.sku}: {self.received} of {self.expected} received"
        if self.received == self.expected and self.missing:
            shown = ", ".join(clip(s) for s in self.missing[:3])
            more = f" and {len(self.missing) - 3} more" if len(self.missing) > 3 else ""
            return (
                f"{self.sku}: {self.received} of {self.expected} received but listed "
                f"{shown}{more} not among them (expected, not arrived)"
            )
        return f"{self.sku}: {self.received} received, {self.expected} expected"


class Checklist:
    """Lines by SKU, in document order. ``document`` names the document in messages (an ASN
    id, a transfer number); ``blind`` checklists grow a line per product as it is scanned.
    ``case_packs``: the case-pack IDs the document lists, each to its product's SKU;
    ``case_units``: how many units the document lists in each (its lines' quantity). A case's
    ID scanned counts the case: :meth:`count_case`."""

    def __init__(
        self,
        lines: Iterable[ChecklistLine],
        *,
        document: str,
        kind: str = "ASN",
        blind: bool = False,
        case_packs: Mapping[str, str] | None = None,
        case_units: Mapping[str, int] | None = None,
    ) -> None:
        self.lines: dict[str, ChecklistLine] = {}
        for line in lines:
            if line.sku in self.lines:
                raise BadRequest(f"{line.sku} is listed twice on {kind} {document}")
            self.lines[line.sku] = line
        self.document = document
        self.kind = kind
        self.blind = blind
        self.case_packs: Mapping[str, str] = dict(case_packs or {})
        self.case_units: Mapping[str, int] = dict(case_units or {})
        #: The case-pack IDs counted so far (each counts once): their product, when, by whom.
        #: A session that saves its scans puts the saved ones here when it opens.
        self.cases_counted: dict[str, CountedCase] = {}

    # -- reading -------------------------------------------------------------------------------
    def line(self, sku: str) -> ChecklistLine:
        found = self.lines.get(sku)
        if found is None:
            raise NotOnDocument(f"{clip(sku)} is not on {self.kind} {self.document}")
        return found

    @property
    def expected(self) -> int:
        return sum(line.expected for line in self.lines.values())

    @property
    def received(self) -> int:
        return sum(line.received for line in self.lines.values())

    @property
    def complete(self) -> bool:
        return all(line.complete for line in self.lines.values())

    def unscanned_serialized(self) -> int:
        """Serialized units the document expects that have not been scanned yet."""
        return sum(line.short for line in self.lines.values() if line.must_scan)

    def discrepancies(self) -> list[Discrepancy]:
        return [
            Discrepancy(ln.sku, ln.expected, ln.received, tuple(ln.missing_serials()))
            for ln in self.lines.values()
            if not ln.complete
        ]

    # -- scanning ------------------------------------------------------------------------------
    def add_line(self, sku: str, name: str, serialized: bool) -> ChecklistLine:
        """A blind receipt meets a product: its line starts at nothing expected."""
        if not self.blind:
            raise NotOnDocument(f"{clip(sku)} is not on {self.kind} {self.document}")
        line = self.lines.get(sku)
        if line is None:
            line = self.lines[sku] = ChecklistLine(sku, name, 0, serialized)
        return line

    def check_serial(self, sku: str, serial: str) -> ChecklistLine:
        """Refuse a serial this document cannot take, changing nothing."""
        line = self.line(sku)
        if not line.serialized:
            raise BadRequest(f"{sku} is not serialized here: count it, do not scan serials")
        if (
            line.expected_serials is not None
            and serial not in line.expected_serials
            and not line.has(serial)
        ):
            raise NotOnDocument(
                f"serial {clip(serial)} of {sku} is not on {self.kind} {self.document}"
            )
        return line

    def scan(self, sku: str, serial: str) -> ScanResult:
        """Record one scanned serial. A repeat is an alert and counts once."""
        line = self.check_serial(sku, serial)
        if line.has(serial):
            line.duplicates += 1
            return ScanResult(
                Verdict.DUPLICATE, line, f"serial {serial} was already scanned (counted once)"
            )
        line.add(serial)
        if self.blind:
            line.expected = len(line.scanned)
        return ScanResult(
            Verdict.ADDED, line, f"{sku} {serial}: {line.received} of {line.expected}"
        )

    def count(self, sku: str, quantity: int) -> ChecklistLine:
        """Units of a product without serials (or at a store not tracking serials)."""
        line = self.line(sku)
        if line.must_scan:
            raise BadRequest(f"{sku} needs a serial for every unit: scan them")
        if line.counted + quantity < 0:
            raise BadRequest(f"{sku}: cannot take away more than the {line.counted} counted")
        if line.counted + quantity > MAX_QUANTITY:
            # Refused here, at the entry: completing then failed naming no line.
            raise BadRequest(
                f"{sku}: {line.counted:,} counted, +{quantity:,} would pass the limit of "
                f"{MAX_QUANTITY:,} for one line: not counted"
            )
        line.counted += quantity
        if self.blind:
            line.expected = line.counted
        return line

    def case_to_count(self, code: str) -> CaseCount | None:
        """What scanning ``code`` counts: a case-pack ID the document lists stands for the
        units its line lists (the carton arrived whole, as shipped), on its own product's line
        whichever is selected. A case counted already is a repeat: an alert, counted once (a
        second scan of one carton must not receive its units twice); a session that saves its
        scans puts the cases counted before (an earlier session's) in ``cases_counted``.
        None: no case pack here.

        A case only holds products without serials (the ASN import refuses a case of a
        serialized product), so counting it never takes a unit that needs its serial."""
        code = code.strip()
        sku = self.case_packs.get(code)
        if sku is None:
            return None
        units = self.case_units.get(code, 0)
        return CaseCount(code, sku, units, self.cases_counted.get(code))

    def case_counted(
        self, case: CaseCount, at: datetime | None = None, by: str | None = None
    ) -> None:
        """Remember that ``case`` was counted (after its units were counted on its line)."""
        self.cases_counted[case.code] = CountedCase(case.sku, at, by)

    def rescan(self, sku: str) -> ChecklistLine:
        """Clear one product's scans (and the cases counted for it) to start it again."""
        line = self.line(sku)
        line.clear()
        for code in [c for c, mark in self.cases_counted.items() if mark.sku == sku]:
            del self.cases_counted[code]
        if self.blind:
            line.expected = 0
        return line

    def receive_all_gaps(self) -> dict[str, int]:
        """What :meth:`receive_all` would add, line by line (only lines it adds to), changing
        nothing: each line without serials, and an optional line's units not scanned, up to
        what the document expects. Never less: a line counted over is left as counted (the
        count is what arrived; its difference is shown at completion). Refused while a unit
        that must be scanned is unscanned (each such unit must be seen)."""
        left = self.unscanned_serialized()
        if left:
            raise UnscannedUnits(
                f"{left} serialized unit{'s' if left != 1 else ''} not "
                "scanned yet: scan each one before receiving all"
            )
        gaps = {
            line.sku: line.expected - line.received
            for line in self.lines.values()
            if not line.must_scan
        }
        return {sku: n for sku, n in gaps.items() if n > 0}

    def shown_counts(self) -> dict[str, int]:
        """What this checklist shows received on each line that takes a count, before a
        Receive all read from saved scans (:meth:`gaps_taken`)."""
        return {sku: ln.received for sku, ln in self.lines.items() if not ln.must_scan}

    def gaps_taken(self, shown: dict[str, int], gaps: dict[str, int]) -> dict[str, int]:
        """After a Receive all that refreshed this checklist from the saved scans and saved
        ``gaps``: count them here too, and say by SKU how far the saved counts differed from
        what it showed before (``shown``: :meth:`shown_counts`), what other terminals counted
        meanwhile; empty when none."""
        others = {
            sku: self.lines[sku].received - seen
            for sku, seen in shown.items()
            if self.lines[sku].received != seen
        }
        for sku, n in gaps.items():
            self.lines[sku].counted += n
        return others

    def receive_all(self) -> dict[str, int]:
        """Take every unserialized line as arrived in full, and an optional line's units not
        scanned as arrived without serials (:meth:`receive_all_gaps`); what it added, by
        SKU."""
        gaps = self.receive_all_gaps()
        for sku, n in gaps.items():
            self.lines[sku].counted += n
        return gaps
