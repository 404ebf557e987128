"""Blind receiving: goods arrive without an ASN. The stockroom enters the vendor and the
delivery's reference, scans each product and then its serials, and completes; the receipt is
recorded as one stock document (``R-S01-000042``) with its ledger events and its event file.

The same per-serial checks as an ASN receipt apply (:func:`receiving.check_receivable`: the
format, a product barcode scanned as a serial, a unit in stock or sold anywhere, a unit another
ASN expects), and a serial scanned twice is an alert counted once.

**Scans are kept until completion in a draft file, not in the ledger.** The receipt is
written to the database in one transaction when it completes, so a crash before then never
leaves half a receipt in the ledger and no draft can block a unit for another terminal. Each
accepted scan, count and rescan is also appended to a small journal file (``drafts`` folder,
one JSON line each) as it is made: a handheld whose SSH session drops loses nothing, and the
Receiving menu offers to resume the receipt, each serial checked again as it is replayed (a
unit received elsewhere meanwhile is left out and named). The journal is deleted when the
receipt completes or is given up. A database table would let any terminal resume it, but
needs a migration of its own; the journal is local to the machine the console runs on. It is
flushed, not fsynced, per scan: it survives the console process dying (the dropped session),
not a power cut.

**A store with serialized inventory off** receives quantities only: every line is counted
(no serials asked), and the ledger records the quantity.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.checklist import (
    CaseCount,
    Checklist,
    ChecklistLine,
    ScanResult,
    Verdict,
)
from serialpos.domain.errors import BadRequest, BadValue, DomainError
from serialpos.domain.event_files import EventLine, EventType
from serialpos.domain.events import DocumentRef
from serialpos.domain.products import Product, check_short_text
from serialpos.domain.serials import require_serial
from serialpos.domain.states import Action
from serialpos.domain.text import clip
from serialpos.domain.users import Permission
from serialpos.files import write_atomically
from serialpos.services import event_files, journal_sink, ledger, stock_documents, stock_lines
from serialpos.services.context import Actor
from serialpos.services.database_identity import database_identity
from serialpos.services.products import get_product
from serialpos.services.receiving import CompletionResult, check_receivable, count_case_held
from serialpos.services.scanned_codes import blind_receipt_codes
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
    journal: Path | None = None  # the draft file each change is appended to
    journal_problem: str = ""  # why there is no journal (scans kept in memory only)
    database: str = ""  # the database's identity, kept in the draft (database_identity.py)
    _products: dict[str, Product] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.checklist = Checklist(
            [], document=self.reference or self.vendor, kind="blind receipt", blind=True
        )

    @property
    def title(self) -> str:
        ref = f" {self.reference}" if self.reference else ""
        return f"Blind receipt{ref} from {self.vendor}"

    # -- the draft journal ---------------------------------------------------------------------
    def _log(self, **entry: Any) -> None:
        """Append one change to the journal; a journal that cannot be written is dropped (the
        scans stay in memory) and the reason kept for the screen."""
        if self.journal is None:
            return
        try:
            with self.journal.open("a", encoding="utf-8") as out:
                out.write(json.dumps(entry, separators=(",", ":")) + "\n")
        except OSError as exc:
            self.journal_problem = (
                f"the draft file {self.journal} cannot be written "
                f"({exc.strerror or exc}): scans are kept in memory only"
            )
            self.journal = None

    def discard(self) -> None:
        """Give the receipt up: its draft file goes (nothing was recorded in the ledger)."""
        if self.journal is not None:
            with contextlib.suppress(OSError):
                self.journal.unlink(missing_ok=True)
            self.journal = None

    def _header(self) -> dict[str, Any]:
        return {
            "op": "open",
            "store": self.store,
            "database": self.database,
            "vendor": self.vendor,
            "reference": self.reference,
            "user": self.actor.user,
            "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }

    def _state_entries(self) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = []
        for line in self.checklist.lines.values():
            entries.append({"op": "add", "sku": line.sku})
            entries.extend(
                {"op": "scan", "sku": line.sku, "serial": serial} for serial in line.scanned
            )
            if line.counted:
                entries.append({"op": "count", "sku": line.sku, "quantity": line.counted})
        return entries

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
        line = self.checklist.add_line(product.sku, product.name, serialized)
        self._log(op="add", sku=sku)
        return line

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
        result = self.checklist.scan(sku, serial)
        if result.verdict is Verdict.ADDED:
            self._log(op="scan", sku=sku, serial=serial)
        return result

    def count(self, sku: str, quantity: int) -> ChecklistLine:
        self._open()
        self._line_for(sku)
        line = self.checklist.count(sku, quantity)
        self._log(op="count", sku=sku, quantity=quantity)
        return line

    def count_case(self, case: CaseCount) -> CaseCount:
        return count_case_held(self, case, self.actor.user)

    def rescan(self, sku: str) -> ChecklistLine:
        self._open()
        line = self.checklist.rescan(sku)
        self._log(op="rescan", sku=sku)
        return line

    def receive_all(self) -> dict[str, int]:
        """Nothing is announced on a blind receipt, so everything scanned is all there is."""
        self._open()
        self.checklist.receive_all()
        return {}

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
        items = [
            (line.sku, tuple(line.scanned), 0 if line.serialized else line.counted)
            for line in lines
        ]
        number = record_receipt(self.db, self.actor, self.store, self.vendor, self.reference, items)
        self.number = number
        self.discard()  # recorded: the draft has done its work
        report = event_files.write_owed(self.db, self.outbox)
        received = sum(line.received for line in lines)
        return CompletionResult(number, received, (), report)


def record_receipt(
    db: Database,
    actor: Actor,
    store: str,
    vendor: str,
    reference: str | None,
    items: list[tuple[str, tuple[str, ...], int]],
    *,
    number: str | None = None,
) -> str:
    """Record a blind receipt in ONE transaction (document, ledger RECEIVE per product, the
    event file owed); its number. ``items``: (sku, serials, quantity) per product, serials
    or a quantity. ``number``: as a store terminal gave it (its journaled line applied at
    central). On a terminal the receipt is journaled in the same transaction
    (services/journal_sink.py), as the ``receive`` line that does the same at central."""
    actor.require(Permission.RECEIVE)

    def work(conn: Connection) -> str:
        store_id = repo.store_id(db, conn, store)
        given = number or stock_documents.next_number(
            conn, store, store_id, KIND, terminal=journal_sink.terminal_of(db)
        )
        stock_documents.record(
            conn,
            actor,
            number=given,
            kind=KIND,
            store_id=store_id,
            vendor=vendor,
            reference=reference,
        )
        for index, (sku, serials, quantity) in enumerate(items, start=1):
            document = DocumentRef(KIND, given, str(index))
            if serials:
                step = ledger.Step(Action.RECEIVE, store, sku, serials=serials)
            else:
                step = ledger.Step(Action.RECEIVE, store, sku, quantity=quantity)
            ledger.move_in(conn, db, actor, step, document)
        event_files.owe(
            conn,
            event_type=EventType.BLIND_RECEIPT.value,
            document_id=given,
            store=store,
            user=actor.user,
            lines=[
                EventLine(sku, len(serials) or quantity, serials)
                for sku, serials, quantity in items
            ],
        )
        line: dict[str, object] = {"op": "receive", "store": store, "number": given}
        line |= {"vendor": vendor, **({"reference": reference} if reference else {})}
        line["items"] = [
            stock_lines.item(sku, serials, quantity) for sku, serials, quantity in items
        ]
        journal_sink.record(db, conn, actor, line)
        return given

    return db.write(work)


def open_blind_receipt(
    db: Database,
    actor: Actor,
    store: str,
    vendor: str,
    reference: str | None,
    outbox: Path,
    drafts: Path | None = None,
) -> BlindReceiving:
    """Start a blind receipt from ``vendor`` at ``store``; ``reference`` is the delivery's
    own number (a packing slip), when it has one. With ``drafts`` (a folder), every change is
    journalled there until the receipt completes (see :func:`resume_blind_receipt`)."""
    actor.require(Permission.RECEIVE)
    vendor_text = check_short_text(vendor, "vendor", MAX_VENDOR)
    if not vendor_text:
        raise BadValue("a blind receipt needs the vendor's name")
    ref = check_short_text(reference or "", "reference", MAX_REFERENCE) or None
    vendor_text, ref = blind_receipt_codes(db, vendor_text, ref)  # no unit's serial, spelt once
    tracked = get_settings(db, store).serialized_inventory  # UnknownStore for a bad code
    session = BlindReceiving(db, actor, store, vendor_text, ref, outbox, tracked)
    session.database = database_identity(db, store)
    if drafts is not None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        path = drafts / f"{_safe(store)}-{stamp}-{secrets.token_hex(3)}{DRAFT_SUFFIX}"
        try:
            drafts.mkdir(parents=True, exist_ok=True)
            write_atomically(path, (json.dumps(session._header()) + "\n").encode())
        except OSError as exc:
            session.journal_problem = (
                f"the draft file {path} cannot be made "
                f"({exc.strerror or exc}): scans are kept in memory "
                "only"
            )
        else:
            session.journal = path
    return session


# -- drafts -------------------------------------------------------------------------------------
DRAFT_SUFFIX = ".jsonl"


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)


@dataclass(frozen=True)
class BlindDraft:
    """A blind receipt left unfinished (its console closed or died), as its journal says."""

    path: Path
    store: str
    vendor: str
    reference: str | None
    user: str
    started_at: str
    units: int

    @property
    def title(self) -> str:
        ref = f" {self.reference}" if self.reference else ""
        return f"Blind receipt{ref} from {self.vendor}"


def _read_journal(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The header and the changes of a journal; a torn last line (the process died while
    writing it) is left out."""
    entries: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as handle:
        for text in handle:
            try:
                entry = json.loads(text)
            except ValueError:
                continue
            if isinstance(entry, dict):
                entries.append(entry)
    if not entries or entries[0].get("op") != "open":
        raise BadRequest(f"{path.name} is not a blind receipt draft")
    return entries[0], entries[1:]


