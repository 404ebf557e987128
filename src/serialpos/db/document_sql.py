"""The few statements behind document numbers: is a number taken, and a stockroom
document's header row. Services decide what a taken number means; this only asks."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
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


_counter_c = order_repo.counter_t.c


def numbered(name: str) -> sa.CTE:
    """PostgreSQL: a CTE taking the next value (``value``) of the counter of store
    ``counter_store``, series ``counter_kind``, as ``order_repo.next_number`` takes it (one
    upsert; the counter row locked until commit), for a statement that writes the document
    numbered by it (db/tender_sql.py, sale_sql.insert_numbered_order)."""
    upsert = postgresql.insert(order_repo.counter_t).values(
        store_id=sa.bindparam("counter_store"), kind=sa.bindparam("counter_kind"), value=1
    )
    return (
        upsert.on_conflict_do_update(
            index_elements=[_counter_c.store_id, _counter_c.kind],
            set_={"value": _counter_c.value + 1},
        )
        .returning(_counter_c.value)
        .cte(name)
    )


def number_text(
    prefix: sa.ColumnElement[str], value: sa.ColumnElement[int]
) -> sa.ColumnElement[str]:
    """PostgreSQL: ``prefix`` then ``value`` zero-padded to at least six digits, as
    ``services/document_numbers`` writes a number (``f"{prefix}{value:06d}"``; ``lpad``
    alone would cut a seventh digit off)."""
    digits = sa.cast(value, sa.Text())
    padded = sa.func.lpad(digits, sa.func.greatest(6, sa.func.length(digits)), "0")
    return prefix.concat(padded)
