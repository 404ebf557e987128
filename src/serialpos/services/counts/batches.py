"""Opening a count (the whole store or chosen products) and its batches, one per counter."""

from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.count_reconciliation import (
    BatchInfo,
)
from serialpos.domain.counts import (
    CountClosed,
)
from serialpos.domain.document_status import BatchStatus, CountStatus
from serialpos.domain.entry_text import AROUND, identifier_refusal
from serialpos.domain.errors import (
    BadRequest,
)
from serialpos.domain.text import has_control_chars
from serialpos.domain.users import Permission
from serialpos.services import journal_sink, stock_documents
from serialpos.services.context import Actor
from serialpos.services.counts.views import (
    MAX_COUNTER,
    BatchClosed,
    CountInfo,
    CountRow,
    UnknownBatch,
    batch_c,
    batch_infos,
    batch_t,
    count_info,
    count_row,
    count_t,
)


# -- opening, batches -----------------------------------------------------------------
def open_in(
    db: Database,
    conn: Connection,
    actor: Actor,
    store: str,
    products: Sequence[str] | None,
    given: str | None = None,
) -> CountRow:
    """Open a count; ``given``: its number as a store terminal gave it (the terminal's
    journaled count applied at central), else the database numbers it."""
    actor.require(Permission.RECEIVE)
    sid = repo.store_id(db, conn, store)
    chosen: tuple[str, ...] | None = None
    if products is not None:
        if not products:
            raise BadRequest("choose at least one product, or count the whole store")
        chosen = tuple(sorted({repo.product_by_sku(conn, sku).sku for sku in products}))
    number = given or stock_documents.next_number(
        conn, store, sid, "count", terminal=journal_sink.terminal_of(db)
    )
    opened_at = utcnow()
    new_id = conn.execute(
        count_t.insert().values(
            number=number,
            store_id=sid,
            status=CountStatus.OPEN,
            products=None if chosen is None else json.dumps(list(chosen)),
            opened_by=actor.user,
            terminal=actor.terminal,
            opened_at=opened_at,
        )
    ).inserted_primary_key
    assert new_id is not None
    return CountRow(int(new_id[0]), number, sid, store, CountStatus.OPEN, chosen, opened_at)


def open_count(
    db: Database, actor: Actor, store: str, products: Sequence[str] | None = None
) -> CountInfo:
    """Open a count of the whole store, or of the products named (SKUs)."""
    return db.write(lambda conn: count_info(db, conn, open_in(db, conn, actor, store, products)))


def _check_counter(counter: str) -> str:
    name = counter.strip(AROUND)
    if not name:
        raise BadRequest("say who counts this batch (the counter's name)")
    if has_control_chars(name):
        raise BadRequest("the counter's name contains control characters")
    # Ann<U+200B> looks like Ann on every sheet but is another counter (domain/entry_text.py).
    refusal = identifier_refusal("the counter's name", name)
    if refusal is not None:
        raise BadRequest(refusal)
    if len(name) > MAX_COUNTER:
        raise BadRequest(f"the counter's name is longer than {MAX_COUNTER} characters")
    return name


def require_open(count: CountRow) -> None:
    if count.status != CountStatus.OPEN:
        raise CountClosed(f"count {count.number} is approved: it takes no more scans")


def batch_in(conn: Connection, actor: Actor, count: CountRow, counter: str) -> BatchInfo:
    actor.require(Permission.RECEIVE)
    require_open(count)
    name = _check_counter(counter)
    last = conn.execute(
        sa.select(sa.func.max(batch_c.number)).where(batch_c.count_id == count.id)
    ).scalar()
    number = int(last or 0) + 1
    conn.execute(
        batch_t.insert().values(
            count_id=count.id,
            number=number,
            counter=name,
            status=BatchStatus.OPEN,
            opened_by=actor.user,
            opened_at=utcnow(),
        )
    )
    return BatchInfo(number, name, BatchStatus.OPEN, 0)


def start_batch(db: Database, actor: Actor, count: str, counter: str) -> BatchInfo:
    """A new batch of the count, counted by ``counter``."""
    return db.write(
        lambda conn: batch_in(conn, actor, count_row(db, conn, count, lock="share"), counter)
    )


def open_batch_id(conn: Connection, count: CountRow, batch: int, *, open_only: bool = True) -> int:
    row = conn.execute(
        sa.select(batch_c.id, batch_c.status).where(
            batch_c.count_id == count.id, batch_c.number == batch
        )
    ).first()
    if row is None:
        raise UnknownBatch(f"count {count.number} has no batch {batch}")
    if open_only and row.status != BatchStatus.OPEN:
        raise BatchClosed(f"batch {batch} of count {count.number} is closed: start a new batch")
    return int(row.id)


def close_batch(db: Database, actor: Actor, count: str, batch: int) -> BatchInfo:
    """Close a batch (its counter is done); the count stays open for other batches."""

    def work(conn: Connection) -> BatchInfo:
        actor.require(Permission.RECEIVE)
        found = count_row(db, conn, count, lock="share")
        require_open(found)
        bid = open_batch_id(conn, found, batch)
        conn.execute(
            batch_t.update()
            .where(batch_c.id == bid)
            .values(status=BatchStatus.CLOSED, closed_at=utcnow())
        )
        return next(b for b in batch_infos(conn, found.id) if b.number == batch)

    return db.write(work)