def _units(entries: list[dict[str, Any]]) -> int:
    serials: dict[str, set[str]] = {}
    counted: dict[str, int] = {}
    for entry in entries:
        sku = str(entry.get("sku"))
        if entry.get("op") == "scan":
            serials.setdefault(sku, set()).add(str(entry.get("serial")))
        elif entry.get("op") == "count":
            counted[sku] = counted.get(sku, 0) + int(entry.get("quantity", 0))
        elif entry.get("op") == "rescan":
            serials.pop(sku, None)
            counted.pop(sku, None)
    return sum(len(found) for found in serials.values()) + sum(counted.values())


def blind_drafts(drafts: Path, store: str, database: str) -> list[BlindDraft]:
    """The unfinished blind receipts of ``store`` in ``drafts``, oldest first: only those
    started on this database (``database``: its :func:`database_identity`). A draft of
    another database (a demo's, a test copy's) or of none named is not offered."""
    found: list[BlindDraft] = []
    if not drafts.is_dir():
        return found
    for path in sorted(drafts.glob(f"*{DRAFT_SUFFIX}")):
        try:
            head, entries = _read_journal(path)
        except (OSError, DomainError):
            continue
        if head.get("store") != store or head.get("database") != database:
            continue
        found.append(
            BlindDraft(
                path,
                str(head.get("store")),
                str(head.get("vendor")),
                head.get("reference"),
                str(head.get("user")),
                str(head.get("at")),
                _units(entries),
            )
        )
    return found


