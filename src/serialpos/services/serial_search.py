"""Serial prefix search: the units whose serial starts with what was typed, in serial
order, with who bought each, when, on which invoice, and where it is now (the lookup
screen's list, ``serialpos serial search``, ``GET /v1/serials?prefix=``). One unit's whole
card is services/lookup.py.

Two statements, whatever the number of matches: the units in the prefix's range (bytewise,
served by an index of the serial) and then the order lines naming their serials, the newest
line of each unit winning."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_repo as orepo
from serialpos.db import repo
from serialpos.db.customer_tables import customer_field_of
from serialpos.db.engine import Database
from serialpos.domain.errors import BadRequest
from serialpos.domain.orders import LineStatus, OrderStatus
from serialpos.domain.serial_prefix import check_prefix, upper_bound
from serialpos.domain.serials import MAX_SERIAL_LENGTH
from serialpos.services.lookup import MAX_MATCHES, UnitCard

#: The most units one prefix search may list (``--limit``).
MAX_SEARCH_LIMIT = 10_000

p, u, s = repo.product_t.c, repo.unit_t.c, repo.store_t.c
line_c, invoice_c, order_c = orepo.line_t.c, orepo.invoice_t.c, orepo.order_t.c


@dataclass(frozen=True)
class SearchMatch:
    """One unit whose serial starts with the prefix: where it is now and its latest order."""

    serial: str
    sku: str
    product_name: str
    state: str
    store: str
    order: str | None = None
    line_status: str | None = None  # open, fulfilled, returned
    invoice: str | None = None
    sold_at: datetime | None = None  # the invoice's time (UTC), when the unit was sold
    customer: str | None = None


@dataclass(frozen=True)
class SearchResult:
    prefix: str
    matches: tuple[SearchMatch, ...]
    #: More units start with the prefix than the limit let through.
    truncated: bool
    limit: int


def _bytewise(column: sa.ColumnElement[str], dialect: str) -> sa.ColumnElement[str]:
    return column.collate("C") if dialect == "postgresql" else column


def _hits(dialect: str, bounded: bool, one_store: bool = False) -> sa.Select[tuple[object, ...]]:
    """Units in the prefix's range, in serial order, at most ``limit`` (``one_store``: of the
    store ``store_id`` only). PostgreSQL compares ``COLLATE "C"`` (bytewise, served by the
    index of migration 0009); SQLite's text comparison is bytewise already (served by
    ix_serial_unit_serial)."""
    key = _bytewise(u.serial, dialect)
    query = sa.select(u.id, u.serial, u.state, u.product_id, u.store_id).where(
        key >= sa.bindparam("low")
    )
    if bounded:
        query = query.where(key < sa.bindparam("high"))
    if one_store:
        query = query.where(u.store_id == sa.bindparam("store_id"))
    hits = query.order_by(key, u.id).limit(sa.bindparam("limit")).subquery("hits")
    return (
        sa.select(hits.c.serial, hits.c.state, hits.c.product_id, p.sku, p.name, s.code)
        .join(repo.product_t, p.id == hits.c.product_id)
        .join(repo.store_t, s.id == hits.c.store_id)
        .order_by(_bytewise(hits.c.serial, dialect), hits.c.id)
    )


_LINES = (
    sa.select(
        line_c.product_id,
        line_c.serial,
        line_c.status,
        order_c.number,
        customer_field_of(orepo.order_t),
        invoice_c.number.label("invoice"),
        invoice_c.issued_at,
    )
    .join(orepo.order_t, order_c.id == line_c.order_id)
    .outerjoin(orepo.invoice_t, invoice_c.id == line_c.invoice_id)
    .where(
        line_c.serial.in_(sa.bindparam("serials", expanding=True)),
        line_c.status != LineStatus.REMOVED,
        # A voided order's lines stay "open" but hold nothing: not the unit's latest order.
        order_c.status != OrderStatus.VOIDED.value,
    )
    .order_by(line_c.id)
)


def _search(
    conn: Connection, dialect: str, prefix: str, limit: int, store_id: int | None = None
) -> SearchResult:
    high = upper_bound(prefix)
    params: dict[str, object] = {"low": prefix, "limit": limit + 1}
    if high is not None:
        params["high"] = high
    if store_id is not None:
        params["store_id"] = store_id
    rows = conn.execute(_hits(dialect, high is not None, store_id is not None), params).all()
    found = rows[:limit]
    latest: dict[tuple[int, str], Any] = {}
    if found:
        for row in conn.execute(_LINES, {"serials": sorted({r.serial for r in found})}):
            latest[(row.product_id, row.serial)] = row  # ordered by id: the last one wins
    matches = []
    for r in found:
        line = latest.get((r.product_id, r.serial))
        if line is None:
            matches.append(SearchMatch(r.serial, r.sku, r.name, r.state, r.code))
            continue
        sold = line.issued_at if line.invoice is not None else None
        matches.append(
            SearchMatch(
                r.serial,
                r.sku,
                r.name,
                r.state,
                r.code,
                line.number,
                line.status,
                line.invoice,
                sold,
                line.customer_name,
            )
        )
    return SearchResult(prefix, tuple(matches), len(rows) > limit, limit)


def search_serials(
    db: Database, prefix: str, limit: int = MAX_MATCHES, store: str | None = None
) -> SearchResult:
    """Units whose serial starts with ``prefix`` — case-sensitive, literal text (``%`` and
    ``_`` are characters like any other) — in serial order, at most ``limit``; ``truncated``
    says more exist. A prefix longer than any serial can be finds nothing. ``store``: the
    units now at that store only (a store terminal's token, services/store_scope.py)."""
    clean = check_prefix(prefix)
    if not 1 <= limit <= MAX_SEARCH_LIMIT:
        raise BadRequest(
            f"limit must be between 1 and {MAX_SEARCH_LIMIT}, not {limit}", code="bad_limit"
        )
    if len(clean) > MAX_SERIAL_LENGTH:
        return SearchResult(clean, (), False, limit)

    def work(conn: Connection) -> SearchResult:
        store_id = None if store is None else repo.store_id(db, conn, store)
        return _search(conn, db.dialect, clean, limit, store_id)

    return db.read(work)


@dataclass(frozen=True)
class LookupAnswer:
    """What one entry in the lookup screen finds: the cards of the units with exactly that
    serial; else the units whose serial starts with it, ``offered`` as a list to pick from;
    else nothing, with ``hint`` ("did you mean W2D-9?") when a unit has it in other case."""

    serial: str
    cards: tuple[UnitCard, ...] = ()
    offered: SearchResult | None = None
    hint: str | None = None


def look_up_entry(
    db: Database, serial: str, sku: str | None = None, *, starts_with: bool = False
) -> LookupAnswer:
    """The lookup screen's rule for one entry (typed or scanned: over SSH a wedge's keys are
    a person's keys, so the two cannot be told apart, and both get the rule a scan needs).

    - A serial resolves only exactly: the units with exactly ``serial`` (of ``sku``, a unit
      picked from a list), shown as their cards.
    - No unit has it exactly: the units whose serial starts with it are *offered* as a list,
      one included, and a person opens one with a deliberate key. The screen used to open the
      only unit starting with the text at once: a scan cut short (``DRL18-A00``) showed
      ``DRL18-A001``'s card as if it were the unit in hand, a silent resolution.
    - Nothing starts with it either: nothing, with "did you mean" for a serial in other
      letter case (never the twin's card).
    - ``starts_with`` (F3): the list only, even when a unit has exactly that serial."""
    from serialpos.services.lookup import case_hint, lookup_serial

    if starts_with:
        return LookupAnswer(serial, offered=search_serials(db, serial))
    cards = tuple(lookup_serial(db, serial, sku))
    if cards or sku is not None or not serial.strip():
        return LookupAnswer(serial, cards)
    offered = search_serials(db, serial)
    if offered.matches:
        return LookupAnswer(serial, offered=offered)
    return LookupAnswer(serial, hint=case_hint(db, serial))
