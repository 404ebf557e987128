"""An optional-serial product's stock by quantity: only its unlabelled part may leave that way.

An optional-serial product's on-hand quantity counts its units in stock by serial and the
pieces received without one. A move by quantity (an RTV, an adjustment, a transfer out, a
sale without a serial, a kit's component sold without one) takes unlabelled pieces; it used
to take any, so ``rtv`` of 5 with 2 of the 5 labelled left quantity 0 and two units still
``in_stock`` (then selling one by serial made the quantity -1). The labelled units are on
the shelf with their serial: they leave by it. A move by quantity beyond the unlabelled
pieces (on hand less the units in stock) is refused, naming the numbers and the serials to
scan instead. A sale by quantity is held to it too (unlike a product without serials, whose
sale may go below zero): at a store tracking serials the product's stock is known piece by
piece, and a piece sold that the books lack would leave the next labelled unit received
in stock over the quantity. A till's sale central applies from its journal is recorded as it
happened (services/shifts.py ``applying_terminal_entry``); ``db check`` reports units in
stock over the quantity (``optional_units_differ``, a violation).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import ledger_writes, repo
from serialpos.domain.errors import NotInStock
from serialpos.domain.states import UnitState

u = repo.unit_t.c

#: Serials named in the refusal (more: "and N more").
SHOWN = 3


def check_unlabelled(
    conn: Connection, product_id: int, sku: str, store_id: int, store: str, count: int
) -> None:
    """Refuse taking ``count`` pieces of an optional-serial product by quantity beyond its
    unlabelled stock at the store."""
    serials = list(
        conn.execute(
            sa.select(u.serial)
            .where(
                u.product_id == product_id,
                u.store_id == store_id,
                u.state == UnitState.IN_STOCK,
            )
            .order_by(u.serial)
        ).scalars()
    )
    on_hand = ledger_writes.stock_quantity(conn, product_id, store_id)
    unlabelled = max(on_hand - len(serials), 0)
    if count <= unlabelled:
        return
    if not serials:
        raise NotInStock(
            f"{sku}: {count} to take by quantity at {store} but only {max(on_hand, 0)} on hand; "
            "this store knows an optional-serial product piece by piece: receive or adjust "
            "the pieces first, or scan a unit's serial"
        )
    shown = ", ".join(serials[:SHOWN]) + (
        f" and {len(serials) - SHOWN} more" if len(serials) > SHOWN else ""
    )
    raise NotInStock(
        f"{sku}: {count} to take by quantity at {store} but only {unlabelled} of its {on_hand} "
        f"on hand are without a serial; {len(serials)} are units in stock by serial "
        f"({shown}): scan their serials to move them"
    )
