"""The receiving store's side of a transfer: the ASN checklist against the shipped serials.

A unit not shipped on the transfer is refused; units not received stay in transit and stay
listed on the transfer as such. Those units can be received later on the same checklist (the
rest of a received transfer, :attr:`TransferReceiving.rest`), as ``apply`` ``transfer_in``
takes them: the transfer stays received, the units come in. The outbox holds one
``transfer_receipt`` file per transfer (the first receipt's), so the rest owes none, as
``transfer_in`` owes none.

Every scan and count is saved as it is made (services/transfers/saved_scans.py), so a
console that restarts loses nothing and a second terminal on the same transfer sees what
the first counted; the units are taken in by services/transfers/taking_in.py.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.checklist import (
    CaseCount,
    Checklist,
    ChecklistLine,
    Discrepancy,
    NotOnDocument,
    ScanResult,
    Verdict,
)
from serialpos.domain.document_status import TransferStatus
from serialpos.domain.errors import BadRequest
from serialpos.domain.serials import require_serial
from serialpos.domain.text import clip
from serialpos.domain.users import Permission
from serialpos.services import event_files, scan_resolver
from serialpos.services.context import Actor
from serialpos.services.outgoing import tracks_serials
from serialpos.services.receiving import CompletionResult, Discrepancies, count_case_held
from serialpos.services.transfers import saved_scans
from serialpos.services.transfers.taking_in import receive_lines, still_in_transit
from serialpos.services.transfers.views import (
    TransferView,
    get_transfer,
    transfer_row,
    transfer_view,
)


# -- the receiving store ----------------------------------------------------------------------
class TransferReceiving:
    """Receiving a shipped transfer at its destination: the ASN checklist, expecting exactly
    the units still in transit on it. Each scan and count is saved as it is made
    (services/transfers/saved_scans.py), and the checklist starts from the scans saved so far
    (by this terminal before a restart, or by another terminal on the same transfer);
    completion receives the saved scans (``transfer_in``), deletes them and owes the
    ``transfer_receipt`` file in one transaction."""

    #: Scans are saved as they are made: leaving the checklist loses nothing (the console
    #: asks no confirmation, as for an ASN).
    persist = True

    def __init__(self, db: Database, actor: Actor, store: str, number: str, outbox: Path) -> None:
        actor.require(Permission.RECEIVE)
        self.db, self.actor, self.store, self.outbox = db, actor, store, outbox
        #: Receiving the units still in transit on a transfer received already.
        self.rest = False

        def read(
            conn: Connection,
        ) -> tuple[TransferView, int, saved_scans.Mark, list[saved_scans.SavedScan], bool]:
            row = transfer_row(conn, number)
            return (
                transfer_view(conn, row),
                int(row.id),
                saved_scans.read_mark(conn, int(row.id)),
                saved_scans.read(conn, int(row.id)),
                tracks_serials(db, conn, store),
            )

        view, self._row_id, self._mark, saved, by_serial = db.read(read)
        self.transfer = self._check(view)
        lines = []
        for ln in self.transfer.lines:
            if not ln.outstanding:
                continue
            serialized = bool(ln.serials) and by_serial
            lines.append(
                ChecklistLine(
                    ln.sku,
                    ln.name,
                    ln.outstanding,
                    serialized,
                    frozenset(ln.outstanding_serials) if serialized else None,
                )
            )
        self.checklist = Checklist(lines, document=self.transfer.number, kind="transfer")
        saved_scans.restore(self.checklist, saved)

    def _check(self, view: TransferView) -> TransferView:
        if view.to_store != self.store:
            raise BadRequest(f"transfer {view.number} goes to {view.to_store}, not to {self.store}")
        if view.status == TransferStatus.OPEN:
            raise BadRequest(f"transfer {view.number} has not been shipped yet")
        if view.status == TransferStatus.RECEIVED and view.in_transit:
            self.rest = True  # units never arrived at the first receipt: the rest now
        elif view.status == TransferStatus.RECEIVED:
            raise BadRequest(
                f"transfer {view.number} was received already"
                + (
                    f"; {view.in_transit} units are still in transit on it"
                    if view.in_transit
                    else ""
                )
            )
        return view

    @property
    def title(self) -> str:
        rest = " (rest)" if self.rest else ""  # 38 columns hold it
        return f"Transfer {self.transfer.number} from {self.transfer.from_store}{rest}"

    def scan(self, sku: str, serial: str) -> ScanResult:
        """Check one scanned serial and save it before it shows on the checklist. A repeat
        is an alert and saves nothing: one this checklist holds, or one another terminal
        saved first (the unique index says), which then shows here too."""
        clean = require_serial(serial)
        sku = self._line_for(sku, clean)
        line = self.checklist.check_serial(sku, clean)  # refused: nothing saved
        if not line.has(clean) and not self._save([(sku, clean, 1)]):
            line.add(clean)
            line.duplicates += 1
            return ScanResult(
                Verdict.DUPLICATE,
                line,
                f"serial {clean} was already scanned on another terminal (counted once)",
            )
        return self.checklist.scan(sku, clean)

    def _line_for(self, sku: str, clean: str) -> str:
        """A serial the transfer carries under another product lands on that product's line
        (a bare serial finds its own product); one it does not carry is refused naming the
        unit's own product, state and store, never the product selected."""
        line = self.checklist.lines.get(sku)
        listed = None if line is None else line.expected_serials
        if listed is not None and line is not None and clean not in listed and not line.has(clean):
            for other in self.checklist.lines.values():
                if other.expected_serials is not None and clean in other.expected_serials:
                    return other.sku
            units = self.db.read(lambda conn: scan_resolver.units_with_serial(conn, clean))
            unit = next((u for u in units if u.product.sku != sku), None)
            if unit is not None:
                raise NotOnDocument(
                    f"serial {clip(clean)} is {unit.where}: it is not on "
                    f"transfer {self.transfer.number}"
                )
        return sku

    def count(self, sku: str, quantity: int) -> ChecklistLine:
        """Units counted (negative: taken back), saved. Never more than the transfer has in
        transit of the product, counting what every terminal saved (read under the
        transfer's lock, so two terminals counting the same cables cannot both add them)."""
        line = self.checklist.line(sku)
        if not line.serialized and line.counted + quantity > line.expected:
            raise BadRequest(
                f"{sku}: only {line.expected} shipped on transfer {self.transfer.number}"
            )
        before = line.counted
        self.checklist.count(sku, quantity)  # refuses a serialized line or going below 0
        try:
            self._save([(sku, None, quantity)], limit=None if line.serialized else line.expected)
        except BaseException:
            line.counted = before
            raise
        return line

    def count_case(self, case: CaseCount) -> CaseCount:
        return count_case_held(self, case, self.actor.user)

    def add_product(self, sku: str) -> ChecklistLine:
        return self.checklist.line(sku)  # a transfer lists its products: others are refused

    def rescan(self, sku: str) -> ChecklistLine:
        """Clear one product's scans (saved ones too, every terminal's) to start it again.
        Refused once the transfer was received (on another terminal, say): its saved scans
        were what was received, and nothing is deleted."""
        self.checklist.line(sku)
        row_id, number, mark = self._row_id, self.transfer.number, self._mark

        def work(conn: Connection) -> None:
            saved_scans.require_unchanged(conn, row_id, number, mark)
            saved_scans.delete(conn, row_id, sku)

        self.db.write(work)
        return self.checklist.rescan(sku)

    def receive_all(self) -> dict[str, int]:
        """Every line without serials as arrived in full; refused while a serialized unit is
        unscanned. What is missing is worked out from the saved scans, read under the
        transfer's exclusive lock in the transaction that saves what it adds (another
        terminal may have counted some meanwhile); the checklist is refreshed from them.
        Returns, by SKU, how far the saved counts differ from this checklist before it."""
        shown = self.checklist.shown_counts()
        now, user, row_id = utcnow(), self.actor.user, self._row_id
        number, mark = self.transfer.number, self._mark

        def work(conn: Connection) -> dict[str, int]:
            saved_scans.require_unchanged(conn, row_id, number, mark, exclusive=True)
            saved_scans.restore(self.checklist, saved_scans.read(conn, row_id))
            gaps = self.checklist.receive_all_gaps()  # refuses first, saving nothing
            if gaps:
                rows: list[tuple[str, str | None, int]] = [(k, None, n) for k, n in gaps.items()]
                saved_scans.insert(conn, row_id, rows, now, user)
            return gaps

        return self.checklist.gaps_taken(shown, self.db.write(work))

    def _save(self, scans: list[tuple[str, str | None, int]], *, limit: int | None = None) -> bool:
        """Save ``scans`` in their own transaction; False: the one serial was saved already
        (by another terminal). ``limit``: the one count may not take the product's saved
        counts over it (checked under the transfer's exclusive lock)."""
        now, user, row_id = utcnow(), self.actor.user, self._row_id
        number, mark = self.transfer.number, self._mark

        def work(conn: Connection) -> None:
            saved_scans.require_unchanged(conn, row_id, number, mark, exclusive=limit is not None)
            if limit is not None:
                sku, _serial, quantity = scans[0]
                counted = sum(
                    s.quantity
                    for s in saved_scans.read(conn, row_id)
                    if s.sku == sku and not s.serial
                )
                if counted + quantity > limit:
                    raise BadRequest(
                        f"{sku}: only {limit} shipped on transfer {number}, {counted} counted "
                        "already (another terminal's count too): not counted"
                    )
            saved_scans.insert(conn, row_id, scans, now, user)

        try:
            self.db.write(work)
        except sa.exc.IntegrityError:
            if len(scans) != 1 or scans[0][1] is None:
                raise
            return False
        return True

    def complete(self, *, accept_discrepancies: bool = False) -> CompletionResult:
        """Receive the scans saved for the transfer, read inside the completing transaction
        under the transfer row's lock: another terminal's scans are received too, and one it
        is saving at that moment either commits first (and is received) or finds the
        transfer received (and is refused). The saved scans are deleted with it."""
        db, actor, store, shown = (
            self.db,
            self.actor,
            self.store,
            list(self.checklist.lines.values()),
        )
        outcome: list[tuple[list[Discrepancy], int]] = []

        def work(conn: Connection) -> None:
            row = transfer_row(conn, self.transfer.number, lock=True)
            if self.rest and row.status == TransferStatus.RECEIVED:
                still_in_transit(conn, row.id, row.number, shown)
            elif row.status != TransferStatus.SHIPPED:
                raise BadRequest(f"transfer {row.number} was received already")
            saved_scans.require_unchanged(conn, row.id, row.number, self._mark)
            saved_scans.restore(self.checklist, saved_scans.read(conn, row.id))
            found = self.checklist.discrepancies()
            if found and not accept_discrepancies:
                raise Discrepancies(found)
            lines = list(self.checklist.lines.values())
            if not any(line.received for line in lines):
                raise BadRequest(f"nothing scanned or counted on transfer {row.number}")
            outcome.append((found, receive_lines(db, conn, actor, store, row, lines)))
            saved_scans.delete(conn, row.id)

        db.write(work)
        found, received = outcome[-1]
        self.transfer = get_transfer(db, self.transfer.number)
        return CompletionResult(
            self.transfer.number, received, tuple(found), event_files.write_owed(db, self.outbox)
        )
