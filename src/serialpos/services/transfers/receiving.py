"""The receiving store's side of a transfer: the ASN checklist against the shipped serials.

A unit not shipped on the transfer is refused; units not received stay in transit and stay
listed on the transfer as such. Those units can be received later on the same checklist (the
rest of a received transfer, :attr:`TransferReceiving.rest`), as ``apply`` ``transfer_in``
takes them: the transfer stays received, the units come in. The outbox holds one
``transfer_receipt`` file per transfer (the first receipt's), so the rest owes none, as
``transfer_in`` owes none.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.checklist import (
    CaseCount,
    Checklist,
    ChecklistLine,
    NotOnDocument,
    ScanResult,
)
from serialpos.domain.document_status import TransferStatus
from serialpos.domain.errors import BadRequest
from serialpos.domain.event_files import EventLine, EventType
from serialpos.domain.events import DocumentRef
from serialpos.domain.serials import require_serial
from serialpos.domain.states import Action
from serialpos.domain.text import clip
from serialpos.domain.users import Permission
from serialpos.services import event_files, journal_sink, ledger, scan_resolver, stock_lines
from serialpos.services.context import Actor
from serialpos.services.outgoing import tracks_serials
from serialpos.services.receiving import CompletionResult, Discrepancies, count_case_held
from serialpos.services.transfers.views import (
    DOCUMENT_TYPE,
    TransferView,
    get_transfer,
    line_c,
    line_t,
    transfer_c,
    transfer_row,
    transfer_t,
    transfer_view,
    unit_c,
    unit_t,
)


# -- the receiving store ----------------------------------------------------------------------
class TransferReceiving:
    """Receiving a shipped transfer at its destination: the ASN checklist, expecting exactly
    the units still in transit on it. Scans are held in the checklist; completion receives
    them (``transfer_in``) and owes the ``transfer_receipt`` file in one transaction."""

    def __init__(self, db: Database, actor: Actor, store: str, number: str, outbox: Path) -> None:
        actor.require(Permission.RECEIVE)
        self.db, self.actor, self.store, self.outbox = db, actor, store, outbox
        #: Receiving the units still in transit on a transfer received already.
        self.rest = False
        self.transfer = self._check(
            db.read(lambda conn: transfer_view(conn, transfer_row(conn, number)))
        )
        by_serial = db.read(lambda conn: tracks_serials(db, conn, store))
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
        """A serial the transfer carries under another product lands on that product's line
        (a bare serial finds its own product); one it does not carry is refused naming the
        unit's own product, state and store, never the product selected."""
        clean = require_serial(serial)
        line = self.checklist.lines.get(sku)
        listed = None if line is None else line.expected_serials
        if listed is not None and line is not None and clean not in listed and not line.has(clean):
            for other in self.checklist.lines.values():
                if other.expected_serials is not None and clean in other.expected_serials:
                    return self.checklist.scan(other.sku, clean)
            units = self.db.read(lambda conn: scan_resolver.units_with_serial(conn, clean))
            unit = next((u for u in units if u.product.sku != sku), None)
            if unit is not None:
                raise NotOnDocument(
                    f"serial {clip(clean)} is {unit.where}: it is not on "
                    f"transfer {self.transfer.number}"
                )
        return self.checklist.scan(sku, clean)

    def count(self, sku: str, quantity: int) -> ChecklistLine:
        line = self.checklist.line(sku)
        if not line.serialized and line.counted + quantity > line.expected:
            raise BadRequest(
                f"{sku}: only {line.expected} shipped on transfer {self.transfer.number}"
            )
        return self.checklist.count(sku, quantity)

    def count_case(self, case: CaseCount) -> CaseCount:
        return count_case_held(self, case, self.actor.user)

    def add_product(self, sku: str) -> ChecklistLine:
        return self.checklist.line(sku)  # a transfer lists its products: others are refused

    def rescan(self, sku: str) -> ChecklistLine:
        return self.checklist.rescan(sku)

    def receive_all(self) -> dict[str, int]:
        self.checklist.receive_all()
        return {}

    def complete(self, *, accept_discrepancies: bool = False) -> CompletionResult:
        found = self.checklist.discrepancies()
        if found and not accept_discrepancies:
            raise Discrepancies(found)
        lines = list(self.checklist.lines.values())
        if not any(line.received for line in lines):
            raise BadRequest(f"nothing scanned or counted on transfer {self.transfer.number}")
        db, actor, store = self.db, self.actor, self.store

        def work(conn: Connection) -> int:
            row = transfer_row(conn, self.transfer.number, lock=True)
            if self.rest and row.status == TransferStatus.RECEIVED:
                _still_in_transit(conn, row.id, row.number, lines)
            elif row.status != TransferStatus.SHIPPED:
                raise BadRequest(f"transfer {row.number} was received already")
            doc = DocumentRef(DOCUMENT_TYPE, row.number)
            out: list[EventLine] = []
            items: list[dict[str, object]] = []
            total = 0
            for line in lines:
                if not line.received:
                    continue
                pid = repo.product_by_sku(conn, line.sku).id
                if line.serialized:
                    ledger.move_in(
                        conn,
                        db,
                        actor,
                        ledger.Step(Action.TRANSFER_IN, store, line.sku, list(line.scanned)),
                        doc,
                    )
                    mark_received(conn, row.id, pid, line.scanned)
                    out.append(EventLine(line.sku, len(line.scanned), tuple(line.scanned)))
                    items.append(stock_lines.item(line.sku, line.scanned))
                else:
                    _receive_quantity(
                        db, conn, actor, row.id, pid, store, line.sku, line.counted, doc
                    )
                    out.append(EventLine(line.sku, line.counted))
                    items.append(stock_lines.item(line.sku, quantity=line.counted))
                total += line.received
            if row.status == TransferStatus.SHIPPED:
                conn.execute(
                    transfer_t.update()
                    .where(transfer_c.id == row.id)
                    .values(
                        status=TransferStatus.RECEIVED,
                        received_by=actor.user,
                        received_at=utcnow(),
                    )
                )
                event_files.owe(
                    conn,
                    event_type=EventType.TRANSFER_RECEIPT.value,
                    document_id=row.number,
                    store=store,
                    user=actor.user,
                    lines=out,
                )
            # On a store terminal: the same units taken in on the same transfer at central,
            # which closes it there as here (services/journal_sink.py).
            journal_sink.record(
                db,
                conn,
                actor,
                {
                    "op": "transfer_in",
                    "store": store,
                    "transfer": row.number,
                    "complete": True,
                    "items": items,
                },
            )
            return total

        received = db.write(work)
        self.transfer = get_transfer(db, self.transfer.number)
        return CompletionResult(
            self.transfer.number, received, tuple(found), event_files.write_owed(db, self.outbox)
        )


