"""SQL of central's side of terminal sync: terminal links and sync conflicts
(services/conflicts.py, services/snapshot.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.sync_tables import SyncConflict, TerminalLink
from serialpos.db.tables import utcnow

link_t: sa.Table = TerminalLink.__table__  # type: ignore[attr-defined]
conflict_t: sa.Table = SyncConflict.__table__  # type: ignore[attr-defined]
_l, _c, _e, _s, _p, _u = (
    link_t.c,
    conflict_t.c,
    repo.event_t.c,
    repo.store_t.c,
    repo.product_t.c,
    repo.unit_t.c,
)


def link_of(conn: Connection, api_terminal: str) -> tuple[str, str] | None:
    """(terminal id, store code) the token's terminal is bound to, if it is."""
    row = conn.execute(
        sa.select(_l.terminal_id, _s.code)
        .join(repo.store_t, _s.id == _l.store_id)
        .where(_l.api_terminal == api_terminal)
    ).first()
    return None if row is None else (row[0], row[1])


def add_link(conn: Connection, api_terminal: str, terminal_id: str, store_id: int) -> None:
    conn.execute(
        link_t.insert().values(
            api_terminal=api_terminal,
            terminal_id=terminal_id,
            store_id=store_id,
            linked_at=utcnow(),
        )
    )


def store_for(conn: Connection, code: str | None, terminal_id: str) -> int:
    """The store a conflict belongs to: the one its line names, else the terminal's."""
    found = conn.execute(sa.select(_s.id).where(_s.code == code)).scalar() if code else None
    if found is None:
        found = conn.execute(
            sa.select(_l.store_id).where(_l.terminal_id == terminal_id).limit(1)
        ).scalar()
    assert found is not None, "a linked terminal always has a store"
    return int(found)


def last_unit_event(conn: Connection, sku: str, serial: str) -> int | None:
    """The newest event of the unit (sku, serial): the one that gave it its state."""
    return conn.execute(
        sa.select(sa.func.max(_e.id))
        .join(repo.product_t, _p.id == _e.product_id)
        .where(_p.sku == sku, _e.serial == serial, _e.unit_id.is_not(None))
    ).scalar()


def product_id(conn: Connection, sku: str) -> int | None:
    return conn.execute(sa.select(_p.id).where(_p.sku == sku)).scalar()


def add_conflict(conn: Connection, **values: Any) -> int:
    values.setdefault("created_at", utcnow())
    values.setdefault("status", "open")
    return int(conn.execute(conflict_t.insert().values(**values).returning(_c.id)).scalar_one())


_EVENT_COLS = (
    _e.id,
    _e.at,
    _e.action,
    _e.user_name,
    _e.terminal,
    _e.serial,
    _e.from_state,
    _e.to_state,
    _e.quantity,
    _e.document_type,
    _e.document_id,
)


def conflicts(
    conn: Connection,
    *,
    status: str | None = None,
    conflict_id: int | None = None,
    store: str | None = None,
) -> list[dict[str, Any]]:
    """Conflicts with their store, SKU and first event (as a dict), oldest first."""
    first = repo.event_t.alias("first_event")
    q = (
        sa.select(
            conflict_t,
            _s.code.label("store"),
            _p.sku.label("sku"),
            *[col.label(f"ev_{col.name}") for col in (first.c[c.name] for c in _EVENT_COLS)],
        )
        .join(repo.store_t, _s.id == _c.store_id)
        .outerjoin(repo.product_t, _p.id == _c.product_id)
        .outerjoin(first, first.c.id == _c.first_event_id)
        .order_by(_c.id)
    )
    if status is not None:
        q = q.where(_c.status == status)
    if conflict_id is not None:
        q = q.where(_c.id == conflict_id)
    if store is not None:
        q = q.where(_s.code == store)
    return [dict(row._mapping) for row in conn.execute(q)]


def resolve(
    conn: Connection,
    conflict_id: int,
    *,
    by: str,
    resolution: str,
    note: str | None,
    when: datetime,
) -> bool:
    """Mark an open conflict resolved; False when it was not open (resolved meanwhile)."""
    result = conn.execute(
        conflict_t.update()
        .where(_c.id == conflict_id, _c.status == "open")
        .values(
            status="resolved", resolved_by=by, resolution=resolution, note=note, resolved_at=when
        )
    )
    return result.rowcount == 1
