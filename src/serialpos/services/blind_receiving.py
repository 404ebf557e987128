"""Blind receiving: goods arrive without an ASN. The stockroom enters the vendor and the
delivery's reference, scans each product and then its serials, and completes; the receipt is
recorded as one stock document (``R-S01-000042``) with its ledger events and its event file.

The same per-serial checks as an ASN receipt apply (:func:`receiving.check_receivable`: the
format, a product barcode scanned as a serial, a unit in stock or sold anywhere, a unit another
ASN expects), and a serial scanned twice is an alert counted once.

**Scans are kept in memory until completion.** The receipt is written in one transaction when
it completes: a crash or a closed console before then loses the scans but never leaves half a
receipt in the ledger, and no draft rows can go stale or block a unit for another terminal.
Keeping a draft in the database would let a handheld resume after a dropped SSH session, but
needs a table (a migration) of its own; the console asks before leaving a receipt with scans.

**A store with serialized inventory off** receives quantities only: every line is counted
(no serials asked), and the ledger records the quantity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.checklist import Checklist, ChecklistLine, ScanResult
from serialpos.domain.errors import BadRequest, BadValue
from serialpos.domain.event_files import EventLine, EventType
from serialpos.domain.events import DocumentRef
from serialpos.domain.products import Product, check_short_text
from serialpos.domain.serials import require_serial
from serialpos.domain.states import Action
from serialpos.domain.users import Permission
from serialpos.services import event_files, ledger, stock_documents
from serialpos.services.context import Actor
from serialpos.services.products import get_product
from serialpos.services.receiving import CompletionResult, check_receivable
from serialpos.services.settings import get_settings

KIND = "blind_receipt"
MAX_VENDOR = 100
MAX_REFERENCE = 64


class ReceiptClosed(BadRequest):
    """The receipt was completed already: nothing more can be scanned on it."""

    code = "receipt_completed"


@dataclass
class BlindReceiving:
    """One blind receipt in progress at ``store`` (a :class:`ReceivingSession`)."""

    db: Database
    actor: Actor
    store: str
    vendor: str
    reference: str | None
    outbox: Path
    serials_tracked: bool = True
    checklist: Checklist = field(init=False)
    number: str | None = None  # the document number, once completed
    _products: dict[str, Product] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.checklist = Checklist([], document=self.reference or self.vendor,
                                   kind="blind receipt", blind=True)

    @property
    def title(self) -> str:
        ref = f" {self.reference}" if self.reference else ""
        return f"Blind receipt{ref} from {self.vendor}"

    # -- lines ---------------------------------------------------------------------------------
    def _open(self) -> None:
        if self.number is not None:
            raise ReceiptClosed(f"this receipt was completed as {self.number}: start a new one")

    def _line_for(self, sku: str) -> ChecklistLine:
        line = self.checklist.lines.get(sku)
        return line if line is not None else self.add_product(sku)

    def add_product(self, sku: str) -> ChecklistLine:
        """Start a line for a catalogue product (UnknownProduct when there is none: the
        console offers quick-create). A product already on the receipt keeps its line."""
        self._open()
        line = self.checklist.lines.get(sku)
        if line is not None:
            return line
        product = get_product(self.db, sku)
        self._products[sku] = product
        serialized = product.serial_mode.tracked and self.serials_tracked
        return self.checklist.add_line(product.sku, product.name, serialized)

    def scan(self, sku: str, serial: str) -> ScanResult:
        """Check one serial of ``sku`` and put it on the receipt (the product's line starts
        if it has none). A repeat is an alert, counted once; a refusal changes nothing."""
        self._open()
        new = sku not in self.checklist.lines
        line = self._line_for(sku)
        try:
            serial = require_serial(serial)
            self.checklist.check_serial(sku, serial)
            if not line.has(serial):  # a repeat is only an alert: no need to ask the database
                serial = check_receivable(self.db, self.store, sku, serial)
        except Exception:
            if new:  # the line this scan started goes with it
                del self.checklist.lines[sku]
            raise
        return self.checklist.scan(sku, serial)

    def count(self, sku: str, quantity: int) -> ChecklistLine:
        self._open()
        self._line_for(sku)
        return self.checklist.count(sku, quantity)

    def rescan(self, sku: str) -> ChecklistLine:
        self._open()
        return self.checklist.rescan(sku)

    def receive_all(self) -> None:
        """Nothing is announced on a blind receipt, so everything scanned is all there is."""
        self._open()
        self.checklist.receive_all()

    # -- completing -----------------------------------------------------------------------------
    def complete(self, *, accept_discrepancies: bool = False) -> CompletionResult:
        """Record the receipt in ONE transaction (document, ledger RECEIVE per product, the
        event file owed), then write the event file. A blind receipt has nothing to differ
        from, so ``accept_discrepancies`` changes nothing."""
        self._open()
        lines = [line for line in self.checklist.lines.values() if line.received > 0]
        if not lines:
            raise BadRequest("nothing has been scanned or counted on this receipt yet")
        self.actor.require(Permission.RECEIVE)
        actor, store, db = self.actor, self.store, self.db

        def work(conn: Connection) -> str:
            store_id = repo.store_id(db, conn, store)
            number = stock_documents.next_number(conn, store, store_id, KIND)
            stock_documents.record(conn, actor, number=number, kind=KIND, store_id=store_id,
                                   vendor=self.vendor, reference=self.reference)
            for index, line in enumerate(lines, start=1):
                document = DocumentRef(KIND, number, str(index))
                if line.serialized:
                    step = ledger.Step(Action.RECEIVE, store, line.sku,
                                       serials=tuple(line.scanned))
                else:
                    step = ledger.Step(Action.RECEIVE, store, line.sku, quantity=line.counted)
                ledger.move_in(conn, db, actor, step, document)
            event_files.owe(conn, event_type=EventType.BLIND_RECEIPT.value, document_id=number,
                            store=store, user=actor.user,
                            lines=[EventLine(line.sku, line.received, tuple(line.scanned))
                                   for line in lines])
            return number

        number = db.write(work)
        self.number = number
        report = event_files.write_owed(db, self.outbox)
        received = sum(line.received for line in lines)
        return CompletionResult(number, received, (), report)


def open_blind_receipt(db: Database, actor: Actor, store: str, vendor: str,
                       reference: str | None, outbox: Path) -> BlindReceiving:
    """Start a blind receipt from ``vendor`` at ``store``; ``reference`` is the delivery's
    own number (a packing slip), when it has one."""
    actor.require(Permission.RECEIVE)
    vendor_text = check_short_text(vendor, "vendor", MAX_VENDOR)
    if not vendor_text:
        raise BadValue("a blind receipt needs the vendor's name")
    ref = check_short_text(reference or "", "reference", MAX_REFERENCE) or None
    tracked = get_settings(db, store).serialized_inventory  # UnknownStore for a bad code
    return BlindReceiving(db, actor, store, vendor_text, ref, outbox, tracked)

