"""Receiving one ASN: :class:`AsnReceiving`, a
:class:`~serialpos.services.receiving.ReceivingSession`.

Every scan is saved as it is made (table ``asn_scan``), so a console that dies mid-receiving
loses nothing, and :func:`~serialpos.services.asn.opening.open_asn` rebuilds the checklist
from the saved scans: a case pack's count is saved naming its case, so the cases counted
are rebuilt too and one case counts once per ASN, whichever session or terminal scans it.
Completion is one transaction: the units received, the quantities, the differences, the ASN
marked received and its event file owed; the file is written after the commit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db.asn_tables import asn_line_t, asn_scan_t, asn_t
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.checklist import (
    CaseCount,
    Checklist,
    ChecklistLine,
    CountedCase,
    Discrepancy,
    ScanResult,
)
from serialpos.domain.document_status import AsnStatus
from serialpos.domain.errors import (
    Conflict,
)
from serialpos.domain.event_files import EventLine, EventType
from serialpos.domain.events import DocumentRef
from serialpos.domain.states import Action
from serialpos.domain.users import Permission
from serialpos.services import event_files, journal_sink, ledger
from serialpos.services.asn.views import (
    DOCUMENT_TYPE,
    asn_c,
    asn_line_c,
    asn_scan_c,
)
from serialpos.services.context import Actor
from serialpos.services.receiving import CompletionResult, Discrepancies, check_receivable


# -- receiving --------------------------------------------------------------------------------
@dataclass
class ProductLines:
    """What completion needs per product: its ASN line numbers and which serial is on which."""

    numbers: list[int]
    serial_line: dict[str, int]
    quantities: dict[int, int] = field(default_factory=dict)  # line number -> quantity

    def split(self, received: int, listed: dict[int, int]) -> dict[int, int]:
        """How many of ``received`` units each ASN line of the product took: listed serials
        on their own line, the rest filling the lines in order, any excess on the last."""
        taken = dict.fromkeys(self.numbers, 0) | listed
        rest = received - sum(listed.values())
        for number in self.numbers:
            room = max(0, self.quantities.get(number, 0) - taken[number])
            step = min(room, rest)
            taken[number] += step
            rest -= step
        taken[self.numbers[-1]] += max(0, rest)
        return taken


class AsnReceiving:
    """Receiving one ASN at its store: a :class:`ReceivingSession`.

    Each accepted scan is saved before it shows on the checklist (``persist``); the
    integration path (``serialpos apply``) builds a session that saves nothing, so a refused
    call leaves no trace.
    """

    def __init__(
        self,
        db: Database,
        actor: Actor,
        *,
        asn: str,
        vendor: str,
        store: str,
        row_id: int,
        checklist: Checklist,
        lines: dict[str, ProductLines],
        outbox: Path | None,
        persist: bool = True,
    ) -> None:
        self.db = db
        self.actor = actor
        self.asn = asn
        self.vendor = vendor
        self.store = store
        self.outbox: Path | None = outbox  # None: the file stays owed (written at next start)
        self.checklist = checklist
        self.persist = persist
        self._row_id = row_id
        self._lines = lines

    @property
    def title(self) -> str:
        return f"ASN {self.asn} from {self.vendor}"

    # -- scans ------------------------------------------------------------------------------
    def scan(self, sku: str, serial: str) -> ScanResult:
        """Check one scanned serial (not on the ASN, breaking the format, already in stock
        anywhere, expected on another ASN...) and record it; a repeat is an alert."""
        self.actor.require(Permission.RECEIVE)
        line = self.checklist.line(sku)  # a product not on this ASN: refused before lookups
        if not line.serialized:
            self.checklist.check_serial(sku, serial)  # "count it, do not scan serials"
        clean = check_receivable(self.db, self.store, sku, serial, asn=self.asn)
        self.checklist.check_serial(sku, clean)  # a serial the ASN does not list
        if not line.has(clean):
            self._save([(sku, clean, 1)])
        return self.checklist.scan(sku, clean)

    def count(self, sku: str, quantity: int) -> ChecklistLine:
        self.actor.require(Permission.RECEIVE)
        line = self.checklist.line(sku)
        before = line.counted
        self.checklist.count(sku, quantity)  # refuses a serialized line or going below 0
        try:
            self._save([(sku, None, quantity)])
        except BaseException:
            line.counted = before
            raise
        return line

    def count_case(self, case: CaseCount) -> CaseCount:
        """Count a case pack's units once, saved in one row with the case's ID: a case
        counted already (by this session, an earlier one before a restart, or another
        terminal at the same moment: the unique index says) counts nothing and is answered
        as the repeat, naming when and by whom it was counted."""
        self.actor.require(Permission.RECEIVE)
        if case.repeat:
            return case
        line = self.checklist.line(case.sku)
        before = line.counted
        self.checklist.count(case.sku, case.units)
        try:
            at = self._save([(case.sku, None, case.units)], case=case.code)
        except sa.exc.IntegrityError:
            line.counted = before
            found = self.db.read(lambda conn: _case_saved(conn, self._row_id, case.code))
            self.checklist.case_counted(case, *(found or (None, None)))
            return self.checklist.case_to_count(case.code) or case
        except BaseException:
            line.counted = before
            raise
        self.checklist.case_counted(case, at, self.actor.user)
        return case

    def add_product(self, sku: str) -> ChecklistLine:
        """An ASN lists its products: one it does not list is refused (``not_on_asn``)."""
        return self.checklist.line(sku)

    def rescan(self, sku: str) -> ChecklistLine:
        """Clear one product's scans (saved ones too) to start it again. Refused once the
        ASN is received (on another terminal, say): its saved scans are what was received,
        and deleting them would change a receipt already recorded."""
        self.checklist.line(sku)
        if self.persist:
            row_id, asn = self._row_id, self.asn

            def work(conn: Connection) -> None:
                require_open(conn, row_id, asn)
                conn.execute(
                    sa.delete(asn_scan_t).where(asn_scan_c.asn_id == row_id, asn_scan_c.sku == sku)
                )

            self.db.write(work)
        return self.checklist.rescan(sku)

    def receive_all(self) -> dict[str, int]:
        """Every line without serials as arrived in full (an optional line's units not
        scanned, without serials); refused while a serialized unit is unscanned.

        What is missing is worked out from the scans saved for the ASN, read under the ASN
        row's exclusive lock in the transaction that saves the units added, not from this
        terminal's checklist: another terminal receiving the same ASN may have counted
        some meanwhile (a case pack, a quantity), and they are not added again; two
        terminals pressing it at once take turns, the second finding nothing missing. The
        checklist is refreshed from the saved scans. Returns, by SKU, how many units of a
        line without serials to scan differ from this checklist before it (what others
        counted meanwhile); empty when none."""
        self.actor.require(Permission.RECEIVE)
        if not self.persist:  # nothing saved (serialpos apply): the checklist is all there is
            self.checklist.receive_all()
            return {}
        shown = self.checklist.shown_counts()
        now, user, row_id = utcnow(), self.actor.user, self._row_id

        def work(conn: Connection) -> dict[str, int]:
            require_open(conn, row_id, self.asn, exclusive=True)
            apply_saved_scans(self.checklist, read_saved_scans(conn, row_id))
            gaps = self.checklist.receive_all_gaps()  # refuses first, saving nothing
            if gaps:
                _insert_scans(conn, row_id, [(sku, None, n) for sku, n in gaps.items()], now, user)
            return gaps

        return self.checklist.gaps_taken(shown, self.db.write(work))

    def _save(
        self, scans: list[tuple[str, str | None, int]], *, case: str | None = None
    ) -> datetime:
        """Save ``scans`` (``case``: the case pack the one count is); the time saved."""
        now, user, row_id = utcnow(), self.actor.user, self._row_id
        if not self.persist:
            return now

        def work(conn: Connection) -> None:
            require_open(conn, row_id, self.asn)
            _insert_scans(conn, row_id, scans, now, user, case)

        try:
            self.db.write(work)
        except sa.exc.IntegrityError:
            if len(scans) != 1 or scans[0][1] is None:
                raise
            # Another terminal receiving the same ASN saved this serial first: it is on the
            # receipt either way, so this scan lands on our checklist too.
        return now

    # -- completion --------------------------------------------------------------------------
    def complete(self, *, accept_discrepancies: bool = False) -> CompletionResult:
        """Receive what was scanned, in one transaction, and write the event file after.

        The scans received are the ones saved for the ASN, read inside the completing
        transaction after the ASN row is claimed: a second terminal scanning the same ASN
        has its scans received too, and one it is saving at that moment either commits
        first (and is received) or finds the ASN received (and is refused)."""
        self.actor.require(Permission.RECEIVE)
        if not self.persist:  # nothing saved to read again: refuse before any transaction
            early = self.checklist.discrepancies()
            if early and not accept_discrepancies:
                raise Discrepancies(early)
        outcome: list[tuple[list[Discrepancy], int]] = []

        def work(conn: Connection) -> None:
            now = utcnow()
            done = conn.execute(
                sa.update(asn_t)
                .where(asn_c.id == self._row_id, asn_c.status == AsnStatus.OPEN)
                .values(status=AsnStatus.RECEIVED, received_at=now, received_by=self.actor.user)
            )
            if done.rowcount != 1:
                raise Conflict(f"ASN {self.asn} was received meanwhile (another terminal)")
            if self.persist:
                apply_saved_scans(self.checklist, read_saved_scans(conn, self._row_id))
            found = self.checklist.discrepancies()
            if found and not accept_discrepancies:
                raise Discrepancies(found)  # rolls the claim back: the ASN stays open
            if found:
                conn.execute(
                    sa.update(asn_t)
                    .where(asn_c.id == self._row_id)
                    .values(
                        discrepancies=json.dumps(
                            [
                                {
                                    "sku": d.sku,
                                    "expected": d.expected,
                                    "received": d.received,
                                    "missing": list(d.missing),
                                }
                                for d in found
                            ]
                        )
                    )
                )
            lines = list(self.checklist.lines.values())
            event_lines = []
            for line in lines:
                where = self._lines[line.sku]
                by_number: dict[int, list[str]] = {}
                for serial in line.scanned:
                    number = where.serial_line.get(serial, where.numbers[0])
                    by_number.setdefault(number, []).append(serial)
                for number, serials in sorted(by_number.items()):
                    ledger.move_in(
                        conn,
                        self.db,
                        self.actor,
                        ledger.Step(Action.RECEIVE, self.store, line.sku, serials),
                        DocumentRef(DOCUMENT_TYPE, self.asn, str(number)),
                    )
                if line.counted > 0:  # units without serials (an optional product's too)
                    ledger.move_in(
                        conn,
                        self.db,
                        self.actor,
                        ledger.Step(Action.RECEIVE, self.store, line.sku, quantity=line.counted),
                        DocumentRef(DOCUMENT_TYPE, self.asn, str(where.numbers[0])),
                    )
                listed: dict[int, int] = {}
                for serial in line.scanned:
                    on = where.serial_line.get(serial)
                    if on is not None:
                        listed[on] = listed.get(on, 0) + 1
                for number, got in where.split(line.received, listed).items():
                    if got:
                        conn.execute(
                            sa.update(asn_line_t)
                            .where(asn_line_c.asn_id == self._row_id, asn_line_c.number == number)
                            .values(received=got)
                        )
                event_lines.append(EventLine(line.sku, line.received, tuple(line.scanned)))
            event_files.owe(
                conn,
                event_type=EventType.ASN_RECEIPT.value,
                document_id=self.asn,
                store=self.store,
                user=self.actor.user,
                lines=event_lines,
                completed_at=now,
            )
            # On a store terminal: the same receipt at central, as the scans made here
            # (services/journal_sink.py); the ASN is known there by the same id.
            scans: list[dict[str, object]] = []
            for line in lines:
                scans += [{"sku": line.sku, "serial": serial} for serial in line.scanned]
                scans += [{"sku": line.sku}] * line.counted
            journal_sink.record(
                self.db,
                conn,
                self.actor,
                {
                    "op": "asn_receive",
                    "asn": self.asn,
                    "store": self.store,
                    "scans": scans,
                    "complete": True,
                },
            )
            outcome.append((found, sum(ln.received for ln in lines)))

        self.db.write(work)
        found, received = outcome[-1]
        if self.outbox is None:
            report = event_files.WriteReport((), ("no outbox folder is configured",))
        else:
            report = event_files.write_owed(self.db, self.outbox)
        return CompletionResult(self.asn, received, tuple(found), report)


class SavedScan(NamedTuple):
    """One row of ``asn_scan``: a serial, or a count (``case``: the case pack it is)."""

    sku: str
    serial: str | None
    quantity: int
    case: str | None = None
    at: datetime | None = None
    by: str | None = None


def read_saved_scans(conn: Connection, row_id: int) -> list[SavedScan]:
    c = asn_scan_c
    return [
        SavedScan(sku, serial, int(qty), case, at, by)
        for sku, serial, qty, case, at, by in conn.execute(
            sa.select(c.sku, c.serial, c.quantity, c.case_pack, c.scanned_at, c.user_name)
            .where(c.asn_id == row_id)
            .order_by(c.id)
        )
    ]


def _insert_scans(
    conn: Connection,
    row_id: int,
    scans: list[tuple[str, str | None, int]],
    at: datetime,
    user: str,
    case: str | None = None,
) -> None:
    """Save ``scans`` (SKU, serial or None, quantity) of the ASN as made at ``at`` by
    ``user``; ``case``: the case pack the one count is."""
    conn.execute(
        sa.insert(asn_scan_t),
        [
            {
                "asn_id": row_id,
                "sku": sku,
                "serial": serial,
                "quantity": qty,
                "scanned_at": at,
                "user_name": user,
                "case_pack": case,
            }
            for sku, serial, qty in scans
        ],
    )


def _case_saved(conn: Connection, row_id: int, case: str) -> tuple[datetime, str] | None:
    """When and by whom ``case`` was counted on the ASN (None: its count was taken back)."""
    found = conn.execute(
        sa.select(asn_scan_c.scanned_at, asn_scan_c.user_name).where(
            asn_scan_c.asn_id == row_id, asn_scan_c.case_pack == case
        )
    ).first()
    return None if found is None else (found[0], found[1])


def apply_saved_scans(checklist: Checklist, scans: list[SavedScan]) -> None:
    """Put the saved scans on the checklist, replacing what it held: serials in the order
    scanned, counts summed, the case packs counted remembered. A saved scan that no longer
    fits its line (the store's serialized inventory setting changed since) is left out."""
    for each in checklist.lines.values():
        each.clear()
    checklist.cases_counted.clear()
    for scan in scans:
        line = checklist.lines.get(scan.sku)
        if line is None:
            continue
        if scan.serial is not None and line.serialized and not line.has(scan.serial):
            line.add(scan.serial)
        elif scan.serial is None and not line.must_scan:
            line.counted = max(0, line.counted + scan.quantity)
        if scan.case is not None:
            checklist.cases_counted[scan.case] = CountedCase(scan.sku, scan.at, scan.by)


def require_open(conn: Connection, row_id: int, asn: str, *, exclusive: bool = False) -> None:
    """Refuse a scan on a received ASN. The share lock (PostgreSQL) makes a completion on
    another terminal wait for this scan's commit, so it is received, never lost.
    ``exclusive``: the row locked for update instead, so no other terminal saves a scan on
    the ASN until this transaction ends (what it read of the saved scans stays true)."""
    status = conn.execute(
        sa.select(asn_c.status).where(asn_c.id == row_id).with_for_update(read=not exclusive)
    ).scalar_one()
    if status != AsnStatus.OPEN:
        raise Conflict(f"ASN {asn} was already received: nothing more can be scanned on it")
