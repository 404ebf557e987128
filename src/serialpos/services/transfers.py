"""Store-to-store transfers: create one, scan units onto it, ship it, receive it at the other
store with the same checklist as an ASN.

Units are put in transit AT SHIP, not when scanned: while the transfer is open its units stay
in stock at the sending store (so a scan can be taken off again, and a sale in the meantime is
caught at ship with the ledger's refusal naming the unit). Shipping moves every unit on it with
``transfer_out`` under the document ("transfer", number) and owes the ``transfer_shipment``
event file, in one transaction. The receiving store scans against the shipped serials; a unit
not shipped on the transfer is refused, units not received stay in transit and stay listed on
the transfer as such.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.db.transfer_tables import Transfer, TransferLine, TransferUnit
from serialpos.domain.checklist import (
    Checklist,
    ChecklistLine,
    NotOnDocument,
    ScanResult,
)
from serialpos.domain.errors import BadRequest, DomainError, DuplicateSerial, NotInStock
from serialpos.domain.event_files import EventLine, EventType
from serialpos.domain.events import DocumentRef
from serialpos.domain.serials import require_serial
from serialpos.domain.states import Action
from serialpos.domain.text import clip
from serialpos.domain.users import Permission
from serialpos.services import event_files, ledger, scan_resolver, stock_documents
from serialpos.services.context import Actor
from serialpos.services.outgoing import PickedUnit, resolve_unit, stock_product, tracks_serials
from serialpos.services.receiving import CompletionResult, Discrepancies

transfer_t: sa.Table = Transfer.__table__  # type: ignore[attr-defined]
line_t: sa.Table = TransferLine.__table__  # type: ignore[attr-defined]
unit_t: sa.Table = TransferUnit.__table__  # type: ignore[attr-defined]
_t, _l, _u, _p = transfer_t.c, line_t.c, unit_t.c, repo.product_t.c

OPEN, SHIPPED, RECEIVED = "open", "shipped", "received"
DOCUMENT_TYPE = "transfer"
#: How many transfers a list shows at most (the newest first).
LIST_LIMIT = 200


class UnknownTransfer(DomainError):
    code = "unknown_transfer"


# -- views ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class TransferLineView:
    """One product on a transfer: units shipped (or picked, while open) and received."""

    sku: str
    name: str
    quantity: int  # units on the transfer
    received: int
    serials: tuple[str, ...]  # serialized units on it, sorted ("" lines hold none)
    received_serials: tuple[str, ...]

    @property
    def outstanding(self) -> int:
        return self.quantity - self.received

    @property
    def outstanding_serials(self) -> tuple[str, ...]:
        got = set(self.received_serials)
        return tuple(s for s in self.serials if s not in got)


@dataclass(frozen=True)
class TransferView:
    number: str
    from_store: str
    to_store: str
    status: str
    created_by: str
    created_at: datetime
    shipped_at: datetime | None
    received_at: datetime | None
    lines: tuple[TransferLineView, ...]

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def received(self) -> int:
        return sum(line.received for line in self.lines)

    @property
    def in_transit(self) -> int:
        """Units shipped and not received yet (none while the transfer is open)."""
        return 0 if self.status == OPEN else self.units - self.received

    def line(self, sku: str) -> TransferLineView | None:
        return next((ln for ln in self.lines if ln.sku == sku), None)

    def report(self) -> dict[str, list[dict[str, Any]]]:
        """``shipped``, ``received`` and ``in_transit`` per SKU, as hosts read them: each a
        list of ``{"sku", "quantity", "serials"}`` (nothing is shipped while it is open)."""
        shipped = self.status != OPEN
        return {
            "shipped": [
                {"sku": ln.sku, "quantity": ln.quantity, "serials": list(ln.serials)}
                for ln in self.lines
                if shipped and ln.quantity
            ],
            "received": [
                {"sku": ln.sku, "quantity": ln.received, "serials": list(ln.received_serials)}
                for ln in self.lines
                if ln.received
            ],
            "in_transit": [
                {"sku": ln.sku, "quantity": ln.outstanding, "serials": list(ln.outstanding_serials)}
                for ln in self.lines
                if shipped and ln.outstanding
            ],
        }


@dataclass(frozen=True)
class TransferSummary:
    number: str
    from_store: str
    to_store: str
    status: str
    units: int
    received: int
    created_at: datetime

    @property
    def in_transit(self) -> int:
        return 0 if self.status == OPEN else self.units - self.received


@dataclass(frozen=True)
class ScanOutcome:
    """What one scan (or a pasted list) did to an open transfer."""

    added: tuple[PickedUnit, ...]
    repeated: tuple[str, ...]  # already on this transfer: counted once
    sku: str
    on_line: int  # units of that product on the transfer now
    total: int  # units on the transfer now


@dataclass(frozen=True)
class ShipResult:
    transfer: TransferView
    files: event_files.WriteReport


# -- reading --------------------------------------------------------------------------------
def _row(conn: Connection, number: str, *, lock: bool = False) -> sa.Row[Any]:
    query = sa.select(transfer_t).where(_t.number == number)
    if lock and conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).first()
    if row is None:
        raise UnknownTransfer(f"there is no transfer '{clip(number)}'")
    return row


def _view(conn: Connection, row: sa.Row[Any]) -> TransferView:
    codes = repo.store_codes(conn)
    names: dict[str, str] = {}
    quantities: dict[str, int] = defaultdict(int)
    received: dict[str, int] = defaultdict(int)
    serials: dict[str, list[str]] = defaultdict(list)
    got: dict[str, list[str]] = defaultdict(list)
    for sku, name, serial, done in conn.execute(
        sa.select(_p.sku, _p.name, _u.serial, _u.received)
        .join(repo.product_t, _p.id == _u.product_id)
        .where(_u.transfer_id == row.id)
        .order_by(_p.sku, _u.serial)
    ):
        names[sku] = name
        quantities[sku] += 1
        serials[sku].append(serial)
        if done:
            received[sku] += 1
            got[sku].append(serial)
    for sku, name, qty, done in conn.execute(
        sa.select(_p.sku, _p.name, _l.quantity, _l.received)
        .join(repo.product_t, _p.id == _l.product_id)
        .where(_l.transfer_id == row.id)
    ):
        names[sku] = name
        quantities[sku] += int(qty)
        received[sku] += int(done)
    lines = tuple(
        TransferLineView(
            sku, names[sku], quantities[sku], received[sku], tuple(serials[sku]), tuple(got[sku])
        )
        for sku in sorted(names)
        if quantities[sku] or sku in serials
    )
    return TransferView(
        row.number,
        codes[row.from_store_id],
        codes[row.to_store_id],
        row.status,
        row.created_by,
        row.created_at,
        row.shipped_at,
        row.received_at,
        lines,
    )


def get_transfer(db: Database, number: str) -> TransferView:
    return db.read(lambda conn: _view(conn, _row(conn, number)))


def list_transfers(db: Database, store: str, *, incoming: bool) -> list[TransferSummary]:
    """Transfers coming to ``store`` (shipped, or received with units still in transit), or
    going from it (open or shipped), newest first."""

    def work(conn: Connection) -> list[TransferSummary]:
        here = repo.store_id(db, conn, store)
        codes = repo.store_codes(conn)
        units = sa.select(sa.func.count()).where(_u.transfer_id == _t.id).scalar_subquery()
        got = (
            sa.select(sa.func.count()).where(_u.transfer_id == _t.id, _u.received).scalar_subquery()
        )
        qty = (
            sa.select(sa.func.coalesce(sa.func.sum(_l.quantity), 0))
            .where(_l.transfer_id == _t.id)
            .scalar_subquery()
        )
        qty_got = (
            sa.select(sa.func.coalesce(sa.func.sum(_l.received), 0))
            .where(_l.transfer_id == _t.id)
            .scalar_subquery()
        )
        if incoming:  # shipped here, or received with units still in transit
            where = sa.and_(
                _t.to_store_id == here,
                sa.or_(
                    _t.status == SHIPPED,
                    sa.and_(_t.status == RECEIVED, units + qty > got + qty_got),
                ),
            )
        else:
            where = sa.and_(_t.from_store_id == here, _t.status != RECEIVED)
        rows = conn.execute(
            sa.select(
                _t.number,
                _t.from_store_id,
                _t.to_store_id,
                _t.status,
                _t.created_at,
                units.label("units"),
                got.label("got"),
                qty.label("qty"),
                qty_got.label("qty_got"),
            )
            .where(where)
            .order_by(_t.id.desc())
            .limit(LIST_LIMIT)
        )
        return [
            TransferSummary(
                r.number,
                codes[r.from_store_id],
                codes[r.to_store_id],
                r.status,
                int(r.units) + int(r.qty),
                int(r.got) + int(r.qty_got),
                r.created_at,
            )
            for r in rows
        ]

    return db.read(work)


# -- the sending store ----------------------------------------------------------------------
def create_transfer(db: Database, actor: Actor, from_store: str, to_store: str) -> TransferView:
    """A new open transfer from ``from_store`` to ``to_store``, numbered T-<store>-NNNNNN."""
    actor.require(Permission.RECEIVE)
    if from_store == to_store:
        raise BadRequest("a transfer must go to another store")

    def work(conn: Connection) -> TransferView:
        here = repo.store_id(db, conn, from_store)
        there = repo.store_id(db, conn, to_store)
        number = stock_documents.next_number(conn, from_store, here, "transfer")
        conn.execute(
            transfer_t.insert().values(
                number=number,
                from_store_id=here,
                to_store_id=there,
                status=OPEN,
                created_by=actor.user,
                terminal=actor.terminal,
                created_at=utcnow(),
            )
        )
        return _view(conn, _row(conn, number))

    return db.write(work)


def _open_here(db: Database, conn: Connection, number: str, store: str) -> sa.Row[Any]:
    row = _row(conn, number, lock=True)
    if row.from_store_id != repo.store_id(db, conn, store):
        raise BadRequest(
            f"transfer {row.number} is sent from another store; it is picked and shipped there"
        )
    if row.status != OPEN:
        raise BadRequest(
            f"transfer {row.number} is {row.status}: units can no longer be added or taken off"
        )
    return row


def _on_other_open(conn: Connection, transfer_id: int, product_id: int, serial: str) -> str | None:
    return conn.execute(
        sa.select(_t.number)
        .join(unit_t, _u.transfer_id == _t.id)
        .where(
            _u.product_id == product_id,
            _u.serial == serial,
            _t.status == OPEN,
            _t.id != transfer_id,
        )
        .limit(1)
    ).scalar_one_or_none()


def _count(conn: Connection, transfer_id: int, product_id: int | None = None) -> int:
    where = [_u.transfer_id == transfer_id]
    lwhere = [_l.transfer_id == transfer_id]
    if product_id is not None:
        where.append(_u.product_id == product_id)
        lwhere.append(_l.product_id == product_id)
    units = conn.execute(sa.select(sa.func.count()).where(*where)).scalar_one()
    qty = conn.execute(
        sa.select(sa.func.coalesce(sa.func.sum(_l.quantity), 0)).where(*lwhere)
    ).scalar_one()
    return int(units) + int(qty)


def add_units(
    db: Database,
    actor: Actor,
    number: str,
    store: str,
    sku: str | None,
    serials: list[str],
    *,
    labelled: bool = False,
) -> ScanOutcome:
    """Put scanned units on an open transfer (they stay in stock until it ships). Each must be
    in stock here; one refused unit refuses the whole list, naming it. A unit already on this
    transfer is reported as a repeat and counted once."""
    actor.require(Permission.RECEIVE)
    if not serials:
        raise BadRequest("scan or paste the serials to put on the transfer")

    def work(conn: Connection) -> ScanOutcome:
        row = _open_here(db, conn, number, store)
        added: list[PickedUnit] = []
        repeated: list[str] = []
        seen: set[tuple[str, str]] = set()
        product_ids: dict[str, int] = {}
        for raw in serials:
            unit = resolve_unit(db, conn, store, raw, sku, Action.TRANSFER_OUT, labelled=labelled)
            product = stock_product(db, conn, store, unit.sku)
            if not product.by_serial:
                raise BadRequest(
                    f"serialized inventory is off at {store}: count {unit.sku}, "
                    "do not scan its serials"
                )
            pid = product_ids.setdefault(unit.sku, repo.product_by_sku(conn, unit.sku).id)
            key = (unit.sku, unit.serial)
            if (
                key in seen
                or conn.execute(
                    sa.select(_u.id).where(
                        _u.transfer_id == row.id, _u.product_id == pid, _u.serial == unit.serial
                    )
                ).first()
                is not None
            ):
                repeated.append(unit.serial)
                continue
            other = _on_other_open(conn, row.id, pid, unit.serial)
            if other is not None:
                raise DuplicateSerial(
                    f"serial {unit.serial} is already on transfer {other}; take it off there first"
                )
            seen.add(key)
            added.append(unit)
        if added:
            conn.execute(
                unit_t.insert(),
                [
                    {
                        "transfer_id": row.id,
                        "product_id": product_ids[u.sku],
                        "serial": u.serial,
                        "received": False,
                    }
                    for u in added
                ],
            )
        last = added[-1].sku if added else (sku or "")
        on_line = _count(conn, row.id, product_ids[last]) if last in product_ids else 0
        return ScanOutcome(tuple(added), tuple(repeated), last, on_line, _count(conn, row.id))

    return db.write(work)


def remove_units(
    db: Database, actor: Actor, number: str, store: str, sku: str | None, serials: list[str]
) -> ScanOutcome:
    """Take units off an open transfer; a serial not on it is refused, naming it."""
    actor.require(Permission.RECEIVE)

    def work(conn: Connection) -> ScanOutcome:
        row = _open_here(db, conn, number, store)
        removed: list[PickedUnit] = []
        for raw in serials:
            serial = require_serial(raw)
            query = (
                sa.select(_u.id, _p.sku, _p.name, _u.product_id)
                .join(repo.product_t, _p.id == _u.product_id)
                .where(_u.transfer_id == row.id, _u.serial == serial)
            )
            if sku is not None:
                query = query.where(_p.sku == sku)
            found = conn.execute(query).first()
            if found is None:
                raise NotOnDocument(f"serial {clip(serial)} is not on transfer {row.number}")
            conn.execute(unit_t.delete().where(_u.id == found.id))
            removed.append(PickedUnit(found.sku, found.name, serial))
        last = removed[-1].sku if removed else (sku or "")
        on_line = 0
        if last:
            on_line = _count(conn, row.id, repo.product_by_sku(conn, last).id)
        return ScanOutcome(tuple(removed), (), last, on_line, _count(conn, row.id))

    return db.write(work)


def set_quantity(
    db: Database, actor: Actor, number: str, store: str, sku: str, change: int
) -> ScanOutcome:
    """Add (or, negative, take off) units of a product moved as a quantity: one without
    serials, or any product at a store with serialized inventory off."""
    actor.require(Permission.RECEIVE)
    if change == 0:
        raise BadRequest("give a quantity other than 0")

    def work(conn: Connection) -> ScanOutcome:
        row = _open_here(db, conn, number, store)
        product = stock_product(db, conn, store, sku)
        if not product.quantity_allowed:
            raise BadRequest(f"{sku} needs a serial for every unit: scan them")
        pid = repo.product_by_sku(conn, sku).id
        current = conn.execute(
            sa.select(_l.quantity).where(_l.transfer_id == row.id, _l.product_id == pid)
        ).scalar_one_or_none()
        new = (current or 0) + change
        if new < 0:
            raise BadRequest(f"{sku}: only {current or 0} on transfer {row.number}")
        on_hand = repo.stock_quantity(conn, pid, repo.store_id(db, conn, store))
        if change > 0 and new > on_hand:
            raise NotInStock(f"{sku}: {new} on the transfer but only {on_hand} on hand at {store}")
        if current is None:
            conn.execute(
                line_t.insert().values(transfer_id=row.id, product_id=pid, quantity=new, received=0)
            )
        else:
            conn.execute(
                line_t.update()
                .where(_l.transfer_id == row.id, _l.product_id == pid)
                .values(quantity=new)
            )
        return ScanOutcome((), (), sku, _count(conn, row.id, pid), _count(conn, row.id))

    return db.write(work)


def cancel_transfer(db: Database, actor: Actor, number: str, store: str) -> int:
    """Drop an open transfer that will not ship: nothing on it ever left the store (no ledger
    event names it), so its units are simply free again. Returns how many were on it."""
    actor.require(Permission.RECEIVE)

    def work(conn: Connection) -> int:
        row = _open_here(db, conn, number, store)
        on_it = _count(conn, row.id)
        conn.execute(unit_t.delete().where(_u.transfer_id == row.id))
        conn.execute(line_t.delete().where(_l.transfer_id == row.id))
        conn.execute(transfer_t.delete().where(_t.id == row.id))
        return on_it

    return db.write(work)


def _units_by_sku(
    conn: Connection, transfer_id: int, *, received: bool | None = None
) -> dict[str, list[str]]:
    query = (
        sa.select(_p.sku, _u.serial)
        .join(repo.product_t, _p.id == _u.product_id)
        .where(_u.transfer_id == transfer_id)
        .order_by(_p.sku, _u.serial)
    )
    if received is not None:
        query = query.where(_u.received == received)
    out: dict[str, list[str]] = defaultdict(list)
    for sku, serial in conn.execute(query):
        out[sku].append(serial)
    return out


def _quantities(conn: Connection, transfer_id: int) -> dict[str, tuple[int, int]]:
    return {
        sku: (int(q), int(r))
        for sku, q, r in conn.execute(
            sa.select(_p.sku, _l.quantity, _l.received)
            .join(repo.product_t, _p.id == _l.product_id)
            .where(_l.transfer_id == transfer_id)
        )
    }


def ship(db: Database, actor: Actor, number: str, store: str, outbox: Path) -> ShipResult:
    """Ship an open transfer: every unit on it goes in transit to the receiving store, the
    ``transfer_shipment`` event file is owed, all in one transaction; then the file is written."""
    actor.require(Permission.RECEIVE)

    def work(conn: Connection) -> TransferView:
        row = _open_here(db, conn, number, store)
        codes = repo.store_codes(conn)
        to = codes[row.to_store_id]
        doc = DocumentRef(DOCUMENT_TYPE, row.number)
        lines: list[EventLine] = []
        for sku, serials in _units_by_sku(conn, row.id).items():
            ledger.move_in(
                conn,
                db,
                actor,
                ledger.Step(Action.TRANSFER_OUT, store, sku, serials, to_store=to),
                doc,
            )
            lines.append(EventLine(sku, len(serials), tuple(serials)))
        for sku, (qty, _got) in _quantities(conn, row.id).items():
            if qty:
                ledger.move_in(
                    conn,
                    db,
                    actor,
                    ledger.Step(Action.TRANSFER_OUT, store, sku, quantity=qty, to_store=to),
                    doc,
                )
                lines.append(EventLine(sku, qty))
        if not lines:
            raise BadRequest(f"transfer {row.number} has nothing on it to ship")
        conn.execute(
            transfer_t.update()
            .where(_t.id == row.id)
            .values(status=SHIPPED, shipped_by=actor.user, shipped_at=utcnow())
        )
        event_files.owe(
            conn,
            event_type=EventType.TRANSFER_SHIPMENT.value,
            document_id=row.number,
            store=store,
            user=actor.user,
            lines=lines,
        )
        return _view(conn, _row(conn, row.number))

    view = db.write(work)
    return ShipResult(view, event_files.write_owed(db, outbox))


# -- the receiving store ----------------------------------------------------------------------
class TransferReceiving:
    """Receiving a shipped transfer at its destination: the ASN checklist, expecting exactly
    the units still in transit on it. Scans are held in the checklist; completion receives
    them (``transfer_in``) and owes the ``transfer_receipt`` file in one transaction."""

    def __init__(self, db: Database, actor: Actor, store: str, number: str, outbox: Path) -> None:
        actor.require(Permission.RECEIVE)
        self.db, self.actor, self.store, self.outbox = db, actor, store, outbox
        self.transfer = self._check(db.read(lambda conn: _view(conn, _row(conn, number))))
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
        if view.status == OPEN:
            raise BadRequest(f"transfer {view.number} has not been shipped yet")
        if view.status == RECEIVED:
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
        return f"Transfer {self.transfer.number} from {self.transfer.from_store}"

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

    def add_product(self, sku: str) -> ChecklistLine:
        return self.checklist.line(sku)  # a transfer lists its products: others are refused

    def rescan(self, sku: str) -> ChecklistLine:
        return self.checklist.rescan(sku)

    def receive_all(self) -> None:
        self.checklist.receive_all()

    def complete(self, *, accept_discrepancies: bool = False) -> CompletionResult:
        found = self.checklist.discrepancies()
        if found and not accept_discrepancies:
            raise Discrepancies(found)
        lines = list(self.checklist.lines.values())
        if not any(line.received for line in lines):
            raise BadRequest(f"nothing scanned or counted on transfer {self.transfer.number}")
        db, actor, store = self.db, self.actor, self.store

        def work(conn: Connection) -> int:
            row = _row(conn, self.transfer.number, lock=True)
            if row.status != SHIPPED:
                raise BadRequest(f"transfer {row.number} was received already")
            doc = DocumentRef(DOCUMENT_TYPE, row.number)
            out: list[EventLine] = []
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
                    _mark_received(conn, row.id, pid, line.scanned)
                    out.append(EventLine(line.sku, len(line.scanned), tuple(line.scanned)))
                else:
                    _receive_quantity(
                        db, conn, actor, row.id, pid, store, line.sku, line.counted, doc
                    )
                    out.append(EventLine(line.sku, line.counted))
                total += line.received
            conn.execute(
                transfer_t.update()
                .where(_t.id == row.id)
                .values(status=RECEIVED, received_by=actor.user, received_at=utcnow())
            )
            event_files.owe(
                conn,
                event_type=EventType.TRANSFER_RECEIPT.value,
                document_id=row.number,
                store=store,
                user=actor.user,
                lines=out,
            )
            return total

        received = db.write(work)
        self.transfer = get_transfer(db, self.transfer.number)
        return CompletionResult(
            self.transfer.number, received, tuple(found), event_files.write_owed(db, self.outbox)
        )


def _mark_received(
    conn: Connection, transfer_id: int, product_id: int, serials: Iterable[str]
) -> None:
    conn.execute(
        unit_t.update()
        .where(
            _u.transfer_id == transfer_id,
            _u.product_id == product_id,
            _u.serial == sa.bindparam("s"),
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
    _bump_line(conn, transfer_id, product_id, 0, quantity)


# -- serialpos apply ----------------------------------------------------------------------
def apply_out(
    db: Database, actor: Actor, step: ledger.Step, number: str, create: bool, line: str | None
) -> tuple[ledger.LedgerResult, TransferView] | None:
    """``transfer_out`` naming a transfer: its units join the transfer and ship at once (the
    transfer is created, shipped, when ``create`` and new). None when the transfer is unknown
    and not to be created: the id is then only a document reference, as before transfers
    were kept."""

    if step.store == step.to_store:
        raise BadRequest("a transfer must go to another store")

    def work(conn: Connection) -> tuple[ledger.LedgerResult, TransferView] | None:
        found = conn.execute(sa.select(_t.id).where(_t.number == number)).first()
        here = repo.store_id(db, conn, step.store)
        there = repo.store_id(db, conn, step.to_store or "")
        if found is None:
            if not create:
                return None
            conn.execute(
                transfer_t.insert().values(
                    number=number,
                    from_store_id=here,
                    to_store_id=there,
                    status=SHIPPED,
                    created_by=actor.user,
                    terminal=actor.terminal,
                    created_at=utcnow(),
                    shipped_by=actor.user,
                    shipped_at=utcnow(),
                )
            )
        row = _row(conn, number, lock=True)
        if (row.from_store_id, row.to_store_id) != (here, there):
            codes = repo.store_codes(conn)
            raise BadRequest(
                f"transfer {number} goes from {codes[row.from_store_id]} to "
                f"{codes[row.to_store_id]}"
            )
        if row.status == OPEN:
            raise BadRequest(f"transfer {number} is still open in the console: ship it there")
        if row.status == RECEIVED:
            raise BadRequest(f"transfer {number} was received already: start another")
        result = ledger.move_in(conn, db, actor, step, DocumentRef(DOCUMENT_TYPE, number, line))
        pid = repo.product_by_sku(conn, result.sku).id
        if result.units:
            conn.execute(
                unit_t.insert(),
                [
                    {
                        "transfer_id": row.id,
                        "product_id": pid,
                        "serial": u.serial,
                        "received": False,
                    }
                    for u in result.units
                ],
            )
        else:
            _bump_line(conn, row.id, pid, -result.quantity, 0)
        return result, _view(conn, _row(conn, number))

    return db.write(work)


def apply_in(
    db: Database, actor: Actor, step: ledger.Step, number: str, line: str | None
) -> tuple[ledger.LedgerResult, TransferView] | None:
    """``transfer_in`` naming a known transfer: only units shipped on it and still in transit
    are taken in. None when the transfer is unknown (a document reference only)."""

    def work(conn: Connection) -> tuple[ledger.LedgerResult, TransferView] | None:
        if conn.execute(sa.select(_t.id).where(_t.number == number)).first() is None:
            return None
        row = _row(conn, number, lock=True)
        if row.to_store_id != repo.store_id(db, conn, step.store):
            raise BadRequest(
                f"transfer {number} goes to {repo.store_codes(conn)[row.to_store_id]}"
                f", not to {step.store}"
            )
        if row.status == OPEN:
            raise BadRequest(f"transfer {number} has not been shipped yet")
        pid = repo.product_by_sku(conn, step.sku).id
        serials = [require_serial(s) for s in step.serials]
        for serial in serials:
            done = conn.execute(
                sa.select(_u.received).where(
                    _u.transfer_id == row.id, _u.product_id == pid, _u.serial == serial
                )
            ).scalar_one_or_none()
            if done is None:
                raise NotOnDocument(
                    f"serial {clip(serial)} of {step.sku} is not on transfer {number}"
                )
            if done:
                raise DuplicateSerial(
                    f"serial {clip(serial)} was received on transfer {number} already"
                )
        if not serials:
            qty, got = _quantities(conn, row.id).get(step.sku, (0, 0))
            want = step.quantity or 1
            if want > qty - got:
                raise NotOnDocument(
                    f"{step.sku}: {want} to receive but {qty - got} in transit on transfer {number}"
                )
        result = ledger.move_in(conn, db, actor, step, DocumentRef(DOCUMENT_TYPE, number, line))
        if serials:
            _mark_received(conn, row.id, pid, serials)
        else:
            _bump_line(conn, row.id, pid, 0, result.quantity)
        view = _view(conn, _row(conn, number))
        if view.in_transit == 0 and view.status == SHIPPED:
            conn.execute(
                transfer_t.update()
                .where(_t.id == row.id)
                .values(status=RECEIVED, received_by=actor.user, received_at=utcnow())
            )
            view = _view(conn, _row(conn, number))
        return result, view

    return db.write(work)


def _bump_line(
    conn: Connection, transfer_id: int, product_id: int, quantity: int, received: int
) -> None:
    exists = conn.execute(
        sa.select(_l.quantity).where(_l.transfer_id == transfer_id, _l.product_id == product_id)
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
            .where(_l.transfer_id == transfer_id, _l.product_id == product_id)
            .values(quantity=_l.quantity + quantity, received=_l.received + received)
        )
