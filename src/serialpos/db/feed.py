"""The event feed's SQL: ledger events joined to their feed number, in feed order."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.integration_tables import EventFeed
from serialpos.db.prepared import Prepared
from serialpos.db.transfer_tables import Transfer

feed_t: sa.Table = EventFeed.__table__  # type: ignore[attr-defined]
feed_c, event_c, store_c, product_c = feed_t.c, repo.event_t.c, repo.store_t.c, repo.product_t.c
transfer_t: sa.Table = Transfer.__table__  # type: ignore[attr-defined]
#: The store a transfer's units go to: a store terminal at the sending store moves the unit
#: out of its own store when it mirrors the shipment (terminal/mirror.py).
_to_store = repo.store_t.alias("to_store")
_next = repo.event_t.alias("next_event")
_bare_to = repo.store_t.alias("bare_to_store")
#: Where a unit went on a shipment no kept transfer names (``transfer_out`` with an id
#: serialpos does not keep, or none: the host's "document reference" form): the store of
#: the unit's next event (in transit, only its ``transfer_in`` at the destination moves it),
#: or, none yet, the store the unit belongs to now (the destination, while in transit).
#: Worked out only for such events (a CASE: other rows run no subquery). Before, such an
#: event named no ``to_store``: the sending store's till kept the unit in transit at its own
#: store for good (terminal/mirror.py ``_unit_store``).
_BARE_DESTINATION = sa.case(
    (
        sa.and_(
            event_c.action == "transfer_out",
            event_c.unit_id.is_not(None),
            transfer_t.c.to_store_id.is_(None),
        ),
        sa.func.coalesce(
            sa.select(_next.c.store_id)
            .where(_next.c.unit_id == event_c.unit_id, _next.c.id > event_c.id)
            .order_by(_next.c.id)
            .limit(1)
            .scalar_subquery(),
            sa.select(repo.unit_t.c.store_id)
            .where(repo.unit_t.c.id == event_c.unit_id)
            .scalar_subquery(),
        ),
    ),
    else_=None,
)

_EVENTS = (
    sa.select(
        feed_c.seq,
        event_c.at,
        event_c.action,
        event_c.user_name,
        event_c.terminal,
        store_c.code.label("store"),
        product_c.sku,
        event_c.serial,
        event_c.from_state,
        event_c.to_state,
        event_c.quantity,
        event_c.document_type,
        event_c.document_id,
        event_c.document_line,
        event_c.reason,
        sa.func.coalesce(_to_store.c.code, _bare_to.c.code).label("to_store"),
        event_c.id.label("event"),
    )
    .select_from(feed_t)
    .join(repo.event_t, event_c.id == feed_c.event_id)
    .join(repo.store_t, store_c.id == event_c.store_id)
    .join(repo.product_t, product_c.id == event_c.product_id)
    .outerjoin(
        transfer_t,
        sa.and_(event_c.document_type == "transfer", transfer_t.c.number == event_c.document_id),
    )
    .outerjoin(_to_store, _to_store.c.id == transfer_t.c.to_store_id)
    .outerjoin(_bare_to, _bare_to.c.id == _BARE_DESTINATION)
)
_PAGE = (
    _EVENTS.where(feed_c.seq > sa.bindparam("after"))
    .order_by(feed_c.seq)
    .limit(sa.bindparam("limit"))
)


#: The same page, one store's events only (a store terminal's pull): by the store kept on
#: the feed row, one range of ``ix_event_feed_store_seq`` (migration 0028), where the
#: event's store went through an index led by the product and grew with the ledger.
_STORE_PAGE = _PAGE.where(feed_c.store_id == sa.bindparam("store_id"))
#: Both run prepared: a store terminal pulls after every push, and building and caching the
#: statement per call was most of a small page's cost in serve (as was ``last_seq``'s).
_PAGE_RUN, _STORE_PAGE_RUN = Prepared(_PAGE), Prepared(_STORE_PAGE)
_LAST_SEQ = Prepared(sa.select(sa.func.coalesce(sa.func.max(feed_c.seq), 0)))


def _with_last(page: sa.Select[Any]) -> Prepared:
    """``page`` with the feed's last number on every row, in one statement: one row with
    the number and nothing else when the page is empty. One statement reads one snapshot on
    PostgreSQL, so the page and the number agree as a repeatable-read transaction's two
    statements did, without its ``SET TRANSACTION`` and the second statement (two of a
    pull's four round trips beside the token's)."""
    last = sa.select(sa.func.coalesce(sa.func.max(feed_c.seq), 0).label("feed_last")).subquery(
        "feed_last"
    )
    rows = page.subquery("page").lateral()
    return Prepared(
        sa.select(last.c.feed_last, *rows.c)
        .select_from(last.outerjoin(rows, sa.true()))
        .order_by(rows.c.seq)
    )


#: :func:`page_and_last` on PostgreSQL (SQLite has no ``LATERAL``, and its read
#: transaction is one snapshot already).
_PAGE_LAST, _STORE_PAGE_LAST = _with_last(_PAGE), _with_last(_STORE_PAGE)


def page(
    conn: Connection, after: int, limit: int, store_id: int | None = None
) -> list[tuple[Any, ...]]:
    """At most ``limit`` events numbered after ``after``, in feed order (columns as
    services/feed.py's ``FeedEvent``); with ``store_id``, that store's events only."""
    if store_id is None:
        return [tuple(row) for row in _PAGE_RUN.rows(conn, {"after": after, "limit": limit})]
    params = {"after": after, "limit": limit, "store_id": store_id}
    return [tuple(row) for row in _STORE_PAGE_RUN.rows(conn, params)]


def page_and_last(
    conn: Connection, after: int, limit: int, store_id: int | None = None
) -> tuple[list[tuple[Any, ...]], int]:
    """:func:`page` and :func:`last_seq` as one snapshot saw them: on PostgreSQL one
    statement (a read of any isolation level), on SQLite the two in its read transaction."""
    if conn.dialect.name != "postgresql":
        return page(conn, after, limit, store_id), last_seq(conn)
    params: dict[str, Any] = {"after": after, "limit": limit}
    if store_id is None:
        found = _PAGE_LAST.rows(conn, params)
    else:
        params["store_id"] = store_id
        found = _STORE_PAGE_LAST.rows(conn, params)
    last = int(found[0][0])
    return [tuple(row)[1:] for row in found if row[1] is not None], last


def newest_of_store(conn: Connection, at_most: int, store_id: int) -> tuple[Any, ...] | None:
    """The store's newest event numbered ``at_most`` or less (columns as :func:`page`), or
    None when it has none: where a store terminal's snapshot stands in the store's feed
    (services/snapshot.py, terminal/feed_memory.py)."""
    q = (
        _EVENTS.where(feed_c.store_id == store_id, feed_c.seq <= at_most)
        .order_by(feed_c.seq.desc())
        .limit(1)
    )
    row = conn.execute(q).first()
    return None if row is None else tuple(row)


def last_seq(conn: Connection) -> int:
    return int(_LAST_SEQ.scalar(conn, {}))


def tally(conn: Connection) -> tuple[int, int, int]:
    """(events, events numbered in the feed, highest number): equal when the feed is whole
    and gap-free (numbers are unique and start at 1)."""
    events = conn.execute(sa.select(sa.func.count()).select_from(repo.event_t)).scalar_one()
    numbered, top = conn.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.max(feed_c.seq), 0))
    ).one()
    return int(events), int(numbered), int(top)
