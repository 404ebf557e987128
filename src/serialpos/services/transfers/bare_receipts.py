"""``transfer_in`` on no kept transfer (no id, or an id serialpos does not keep): the limits
that keep such a receipt from making stock out of nothing.

Before, a bare ``transfer_in`` of a quantity had no limit at all (4 shipped, 20 received) and
could take in, a second time, what a kept transfer still listed in transit; a bare one of a
serial shipped on a kept transfer left that transfer "shipped" with the unit in transit for
good. Now:

* a serial shipped on a kept transfer and still in transit is booked against that
  transfer, exactly as ``"transfer": <its id>`` would (a line naming units of two
  transfers, or of one and no transfer, is refused naming them);
* a quantity is limited to what is in transit to the store by bare ``transfer_out`` lines
  (the destination is written on their events as ``to <store>``; an event written before
  has none and counts for any store) less the bare ``transfer_in`` lines taken in there; a
  kept transfer's quantity is received on it, and the refusal names it. A store terminal
  does not check (its copy of the ledger does not hold other stores' shipments); central
  checks the line when it applies it.
* at a store that keeps the product by quantity (serialized inventory off there), a line
  naming serials is a quantity move (the serials are only written on its events), so it is
  held to that same limit. Before, such a line was unlimited (20 serials nothing shipped
  made 20 phones there): only a quantity line was held.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.db.tables import LedgerEvent
from serialpos.domain.checklist import NotOnDocument
from serialpos.domain.document_status import TransferStatus
from serialpos.domain.events import DocumentRef
from serialpos.domain.serials import require_serial
from serialpos.domain.states import Action
from serialpos.domain.text import clip
from serialpos.services import journal_sink, ledger
from serialpos.services.context import Actor
from serialpos.services.settings import settings_in
from serialpos.services.transfers.views import line_c, line_t, transfer_c, transfer_t, unit_c

event_t: sa.Table = LedgerEvent.__table__  # type: ignore[attr-defined]
_ev = event_t.c
_LIVE = (TransferStatus.SHIPPED, TransferStatus.RECEIVED)


def destination_reason(to_store: str) -> str:
    """The reason written on a bare ``transfer_out``'s events: where it went, so a bare
    ``transfer_in`` can be held to what is in transit to its store."""
    return f"to {to_store}"


def kept_transfer_of(db: Database, step: ledger.Step) -> str | None:
    """The kept transfer on which the units named by a bare ``transfer_in`` are in transit
    (None: none of them is on one). Units on two transfers, or some on one and some on
    none, are refused (``not_on_asn``), naming where each is."""
    if not step.serials:
        return None

    def read(conn: Connection) -> str | None:
        product = repo.product_by_sku(conn, step.sku)
        serials = sorted({require_serial(s) for s in step.serials})
        rows = conn.execute(
            sa.select(unit_c.serial, transfer_c.number)
            .join(transfer_t, transfer_c.id == unit_c.transfer_id)
            .where(
                unit_c.product_id == product.id,
                unit_c.serial.in_(serials),
                unit_c.received.is_(False),
                transfer_c.status.in_(_LIVE),
            )
            .order_by(unit_c.serial)
        ).all()
        numbers = sorted({str(r.number) for r in rows})
        if not numbers:
            return None
        on = {str(r.serial) for r in rows}
        if len(numbers) > 1:
            raise NotOnDocument(
                f"the serials of {step.sku} are in transit on transfers {', '.join(numbers)}: "
                "receive each on its own transfer"
            )
        if len(on) < len(serials):
            rest = ", ".join(clip(s) for s in serials if s not in on)
            raise NotOnDocument(
                f"serial {clip(sorted(on)[0])} of {step.sku} is in transit on transfer "
                f"{numbers[0]} and {rest} is not: receive them on separate lines"
            )
        return numbers[0]

    return db.read(read)


def _kept_numbers() -> sa.Select[tuple[str]]:
    return sa.select(transfer_c.number)


def _bare(column: sa.ColumnElement[str | None]) -> sa.ColumnElement[bool]:
    return sa.or_(column.is_(None), column.not_in(_kept_numbers()))


def bare_in_transit(conn: Connection, product_id: int, store_id: int, store: str) -> int:
    """What bare ``transfer_out`` lines have in transit to ``store`` of a product without
    serial units: shipped there (or to no recorded store) less taken in there bare."""
    shipped = conn.execute(
        sa.select(sa.func.coalesce(sa.func.sum(-_ev.quantity), 0)).where(
            _ev.product_id == product_id,
            _ev.action == Action.TRANSFER_OUT.value,
            _ev.unit_id.is_(None),
            _bare(_ev.document_id),
            sa.or_(_ev.reason.is_(None), _ev.reason == destination_reason(store)),
        )
    ).scalar_one()
    taken = conn.execute(
        sa.select(sa.func.coalesce(sa.func.sum(_ev.quantity), 0)).where(
            _ev.product_id == product_id,
            _ev.action == Action.TRANSFER_IN.value,
            _ev.unit_id.is_(None),
            _ev.store_id == store_id,
            _bare(_ev.document_id),
        )
    ).scalar_one()
    return max(0, int(shipped) - int(taken))


def kept_in_transit(conn: Connection, product_id: int, store_id: int) -> list[tuple[str, int]]:
    """The kept transfers to the store with a quantity of the product still in transit."""
    rows = conn.execute(
        sa.select(transfer_c.number, line_c.quantity - line_c.received)
        .select_from(line_t)
        .join(transfer_t, transfer_c.id == line_c.transfer_id)
        .where(
            line_c.product_id == product_id,
            transfer_c.to_store_id == store_id,
            transfer_c.status.in_(_LIVE),
            line_c.quantity > line_c.received,
        )
        .order_by(transfer_c.number)
    ).all()
    return [(str(n), int(q)) for n, q in rows]


def by_quantity(db: Database, step: ledger.Step) -> bool:
    """Whether a bare ``transfer_in`` naming serials moves a quantity: the store keeps the
    product by quantity (serialized inventory off there), so no unit leaves transit and
    the line must be held as a quantity line is. Asked only of a line naming serials."""

    def read(conn: Connection) -> bool:
        product = repo.product_by_sku(conn, step.sku)
        return not (
            product.serial_mode.tracked and settings_in(db, conn, step.store).serialized_inventory
        )

    return db.read(read)


def receive_quantity(
    db: Database, actor: Actor, step: ledger.Step, document: DocumentRef | None
) -> ledger.LedgerResult:
    """A bare ``transfer_in`` of a quantity (or of serials at a store keeping the product by
    quantity: :func:`by_quantity`): checked against what is in transit to the store by bare
    shipments and moved, in one transaction (two racing receipts cannot both take the last
    units)."""

    def work(conn: Connection) -> ledger.LedgerResult:
        if not journal_sink.on_terminal(db):
            product = repo.product_by_sku(conn, step.sku)
            here = repo.store_id(db, conn, step.store)
            want = len(step.serials) or step.quantity or 1
            free = bare_in_transit(conn, product.id, here, step.store)
            if want > free:
                kept = kept_in_transit(conn, product.id, here)
                where = "without a kept transfer" if document is None else f"as {document.id}"
                said = f"{step.sku}: {want} to receive at {step.store} but {free} in transit "
                said += f"to {step.store} {where}"
                if step.serials:
                    said += f" ({step.store} keeps {step.sku} by quantity: the serials are a count)"
                if kept:
                    listed = ", ".join(f"{q} on transfer {n}" for n, q in kept)
                    said += f'; {listed}: receive them on it ("transfer": "{kept[0][0]}")'
                raise NotOnDocument(said)
        return ledger.move_in(conn, db, actor, step, document)

    return db.write(work)
