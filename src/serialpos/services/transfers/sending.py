"""The sending store's side of a transfer: create it, scan units onto it (or take them
off, or set a quantity), cancel it, and ship it.

Units are put in transit AT SHIP, not when scanned: while the transfer is open its units stay
in stock at the sending store (so a scan can be taken off again, and a sale in the meantime is
caught at ship with the ledger's refusal naming the unit). Shipping moves every unit on it with
``transfer_out`` under the document ("transfer", number) and owes the ``transfer_shipment``
event file, in one transaction.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import ledger_writes, repo
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.checklist import (
    NotOnDocument,
)
from serialpos.domain.document_status import TransferStatus
from serialpos.domain.errors import BadRequest, DuplicateSerial, NotInStock
from serialpos.domain.event_files import EventLine, EventType
from serialpos.domain.events import DocumentRef
from serialpos.domain.serials import require_serial
from serialpos.domain.states import Action
from serialpos.domain.text import clip
from serialpos.domain.users import Permission
from serialpos.services import event_files, journal_sink, ledger, stock_documents, stock_lines
from serialpos.services.context import Actor
from serialpos.services.outgoing import PickedUnit, resolve_unit, stock_product
from serialpos.services.transfers.views import (
    DOCUMENT_TYPE,
    ScanOutcome,
    ShipResult,
    TransferView,
    line_c,
    line_t,
    product_c,
    transfer_c,
    transfer_row,
    transfer_t,
    transfer_view,
    unit_c,
    unit_t,
)


# -- the sending store ----------------------------------------------------------------------
def create_transfer(db: Database, actor: Actor, from_store: str, to_store: str) -> TransferView:
    """A new open transfer from ``from_store`` to ``to_store``, numbered T-<store>-NNNNNN."""
    actor.require(Permission.RECEIVE)
    if from_store == to_store:
        raise BadRequest("a transfer must go to another store")

    def work(conn: Connection) -> TransferView:
        here = repo.store_id(db, conn, from_store)
        there = repo.store_id(db, conn, to_store)
        number = stock_documents.next_number(
            conn, from_store, here, "transfer", terminal=journal_sink.terminal_of(db)
        )
        conn.execute(
            transfer_t.insert().values(
                number=number,
                from_store_id=here,
                to_store_id=there,
                status=TransferStatus.OPEN,
                created_by=actor.user,
                terminal=actor.terminal,
                created_at=utcnow(),
            )
        )
        return transfer_view(conn, transfer_row(conn, number))

    return db.write(work)


def _open_here(db: Database, conn: Connection, number: str, store: str) -> sa.Row[Any]:
    row = transfer_row(conn, number, lock=True)
    if row.from_store_id != repo.store_id(db, conn, store):
        raise BadRequest(
            f"transfer {row.number} is sent from another store; it is picked and shipped there"
        )
    if row.status != TransferStatus.OPEN:
        raise BadRequest(
            f"transfer {row.number} is {row.status}: units can no longer be added or taken off"
        )
    return row


def _on_other_open(conn: Connection, transfer_id: int, product_id: int, serial: str) -> str | None:
    return conn.execute(
        sa.select(transfer_c.number)
        .join(unit_t, unit_c.transfer_id == transfer_c.id)
        .where(
            unit_c.product_id == product_id,
            unit_c.serial == serial,
            transfer_c.status == TransferStatus.OPEN,
            transfer_c.id != transfer_id,
        )
        .limit(1)
    ).scalar_one_or_none()


def _count(conn: Connection, transfer_id: int, product_id: int | None = None) -> int:
    where = [unit_c.transfer_id == transfer_id]
    lwhere = [line_c.transfer_id == transfer_id]
    if product_id is not None:
        where.append(unit_c.product_id == product_id)
        lwhere.append(line_c.product_id == product_id)
    units = conn.execute(sa.select(sa.func.count()).where(*where)).scalar_one()
    qty = conn.execute(
        sa.select(sa.func.coalesce(sa.func.sum(line_c.quantity), 0)).where(*lwhere)
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
                    sa.select(unit_c.id).where(
                        unit_c.transfer_id == row.id,
                        unit_c.product_id == pid,
                        unit_c.serial == unit.serial,
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
                sa.select(unit_c.id, product_c.sku, product_c.name, unit_c.product_id)
                .join(repo.product_t, product_c.id == unit_c.product_id)
                .where(unit_c.transfer_id == row.id, unit_c.serial == serial)
            )
            if sku is not None:
                query = query.where(product_c.sku == sku)
            found = conn.execute(query).first()
            if found is None:
                raise NotOnDocument(f"serial {clip(serial)} is not on transfer {row.number}")
            conn.execute(unit_t.delete().where(unit_c.id == found.id))
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
            sa.select(line_c.quantity).where(line_c.transfer_id == row.id, line_c.product_id == pid)
        ).scalar_one_or_none()
        new = (current or 0) + change
        if new < 0:
            raise BadRequest(f"{sku}: only {current or 0} on transfer {row.number}")
        on_hand = ledger_writes.stock_quantity(conn, pid, repo.store_id(db, conn, store))
        if change > 0 and new > on_hand:
            raise NotInStock(f"{sku}: {new} on the transfer but only {on_hand} on hand at {store}")
        if current is None:
            conn.execute(
                line_t.insert().values(transfer_id=row.id, product_id=pid, quantity=new, received=0)
            )
        else:
            conn.execute(
                line_t.update()
                .where(line_c.transfer_id == row.id, line_c.product_id == pid)
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
        conn.execute(unit_t.delete().where(unit_c.transfer_id == row.id))
        conn.execute(line_t.delete().where(line_c.transfer_id == row.id))
        conn.execute(transfer_t.delete().where(transfer_c.id == row.id))
        return on_it

    return db.write(work)


def _units_by_sku(
    conn: Connection, transfer_id: int, *, received: bool | None = None
) -> dict[str, list[str]]:
    query = (
        sa.select(product_c.sku, unit_c.serial)
        .join(repo.product_t, product_c.id == unit_c.product_id)
        .where(unit_c.transfer_id == transfer_id)
        .order_by(product_c.sku, unit_c.serial)
    )
    if received is not None:
        query = query.where(unit_c.received == received)
    out: dict[str, list[str]] = defaultdict(list)
    for sku, serial in conn.execute(query):
        out[sku].append(serial)
    return out


def line_quantities(conn: Connection, transfer_id: int) -> dict[str, tuple[int, int]]:
    return {
        sku: (int(q), int(r))
        for sku, q, r in conn.execute(
            sa.select(product_c.sku, line_c.quantity, line_c.received)
            .join(repo.product_t, product_c.id == line_c.product_id)
            .where(line_c.transfer_id == transfer_id)
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
        items: list[dict[str, Any]] = []
        for sku, serials in _units_by_sku(conn, row.id).items():
            ledger.move_in(
                conn,
                db,
                actor,
                ledger.Step(Action.TRANSFER_OUT, store, sku, serials, to_store=to),
                doc,
            )
            lines.append(EventLine(sku, len(serials), tuple(serials)))
            items.append(stock_lines.item(sku, serials))
        for sku, (qty, _got) in line_quantities(conn, row.id).items():
            if qty:
                ledger.move_in(
                    conn,
                    db,
                    actor,
                    ledger.Step(Action.TRANSFER_OUT, store, sku, quantity=qty, to_store=to),
                    doc,
                )
                lines.append(EventLine(sku, qty))
                items.append(stock_lines.item(sku, quantity=qty))
        if not lines:
            raise BadRequest(f"transfer {row.number} has nothing on it to ship")
        conn.execute(
            transfer_t.update()
            .where(transfer_c.id == row.id)
            .values(status=TransferStatus.SHIPPED, shipped_by=actor.user, shipped_at=utcnow())
        )
        event_files.owe(
            conn,
            event_type=EventType.TRANSFER_SHIPMENT.value,
            document_id=row.number,
            store=store,
            user=actor.user,
            lines=lines,
        )
        # On a store terminal: the transfer is created at central, shipped, with the same
        # number, so the receiving store finds it (services/journal_sink.py).
        journal_sink.record(
            db,
            conn,
            actor,
            {
                "op": "transfer_out",
                "store": store,
                "to": to,
                "transfer": row.number,
                "create": True,
                "items": items,
            },
        )
        return transfer_view(conn, transfer_row(conn, row.number))

    view = db.write(work)
    return ShipResult(view, event_files.write_owed(db, outbox))
