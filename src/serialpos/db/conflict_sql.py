"""SQL of central's side of terminal sync: terminal links and sync conflicts
(services/conflicts.py, services/snapshot.py)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.one_of import any_param
from serialpos.db.prepared import Prepared
from serialpos.db.sync_tables import SyncConflict, TerminalLink
from serialpos.db.tables import utcnow
from serialpos.domain.events import state_setting_event

link_t: sa.Table = TerminalLink.__table__  # type: ignore[attr-defined]
conflict_t: sa.Table = SyncConflict.__table__  # type: ignore[attr-defined]
link_c, conflict_c, event_c, store_c, product_c, unit_c = (
    link_t.c,
    conflict_t.c,
    repo.event_t.c,
    repo.store_t.c,
    repo.product_t.c,
    repo.unit_t.c,
)


def link_of(conn: Connection, api_terminal: str) -> tuple[str, str] | None:
    """(terminal id, store code) the token's terminal is bound to, if it is. Read on each
    terminal's first push to a serve worker (services/terminal_links.py keeps it): run
    prepared, as the rest of a push is."""
    found = link_and_seal(conn, api_terminal)
    return None if found is None else (found[0], found[1])


def link_and_seal(conn: Connection, api_terminal: str) -> tuple[str, str, int | None] | None:
    """:func:`link_of` and the link's ``sealed_from`` (None: no sealed entry taken yet),
    in the same one statement."""
    row = _LINK_OF.first(conn, {"api_terminal": api_terminal})
    if row is None:
        return None
    return row[0], row[1], None if row[2] is None else int(row[2])


_LINK_OF = Prepared(
    sa.select(link_c.terminal_id, store_c.code, link_c.sealed_from)
    .join(repo.store_t, store_c.id == link_c.store_id)
    .where(link_c.api_terminal == sa.bindparam("api_terminal"))
)


def mark_sealed(conn: Connection, api_terminal: str, seq: int) -> None:
    """Remember that the token's terminal seals its journal from entry ``seq`` on (or an
    earlier one already known): migration 0038."""
    conn.execute(
        link_t.update()
        .where(
            link_c.api_terminal == api_terminal,
            sa.or_(link_c.sealed_from.is_(None), link_c.sealed_from > seq),
        )
        .values(sealed_from=seq)
    )


def stores_of_terminals(conn: Connection, names: Sequence[str]) -> dict[str, set[str]]:
    """The store codes each of ``names`` that is a store terminal belongs to: by its token's
    terminal (``api:<token name>``) or by its own id (what a till's entries are recorded
    under; two stores' tills may share an id, so a name may have two stores)."""
    if not names:
        return {}
    rows = conn.execute(
        sa.select(link_c.api_terminal, link_c.terminal_id, store_c.code)
        .join(repo.store_t, store_c.id == link_c.store_id)
        .where(sa.or_(link_c.api_terminal.in_(names), link_c.terminal_id.in_(names)))
    )
    found: dict[str, set[str]] = {}
    for api_terminal, terminal_id, code in rows:
        found.setdefault(api_terminal, set()).add(code)
        found.setdefault(terminal_id, set()).add(code)
    return found


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
    found = _STORE_BY_CODE.scalar(conn, {"code": code}) if code else None
    if found is None:
        found = _TERMINAL_STORE.scalar(conn, {"terminal_id": terminal_id})
    assert found is not None, "a linked terminal always has a store"
    return int(found)


def last_unit_event(conn: Connection, sku: str, serial: str) -> int | None:
    """The event of the unit (sku, serial) that gave it its state now: its newest event
    that moved it there, never a later one that moved nothing (domain/events.py
    :func:`state_setting_event`); what a conflict's "stands" names."""
    rows = _UNIT_EVENTS.rows(conn, {"sku": sku, "serial": serial})
    if not rows:
        return None
    state = rows[0][2]
    return state_setting_event([(int(r[0]), r[1]) for r in rows], str(state))


def product_id(conn: Connection, sku: str) -> int | None:
    found = _PRODUCT_ID.scalar(conn, {"sku": sku})
    return None if found is None else int(found)


#: The columns a conflict is recorded with (services/entries.py gives each).
_CONFLICT_KEYS = (
    "entry_id",
    "terminal",
    "entry_seq",
    "store_id",
    "product_id",
    "serial",
    "first_event_id",
    "entry_line",
    "error",
    "message",
    "created_at",
    "status",
)


def add_conflict(conn: Connection, **values: Any) -> int:
    values.setdefault("created_at", utcnow())
    values.setdefault("status", "open")
    if set(values) != set(_CONFLICT_KEYS):
        raise TypeError(f"a conflict is recorded with {', '.join(_CONFLICT_KEYS)}")
    return int(_ADD_CONFLICT.scalar(conn, values))


# Built once and run prepared: each conflict central records reads and writes these, and
# SQLAlchemy's per-call build, cache key and set-up cost more than running them.
_STORE_BY_CODE = Prepared(sa.select(store_c.id).where(store_c.code == sa.bindparam("code")))
_TERMINAL_STORE = Prepared(
    sa.select(link_c.store_id).where(link_c.terminal_id == sa.bindparam("terminal_id")).limit(1)
)
#: Found by the unit (its product and serial name one), so through ``ix_ledger_event_unit``:
#: no index lists a product's events (migration 0033).
_THE_UNIT = (
    sa.select(unit_c.id)
    .join(repo.product_t, product_c.id == unit_c.product_id)
    .where(product_c.sku == sa.bindparam("sku"), unit_c.serial == sa.bindparam("serial"))
)
#: The unit's newest events, newest first, each with the unit's state now: the one that
#: gave it that state is among them (a run of events that move nothing is short).
_UNIT_EVENTS = Prepared(
    sa.select(event_c.id, event_c.to_state, unit_c.state)
    .join(repo.product_t, product_c.id == event_c.product_id)
    .join(repo.unit_t, unit_c.id == event_c.unit_id)
    .where(
        event_c.unit_id.in_(_THE_UNIT.scalar_subquery()),
        product_c.sku == sa.bindparam("sku"),
        event_c.serial == sa.bindparam("serial"),
    )
    .order_by(event_c.id.desc())
    .limit(32)
)
_PRODUCT_ID = Prepared(sa.select(product_c.id).where(product_c.sku == sa.bindparam("sku")))
_ADD_CONFLICT = Prepared(
    conflict_t.insert()
    .values({k: sa.bindparam(k, type_=conflict_c[k].type) for k in _CONFLICT_KEYS})
    .returning(conflict_c.id)
)


_EVENT_COLS = (
    event_c.id,
    event_c.at,
    event_c.action,
    event_c.user_name,
    event_c.terminal,
    event_c.serial,
    event_c.from_state,
    event_c.to_state,
    event_c.quantity,
    event_c.document_type,
    event_c.document_id,
)


def _listed() -> sa.Select[Any]:
    first = repo.event_t.alias("first_event")
    return (
        sa.select(
            conflict_t,
            store_c.code.label("store"),
            product_c.sku.label("sku"),
            *[col.label(f"ev_{col.name}") for col in (first.c[c.name] for c in _EVENT_COLS)],
        )
        .join(repo.store_t, store_c.id == conflict_c.store_id)
        .outerjoin(repo.product_t, product_c.id == conflict_c.product_id)
        .outerjoin(first, first.c.id == conflict_c.first_event_id)
        .order_by(conflict_c.id)
    )


#: One conflict as :func:`conflicts` lists it, built once: central reads each conflict it
#: records back for its verdict, and building and keying this join each time cost more
#: than running it.
_ONE = Prepared(_listed().where(conflict_c.id == sa.bindparam("conflict_id")))


def conflicts(
    conn: Connection,
    *,
    status: str | None = None,
    conflict_id: int | None = None,
    store: str | None = None,
    entries: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Conflicts with their store, SKU and first event (as a dict), oldest first.
    ``entries``: only the conflicts of these journal entries (by the unique entry id)."""
    if conflict_id is not None and status is None and store is None and entries is None:
        return [dict(row._mapping) for row in _ONE.rows(conn, {"conflict_id": conflict_id})]
    q = _listed()
    if status is not None:
        q = q.where(conflict_c.status == status)
    if conflict_id is not None:
        q = q.where(conflict_c.id == conflict_id)
    if store is not None:
        q = q.where(store_c.code == store)
    if entries is not None:
        q = q.where(conflict_c.entry_id.in_(list(entries)))
    return [dict(row._mapping) for row in conn.execute(q)]


def event_as_listed(conn: Connection, event_id: int) -> dict[str, Any]:
    """Event ``event_id``'s columns as :func:`conflicts` gives the first event (``ev_*``)."""
    row = conn.execute(
        sa.select(*[c.label(f"ev_{c.name}") for c in _EVENT_COLS]).where(event_c.id == event_id)
    ).one()
    return dict(row._mapping)


def conflict_of_entry(conn: Connection, entry_id: str) -> int | None:
    """The number of the conflict recorded for the journal entry ``entry_id`` (one at most:
    ``entry_id`` is unique), if central holds one."""
    found = conn.execute(
        sa.select(conflict_c.id).where(conflict_c.entry_id == entry_id)
    ).scalar_one_or_none()
    return None if found is None else int(found)


def lock_status(conn: Connection, conflict_id: int) -> str | None:
    """Conflict ``conflict_id``'s status, its row locked (``SELECT … FOR UPDATE`` on
    PostgreSQL; SQLite's write transaction holds the whole file) until the transaction
    ends: a resolution takes it first, so two resolving one conflict at once run one after
    the other and the second reads it resolved. None when there is no such conflict."""
    found = conn.execute(
        sa.select(conflict_c.status).where(conflict_c.id == conflict_id).with_for_update()
    ).scalar_one_or_none()
    return None if found is None else str(found)


def resolve(
    conn: Connection,
    conflict_id: int,
    *,
    by: str,
    resolution: str,
    note: str | None,
    when: datetime,
    entry_id: str | None = None,
    stood: int | None = None,
) -> bool:
    """Mark an open conflict resolved; False when it was not open (resolved meanwhile), or
    not ``entry_id``'s when that is given (the number now names another entry's conflict:
    central restored from an older backup numbers conflicts afresh). ``stood``: the event
    that stood when it was resolved, kept as its first event (services/conflicts.py
    ``standing``)."""
    q = conflict_t.update().where(conflict_c.id == conflict_id, conflict_c.status == "open")
    if entry_id is not None:
        q = q.where(conflict_c.entry_id == entry_id)
    values: dict[str, Any] = {
        "status": "resolved",
        "resolved_by": by,
        "resolution": resolution,
        "note": note,
        "resolved_at": when,
    }
    if stood is not None:
        values["first_event_id"] = stood
    result = conn.execute(q.values(values))
    return result.rowcount == 1


def unit_states(conn: Connection, serials: list[str]) -> list[tuple[str, str, str, str, int]]:
    """(serial, sku, store code, state, last event id) of every unit carrying one of
    ``serials``, any product (services/entry_units.py picks the product an entry named).
    The last event is the one that gave the unit its state: a unit's events are written
    under its row lock, so their ids follow the order they happened in. Asked for every
    conflict and refusal of a push: on PostgreSQL one statement built once and run prepared
    (the serials as an array), SQLite's with its ``IN`` list."""
    if not serials:
        return []
    wanted = sorted(set(serials))
    rows: Sequence[Any]
    if conn.dialect.name == "postgresql":
        rows = _UNIT_STATES.rows(conn, {"serials": wanted})
    else:
        rows = conn.execute(_unit_states(unit_c.serial.in_(wanted))).all()
    return [(str(a), str(b), str(c), str(d), int(e or 0)) for a, b, c, d, e in rows]


def _unit_states(serial_is: sa.ColumnElement[bool]) -> sa.Select[Any]:
    last = (
        sa.select(sa.func.max(event_c.id))
        .where(event_c.unit_id == unit_c.id)
        .correlate(repo.unit_t)
        .scalar_subquery()
    )
    return (
        sa.select(unit_c.serial, product_c.sku, store_c.code, unit_c.state, last)
        .join(repo.product_t, product_c.id == unit_c.product_id)
        .join(repo.store_t, store_c.id == unit_c.store_id)
        .where(serial_is)
        .order_by(unit_c.serial, product_c.sku)
    )


#: :func:`unit_states` on PostgreSQL, built once and run prepared.
_UNIT_STATES = Prepared(_unit_states(any_param(unit_c.serial, "serials")))


def open_on_unit(conn: Connection, product_id: int, serial: str) -> list[tuple[int, str]]:
    """(number, terminal) of each open conflict of the unit (product, serial), oldest first:
    central's serial card names them (a till's names its own sales central did not take)."""
    q = (
        sa.select(conflict_c.id, conflict_c.terminal)
        .where(
            conflict_c.product_id == product_id,
            conflict_c.serial == serial,
            conflict_c.status == "open",
        )
        .order_by(conflict_c.id)
    )
    return [(int(n), str(t)) for n, t in conn.execute(q)]


def conflict_making(conn: Connection, terminal: str, number: str) -> int | None:
    """The newest conflict of ``terminal`` whose entry made document ``number`` (an order or
    a refund note the till numbered: the entry's ``numbers``), if central holds one: a later
    entry of that till naming the number follows that conflict (services/entries.py)."""
    pattern = '%"' + number.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + '"%'
    q = (
        sa.select(conflict_c.id, conflict_c.entry_line)
        .where(conflict_c.terminal == terminal, conflict_c.entry_line.like(pattern, escape="\\"))
        .order_by(conflict_c.id.desc())
    )
    for found, line in conn.execute(q):
        try:
            numbers = json.loads(line).get("numbers")
        except ValueError:
            continue
        if isinstance(numbers, dict) and number in numbers.values():
            return int(found)
    return None