def resume_blind_receipt(
    db: Database, actor: Actor, path: Path, outbox: Path
) -> tuple[BlindReceiving, list[str]]:
    """Take up an unfinished blind receipt from its draft file. Every change is made again
    through the same checks; what is refused now (a unit received elsewhere meanwhile) is left
    out and said in the list returned. The draft is rewritten to what was kept."""
    actor.require(Permission.RECEIVE)
    try:
        head, entries = _read_journal(path)
    except OSError as exc:
        raise BadRequest(f"the draft {path.name} cannot be read: {exc.strerror or exc}") from None
    store = str(head.get("store"))
    if head.get("database") != database_identity(db, store):
        raise BadRequest(f"the draft {path.name} was started on another database: not resumed here")
    session = open_blind_receipt(
        db, actor, store, str(head.get("vendor")), head.get("reference"), outbox
    )
    left_out: list[str] = []
    for entry in entries:
        op, sku = entry.get("op"), str(entry.get("sku"))
        try:
            if op == "add":
                session.add_product(sku)
            elif op == "scan":
                session.scan(sku, str(entry.get("serial")))
            elif op == "count":
                session.count(sku, int(entry.get("quantity", 0)))
            elif op == "rescan" and sku in session.checklist.lines:
                session.rescan(sku)
        except DomainError as exc:
            left_out.append(f"{clip(sku)}: {exc.message}")
    entries_now = [head, *session._state_entries()]
    write_atomically(
        path, "".join(json.dumps(e, separators=(",", ":")) + "\n" for e in entries_now).encode()
    )
    session.journal = path
    return session, left_out
