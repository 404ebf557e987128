"""A store terminal's local copy of central (terminal/mirror.py, terminal/pull.py): units set
to central's state, products and stores central made after the snapshot, the marks of units
set out of the feed's order, and the feed events its pulls saw (terminal/feed_memory.py).

Kept apart from the journal's SQL (db/journal.py): the journal is what the till did and
sends; this is what it learnt from central.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.journal import seen_c, seen_t, set_state, state_c, state_t
from serialpos.db.order_repo import line_t, order_t
from serialpos.db.tables import utcnow
from serialpos.domain.orders import LineStatus, OrderStatus
from serialpos.domain.states import UnitState

# -- the central event a unit's copy was last set from ------------------------------------
#: ``sync_state`` key of a unit set to central's state out of the feed's order (after a
#: conflict or a refusal, terminal/central_state.py): the id of central's event that gave it
#: that state, so the pull skips the unit's older events (terminal/mirror.py).
_UNIT_EVENT = "unit_event:"


def set_unit_event(conn: Connection, unit_id: int, event: int) -> None:
    set_state(conn, f"{_UNIT_EVENT}{unit_id}", str(event))


def unit_events(conn: Connection) -> dict[int, int]:
    """Local unit id -> the central event its copy was last set from, out of the feed's order."""
    rows = conn.execute(
        sa.select(state_c.key, state_c.value).where(state_c.key.startswith(_UNIT_EVENT))
    )
    return {int(key.removeprefix(_UNIT_EVENT)): int(value) for key, value in rows}


def drop_unit_event(conn: Connection, unit_id: int) -> None:
    """The feed reached the unit's event: its later events are all newer."""
    conn.execute(state_t.delete().where(state_c.key == f"{_UNIT_EVENT}{unit_id}"))


_DROP_MARK = state_t.delete().where(
    state_c.key == sa.bindparam("mark"), state_c.value == sa.bindparam("event")
)


def drop_unit_events(conn: Connection, marks: dict[int, int]) -> int:
    """Drop these marks (unit id -> central event) where they still hold that event (one
    set again meanwhile to another event stays); how many were dropped."""
    if not marks:
        return 0
    rows = [{"mark": f"{_UNIT_EVENT}{u}", "event": str(e)} for u, e in marks.items()]
    before = len(unit_events(conn))
    conn.execute(_DROP_MARK, rows)
    return before - len(unit_events(conn))


# -- the local copy of central's events ---------------------------------------------------
unit_c = repo.unit_t.c


@dataclass(frozen=True)
class LocalUnit:
    id: int
    state: str
    store_id: int
    #: The local order line holding it (an open sale at this till), if any.
    reserved_line: int | None = None


#: Built once: a pull reads a unit per event (a catch-up's own 5,000 events come back).
_UNIT = sa.select(unit_c.id, unit_c.state, unit_c.store_id, unit_c.reserved_line_id).where(
    unit_c.product_id == sa.bindparam("product_id"), unit_c.serial == sa.bindparam("serial")
)


def unit(conn: Connection, product_id: int, serial: str) -> LocalUnit | None:
    row = conn.execute(_UNIT, {"product_id": product_id, "serial": serial}).first()
    return None if row is None else LocalUnit(row[0], row[1], row[2], row[3])


def open_line_holding(conn: Connection, number: object, product_id: int, serial: str) -> int | None:
    """The open line of local order ``number`` (open or parked) that holds ``serial`` of
    ``product_id``: a pulled ``reserve`` naming the order holds it again. A reserve the till
    made (a layby) comes back in the feed after central's older release of the same unit
    (central's void of an earlier layby of it), which let go of the line; without this, the
    unit read reserved holding no line (``db check``: ``reserved_without_open_line``)."""
    if not isinstance(number, str):
        return None
    o, ln = order_t.c, line_t.c
    found = conn.execute(
        sa.select(ln.id)
        .join(order_t, o.id == ln.order_id)
        .where(
            o.number == number,
            o.status.in_([OrderStatus.OPEN.value, OrderStatus.PARKED.value]),
            ln.status == LineStatus.OPEN.value,
            ln.product_id == product_id,
            ln.serial == serial,
        )
        .limit(1)
    ).scalar()
    return None if found is None else int(found)


