"""Numbers and headers of stockroom documents (receipts, transfers, returns to vendor,
adjustments, counts): one numbering scheme, so a number says what it is and where."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from serialpos.db import order_repo
from serialpos.db.stock_tables import StockDocument
from serialpos.db.tables import utcnow
from serialpos.services.context import Actor

document_t = StockDocument.__table__  # type: ignore[attr-defined]

#: Number prefix per document kind: ``R-S01-000042`` is the 42nd blind receipt at S01.
PREFIXES = {
    "blind_receipt": "R",
    "transfer": "T",
    "rtv": "V",
    "adjustment": "A",
    "count": "C",
}


def next_number(conn: Connection, store_code: str, store_id: int, kind: str) -> str:
    """The next number of ``kind`` at the store, taken inside the caller's transaction."""
    value = order_repo.next_number(conn, store_id, kind)
    return f"{PREFIXES[kind]}-{store_code}-{value:06d}"


def record(
    conn: Connection,
    actor: Actor,
    *,
    number: str,
    kind: str,
    store_id: int,
    vendor: str | None = None,
    reference: str | None = None,
    reason: str | None = None,
) -> None:
    """The header of a document that completes in this transaction."""
    conn.execute(
        document_t.insert().values(
            number=number,
            kind=kind,
            store_id=store_id,
            vendor=vendor,
            reference=reference,
            reason=reason,
            created_by=actor.user,
            terminal=actor.terminal,
            created_at=utcnow(),
        )
    )
