"""The few statements behind document numbers: is a number taken, and a stockroom
document's header row. Services decide what a taken number means; this only asks."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_repo
from serialpos.db.stock_tables import StockDocument

document_t = StockDocument.__table__  # type: ignore[attr-defined]


def stock_document_taken(conn: Connection, number: str) -> bool:
    """Whether a stockroom document (receipt, transfer, RTV, adjustment, count) has ``number``."""
    found = conn.execute(sa.select(document_t.c.id).where(document_t.c.number == number)).first()
    return found is not None


def counter_number_taken(conn: Connection, series: str, number: str) -> bool:
    """Whether an order (``series`` "order") or an invoice or refund note has ``number``."""
    table = order_repo.order_t if series == "order" else order_repo.invoice_t
    taken = conn.execute(sa.select(table.c.id).where(table.c.number == number)).first()
    return taken is not None


def insert_stock_document(
    conn: Connection,
    *,
    number: str,
    kind: str,
    store_id: int,
    vendor: str | None,
    reference: str | None,
    reason: str | None,
    created_by: str,
    terminal: str | None,
    created_at: datetime,
) -> None:
    """The header row of a stockroom document."""
    conn.execute(
        document_t.insert().values(
            number=number,
            kind=kind,
            store_id=store_id,
            vendor=vendor,
            reference=reference,
            reason=reason,
            created_by=created_by,
            terminal=terminal,
            created_at=created_at,
        )
    )