def _still_in_transit(
    conn: Connection, transfer_id: int, number: str, lines: Iterable[ChecklistLine]
) -> None:
    """The rest of a received transfer: every unit scanned or counted is still in transit on
    it (another terminal, or ``apply`` ``transfer_in``, may have taken some in since)."""
    from serialpos.services.transfers.sending import line_quantities

    quantities = line_quantities(conn, transfer_id)
    for line in lines:
        if line.serialized and line.scanned:
            pid = repo.product_by_sku(conn, line.sku).id
            taken = conn.execute(
                sa.select(unit_c.serial).where(
                    unit_c.transfer_id == transfer_id,
                    unit_c.product_id == pid,
                    unit_c.serial.in_(line.scanned),
                    unit_c.received.is_(True),
                )
            ).first()
            if taken is not None:
                raise BadRequest(
                    f"serial {clip(taken[0])} was received on transfer {number} meanwhile: "
                    "open it again"
                )
        elif not line.serialized and line.counted and line.sku in quantities:
            quantity, received = quantities[line.sku]
            if quantity and line.counted > quantity - received:
                raise BadRequest(
                    f"{line.sku}: {line.counted} counted but {quantity - received} still in "
                    f"transit on transfer {number}: open it again"
                )


def mark_received(
    conn: Connection, transfer_id: int, product_id: int, serials: Iterable[str]
) -> None:
    conn.execute(
        unit_t.update()
        .where(
            unit_c.transfer_id == transfer_id,
            unit_c.product_id == product_id,
            unit_c.serial == sa.bindparam("s"),
        )
        .values(received=True),
        [{"s": s} for s in serials],
    )


def _receive_quantity(
    db: Database,
    conn: Connection,
    actor: Actor,
    transfer_id: int,
    product_id: int,
    store: str,
    sku: str,
    quantity: int,
    doc: DocumentRef,
) -> None:
    """Units of a quantity line (or serialized units counted at a store not tracking serials,
    whose serials then stay listed in transit on the transfer)."""
    ledger.move_in(
        conn, db, actor, ledger.Step(Action.TRANSFER_IN, store, sku, quantity=quantity), doc
    )
    bump_line(conn, transfer_id, product_id, 0, quantity)


def bump_line(
    conn: Connection, transfer_id: int, product_id: int, quantity: int, received: int
) -> None:
    exists = conn.execute(
        sa.select(line_c.quantity).where(
            line_c.transfer_id == transfer_id, line_c.product_id == product_id
        )
    ).first()
    if exists is None:
        conn.execute(
            line_t.insert().values(
                transfer_id=transfer_id, product_id=product_id, quantity=quantity, received=received
            )
        )
    else:
        conn.execute(
            line_t.update()
            .where(line_c.transfer_id == transfer_id, line_c.product_id == product_id)
            .values(quantity=line_c.quantity + quantity, received=line_c.received + received)
        )
