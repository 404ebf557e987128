"""Numbers and headers of stockroom documents (receipts, transfers, returns to vendor,
adjustments, counts): one numbering scheme, so a number says what it is and where."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from serialpos.db import document_sql, order_repo
from serialpos.db.document_sql import document_t
from serialpos.db.tables import utcnow
from serialpos.domain.errors import BadRequest
from serialpos.services.context import Actor

__all__ = ["PREFIXES", "check_given", "document_t", "next_number", "record", "refuse_taken"]

#: Number prefix per document kind: ``R-S01-000042`` is the 42nd blind receipt at S01.
PREFIXES = {
    "blind_receipt": "R",
    "transfer": "T",
    "rtv": "V",
    "adjustment": "A",
    "count": "C",
}


def next_number(
    conn: Connection, store_code: str, store_id: int, kind: str, *, terminal: str | None = None
) -> str:
    """The next number of ``kind`` at the store, taken inside the caller's transaction.

    On a store terminal of a chain (``terminal``: its id) the number names the terminal
    instead of the store (``T-S01-ab12cd34-000007``; a terminal id starts with its store's
    code unless given otherwise): each terminal counts on its own, offline, and its numbers
    can never be one central or another terminal gives, so the number it journals means
    the same document at central (issue 16)."""
    value = order_repo.next_number(conn, store_id, kind)
    if terminal is None:
        return f"{PREFIXES[kind]}-{store_code}-{value:06d}"
    number = f"{PREFIXES[kind]}-{terminal}-{value:06d}"
    if len(number) > MAX_NUMBER:
        raise BadRequest(
            f"terminal id {terminal!r} is too long to number documents with "
            f"(at most {MAX_NUMBER - 9} characters): set the terminal up with a shorter id"
        )
    return number


#: Longest document number the tables hold.
MAX_NUMBER = 64


def check_given(number: str, kind: str) -> str:
    """A number a store terminal gave (an ``apply`` line's ``number``), checked before it
    names a document at central: its kind's prefix, and no longer than a number may be."""
    prefix = f"{PREFIXES[kind]}-"
    if not number.startswith(prefix) or len(number) > MAX_NUMBER or len(number) <= len(prefix):
        raise BadRequest(
            f"'number' {number!r} is not a {kind.replace('_', ' ')} number ({prefix}…)"
        )
    return number


def refuse_taken(conn: Connection, number: str) -> None:
    """A number given by a store terminal names a document not recorded here yet."""
    if document_sql.stock_document_taken(conn, number):
        raise BadRequest(f"document {number} is recorded already")


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
    refuse_taken(conn, number)
    document_sql.insert_stock_document(
        conn,
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
