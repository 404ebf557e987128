"""Transfers from a host system (``serialpos apply``): one call ships or receives units on a
transfer, creating it when asked."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.checklist import (
    NotOnDocument,
)
from serialpos.domain.document_status import TransferStatus
from serialpos.domain.errors import BadRequest, DuplicateSerial
from serialpos.domain.events import DocumentRef
from serialpos.domain.serials import require_serial
from serialpos.domain.text import clip
from serialpos.services import ledger
from serialpos.services.context import Actor
from serialpos.services.transfers.sending import line_quantities
from serialpos.services.transfers.taking_in import bump_line, mark_received
from serialpos.services.transfers.views import (
    DOCUMENT_TYPE,
    TransferView,
    not_in_transit,
    transfer_c,
    transfer_row,
    transfer_t,
    transfer_view,
    unit_c,
    unit_t,
)


# -- serialpos apply ----------------------------------------------------------------------
def refuse_kept_elsewhere(conn: Connection, step: ledger.Step, number: str) -> None:
    """A ``transfer_in`` naming an id serialpos does not keep takes in units shipped the old
    way (the id only written on the events). A unit shipped on a kept transfer and still in
    transit is on that transfer, not on ``number``: taken in under a wrong id it would leave
    its transfer "shipped" and in transit at the receiving store for good. Refused with
    ``not_on_asn``, naming the transfer it is on, before anything moves."""
    if not step.serials:
        return
    product = repo.product_by_sku(conn, step.sku)  # unknown: unknown_product, as the move
    serials = [require_serial(s) for s in step.serials]
    found = conn.execute(
        sa.select(unit_c.serial, transfer_c.number)
        .join(transfer_t, transfer_c.id == unit_c.transfer_id)
        .where(
            unit_c.product_id == product.id,
            unit_c.serial.in_(serials),
            unit_c.received.is_(False),
            transfer_c.status.in_((TransferStatus.SHIPPED, TransferStatus.RECEIVED)),
        )
        .order_by(unit_c.serial)
        .limit(1)
    ).first()
    if found is not None:
        raise NotOnDocument(
            f"serial {clip(found.serial)} of {step.sku} is not on transfer {clip(number)}: "
            f"it is in transit on transfer {found.number}; receive it on that one"
        )


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
        found = conn.execute(sa.select(transfer_c.id).where(transfer_c.number == number)).first()
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
                    status=TransferStatus.SHIPPED,
                    created_by=actor.user,
                    terminal=actor.terminal,
                    created_at=utcnow(),
                    shipped_by=actor.user,
                    shipped_at=utcnow(),
                )
            )
        row = transfer_row(conn, number, lock=True)
        if (row.from_store_id, row.to_store_id) != (here, there):
            codes = repo.store_codes(conn)
            raise BadRequest(
                f"transfer {number} goes from {codes[row.from_store_id]} to "
                f"{codes[row.to_store_id]}"
            )
        if row.status == TransferStatus.OPEN:
            raise BadRequest(f"transfer {number} is still open in the console: ship it there")
        if row.status == TransferStatus.RECEIVED:
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
            bump_line(conn, row.id, pid, -result.quantity, 0)
        return result, transfer_view(conn, transfer_row(conn, number))

    return db.write(work)


def apply_in(
    db: Database, actor: Actor, step: ledger.Step, number: str, line: str | None
) -> tuple[ledger.LedgerResult, TransferView] | None:
    """``transfer_in`` naming a known transfer: only units shipped on it and still in transit
    are taken in. None when the transfer is unknown (a document reference only), unless a
    unit named is in transit on a transfer serialpos keeps: refused (``not_on_asn``), as it
    would be on any other kept transfer (:func:`refuse_kept_elsewhere`)."""

    def work(conn: Connection) -> tuple[ledger.LedgerResult, TransferView] | None:
        if (
            conn.execute(sa.select(transfer_c.id).where(transfer_c.number == number)).first()
            is None
        ):
            refuse_kept_elsewhere(conn, step, number)
            return None
        row = transfer_row(conn, number, lock=True)
        if row.to_store_id != repo.store_id(db, conn, step.store):
            raise BadRequest(
                f"transfer {number} goes to {repo.store_codes(conn)[row.to_store_id]}"
                f", not to {step.store}"
            )
        if row.status == TransferStatus.OPEN:
            raise BadRequest(f"transfer {number} has not been shipped yet")
        pid = repo.product_by_sku(conn, step.sku).id
        serials = [require_serial(s) for s in step.serials]
        for serial in serials:
            done = conn.execute(
                sa.select(unit_c.received).where(
                    unit_c.transfer_id == row.id, unit_c.product_id == pid, unit_c.serial == serial
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
            qty, got = line_quantities(conn, row.id).get(step.sku, (0, 0))
            want = step.quantity or 1
            if want > qty - got:
                raise not_in_transit(step.sku, f"{want} to receive", qty, got, number)
        result = ledger.move_in(conn, db, actor, step, DocumentRef(DOCUMENT_TYPE, number, line))
        if serials:
            mark_received(conn, row.id, pid, serials)
        else:
            bump_line(conn, row.id, pid, 0, result.quantity)
        view = transfer_view(conn, transfer_row(conn, number))
        if view.in_transit == 0 and view.status == TransferStatus.SHIPPED:
            conn.execute(
                transfer_t.update()
                .where(transfer_c.id == row.id)
                .values(
                    status=TransferStatus.RECEIVED, received_by=actor.user, received_at=utcnow()
                )
            )
            view = transfer_view(conn, transfer_row(conn, number))
        return result, view

    return db.write(work)


def close_received(db: Database, actor: Actor, number: str) -> TransferView:
    """Mark a shipped transfer received, as the console's completion does: units not received
    stay listed in transit on it (``transfer_in`` with ``complete``)."""

    def work(conn: Connection) -> TransferView:
        row = transfer_row(conn, number, lock=True)
        if row.status == TransferStatus.SHIPPED:
            conn.execute(
                transfer_t.update()
                .where(transfer_c.id == row.id)
                .values(
                    status=TransferStatus.RECEIVED, received_by=actor.user, received_at=utcnow()
                )
            )
        return transfer_view(conn, transfer_row(conn, number))

    return db.write(work)
