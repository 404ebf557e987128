"""A store terminal's copy of a transfer shipped to its store, received at central or at
another till of the store: the copy learns the receipt from the pulled feed (issue 16).

The till keeps each transfer shipped to its store (services/transfers/incoming.py) so it can
be received offline. When central (or another till) received it instead, the feed's
``transfer_in`` events moved the units into stock here, but the copy kept every unit and
quantity listed in transit and the transfer ``shipped`` for good: the Receiving screen listed
it to receive again, and ``db check``'s transfer rules had to skip tills. Each pulled
``transfer_in`` naming a transfer the till holds (its ``document``: type ``transfer``, the
number) now marks the copy as central did: the unit received, the quantity added to the
line's received (never past what was shipped), the transfer ``received`` by the event's user
at its time at the first receipt (central's status from then on, the rest received later).
The till's own receipts marked its copy when they were made and are not pulled (the mirror
skips its own events).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.domain.document_status import TransferStatus
from serialpos.services.transfers.views import (
    DOCUMENT_TYPE,
    line_c,
    line_t,
    transfer_c,
    transfer_t,
    unit_c,
    unit_t,
)


def follow_receipt(
    conn: Connection, event: dict[str, Any], product_id: int, store_id: int, at: datetime
) -> bool:
    """Mark the till's copy of the transfer a pulled ``transfer_in`` ``event`` of its store
    (``store_id``) names, inside the pull's transaction; whether the copy changed."""
    document = event.get("document") or {}
    if event.get("action") != "transfer_in" or document.get("type") != DOCUMENT_TYPE:
        return False
    number = document.get("id")
    if not isinstance(number, str):
        return False
    row = conn.execute(
        sa.select(transfer_c.id, transfer_c.status).where(
            transfer_c.number == number, transfer_c.to_store_id == store_id
        )
    ).first()
    if row is None:
        return False  # a bare shipment's reference, or one this till never held
    serial = event.get("serial")
    if serial is not None:
        marked = conn.execute(
            unit_t.update()
            .where(
                unit_c.transfer_id == row.id,
                unit_c.product_id == product_id,
                unit_c.serial == str(serial),
                unit_c.received.is_(False),
            )
            .values(received=True)
        ).rowcount
    else:
        quantity = int(event.get("quantity") or 0)
        marked = (
            conn.execute(
                line_t.update()
                .where(
                    line_c.transfer_id == row.id,
                    line_c.product_id == product_id,
                    line_c.received < line_c.quantity,
                )
                .values(
                    received=sa.case(
                        (line_c.received + quantity > line_c.quantity, line_c.quantity),
                        else_=line_c.received + quantity,
                    )
                )
            ).rowcount
            if quantity > 0
            else 0
        )
    opened = 0
    if row.status == TransferStatus.SHIPPED:
        opened = conn.execute(
            transfer_t.update()
            .where(transfer_c.id == row.id)
            .values(
                status=TransferStatus.RECEIVED,
                received_by=str(event.get("user") or "central")[:32],
                received_at=at,
            )
        ).rowcount
    return bool(marked or opened)
