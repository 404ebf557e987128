"""Taking in a transfer's units at the receiving store, inside the completing transaction:
the ledger, the transfer's units and lines, its state and receipt file, the journal entry on
a store terminal (:func:`receive_lines`), and the row updates ``apply`` ``transfer_in``
shares (:func:`mark_received`, :func:`bump_line`). Split from services/transfers/receiving.py,
which keeps the session (the checklist, its saved scans)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.checklist import ChecklistLine
from serialpos.domain.document_status import TransferStatus
from serialpos.domain.errors import BadRequest
from serialpos.domain.event_files import EventLine, EventType
from serialpos.domain.events import DocumentRef
from serialpos.domain.states import Action
from serialpos.domain.text import clip
from serialpos.services import event_files, journal_sink, ledger, stock_lines
from serialpos.services.context import Actor
from serialpos.services.transfers.views import (
    DOCUMENT_TYPE,
    line_c,
    line_t,
    transfer_c,
    transfer_t,
    unit_c,
    unit_t,
)


def receive_lines(
    db: Database,
    conn: Connection,
    actor: Actor,
    store: str,
    row: sa.Row[Any],
    lines: list[ChecklistLine],
) -> int:
    """Take in the units of ``lines`` on the transfer ``row`` (locked): the ledger, the
    transfer's units and lines, its state and receipt file (the first receipt only), the
    journal entry on a store terminal. The number of units received."""
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
            receive_quantity(db, conn, actor, row.id, pid, store, line.sku, line.counted, doc)
            out.append(EventLine(line.sku, line.counted))
            items.append(stock_lines.item(line.sku, quantity=line.counted))
        total += line.received
    if row.status == TransferStatus.SHIPPED:
        conn.execute(
            transfer_t.update()
            .where(transfer_c.id == row.id)
            .values(status=TransferStatus.RECEIVED, received_by=actor.user, received_at=utcnow())
        )
        event_files.owe(
            conn,
            event_type=EventType.TRANSFER_RECEIPT.value,
            document_id=row.number,
            store=store,
            user=actor.user,
            lines=out,
        )
    # On a store terminal: the same units taken in on the same transfer at central, which
    # closes it there as here (services/journal_sink.py).
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


def still_in_transit(
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


def receive_quantity(
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