def put_unit(
    conn: Connection,
    found: LocalUnit | None,
    *,
    product_id: int,
    serial: str,
    state: str,
    store_id: int,
    now: datetime,
    line: int | None = None,
) -> int:
    """Set a unit to central's state (creating it if this terminal never held it). A unit
    leaving ``reserved`` lets go of the local order line that held it (a release or a void
    made at central): a unit in another state naming a line fails ``db check``. ``line``:
    the local line a unit set ``reserved`` is held by (:func:`open_line_holding`)."""
    if found is None:
        result = conn.execute(
            repo.unit_t.insert().values(
                product_id=product_id,
                serial=serial,
                state=state,
                store_id=store_id,
                version=1,
                updated_at=now,
            )
        )
        pk = result.inserted_primary_key
        assert pk is not None
        if line is not None and state == UnitState.RESERVED:
            conn.execute(
                repo.unit_t.update().where(unit_c.id == int(pk[0])).values(reserved_line_id=line)
            )
        return int(pk[0])
    conn.execute(
        repo.unit_t.update()
        .where(unit_c.id == found.id)
        .values(
            state=state,
            store_id=store_id,
            version=unit_c.version + 1,
            updated_at=now,
            **_held(state, line),
        )
    )
    return found.id


def _held(state: str, line: int | None) -> dict[str, int | None]:
    if state != UnitState.RESERVED:
        return {"reserved_line_id": None}
    return {} if line is None else {"reserved_line_id": line}


def product_ids(conn: Connection) -> dict[str, int]:
    p = repo.product_t.c
    return {sku: pid for pid, sku in conn.execute(sa.select(p.id, p.sku))}


def add_product(conn: Connection, card: dict[str, Any]) -> int:
    """A product central made after this terminal's snapshot, from its catalogue card
    (``GET /v1/products/{sku}``): the product and its barcodes (not package components)."""
    from decimal import Decimal

    now = utcnow()
    pid = int(
        conn.execute(
            repo.product_t.insert()
            .values(
                sku=card["sku"],
                name=card["name"],
                price=Decimal(card.get("price") or "0"),
                serial_mode=card["serial_mode"],
                serial_format=card.get("serial_format"),
                tax_rate=None if card.get("tax_rate") is None else Decimal(card["tax_rate"]),
                warranty_months=card.get("warranty_months"),
                bin=card.get("bin"),
                created_at=now,
                updated_at=now,
            )
            .returning(repo.product_t.c.id)
        ).scalar_one()
    )
    for gtin in card.get("barcodes") or []:
        conn.execute(repo.barcode_t.insert().values(product_id=pid, gtin=gtin))
    return pid


def store_ids(conn: Connection) -> dict[str, int]:
    return {code: sid for sid, code in repo.store_codes(conn).items()}


# -- what the till's pulls saw of its store's feed (terminal/feed_memory.py) --------------
def remember_events(conn: Connection, seen: list[tuple[int, str, str | None]]) -> None:
    """Keep ``(seq, digest, echo)`` of feed events just applied (a number seen again, after
    central's restore, takes the new digest)."""
    if not seen:
        return
    numbers = [seq for seq, _d, _e in seen]
    conn.execute(seen_t.delete().where(seen_c.seq.in_(numbers)))
    conn.execute(seen_t.insert(), [{"seq": s, "digest": d, "echo": e} for s, d, e in seen])


def newest_seen(conn: Connection, at_most: int | None = None) -> tuple[int, str] | None:
    """The newest feed event remembered (numbered ``at_most`` or less), or None."""
    q = sa.select(seen_c.seq, seen_c.digest).order_by(seen_c.seq.desc()).limit(1)
    if at_most is not None:
        q = q.where(seen_c.seq <= at_most)
    row = conn.execute(q).first()
    return None if row is None else (int(row[0]), str(row[1]))


def seen_numbers(conn: Connection, at_most: int) -> list[tuple[int, str]]:
    """Every remembered ``(seq, digest)`` numbered ``at_most`` or less, oldest first."""
    q = sa.select(seen_c.seq, seen_c.digest).where(seen_c.seq <= at_most).order_by(seen_c.seq)
    return [(int(r[0]), str(r[1])) for r in conn.execute(q)]


def forget_seen_after(conn: Connection, seq: int) -> None:
    """Forget the events remembered after ``seq``: central's restore lost them."""
    conn.execute(seen_t.delete().where(seen_c.seq > seq))


def prune_seen(conn: Connection, keep: int) -> None:
    """Keep the newest ``keep`` events remembered."""
    cut = conn.execute(
        sa.select(seen_c.seq).order_by(seen_c.seq.desc()).offset(keep).limit(1)
    ).scalar()
    if cut is not None:
        conn.execute(seen_t.delete().where(seen_c.seq <= cut))
