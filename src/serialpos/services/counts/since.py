"""What the ledger moved after a count counted: a count approved later is judged at the time
it counted, not against today's stock (domain/counts.py, ``arrived_since``).

The count's moment for a product is the opening of the earliest batch that counted it (the
count's opening for a product no batch counted): a unit the ledger moved after it was not
necessarily on the shelf when the shelf was counted, so it is not written off; the moment of
a scanned unit is its first scan. Earliest, not latest: a unit received while a batch was
under way may have been shelved behind the counter, and writing off a unit that is on the
shelf is the worse error (it is listed instead, for a recount).

Read from the ledger's own events, no column of the count's: a unit's events by its
``unit_id`` index (only the few units that differ: not scanned, or scanned and not here), and
the quantity moves at the store (events without a unit) after the earliest of the moments.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db.ledger_writes import event_t
from serialpos.services.counts.views import LOOKUP_CHUNK, batch_c, scan_c, unit_c

event_c = event_t.c


def counted_at(
    conn: Connection,
    count_id: int,
    opened_at: datetime | None,
    batches_of: Mapping[int, Iterable[int]],
) -> dict[int, datetime | None]:
    """Each product's moment (``batches_of``: the batches that counted it, by product):
    its earliest batch's opening, else the count's (None: not known, nothing is judged as
    moved)."""
    opened = {
        bid: at
        for bid, at in conn.execute(
            sa.select(batch_c.id, batch_c.opened_at).where(batch_c.count_id == count_id)
        )
    }
    moments: dict[int, datetime | None] = {}
    for pid, bids in batches_of.items():
        times = [opened[b] for b in bids if b in opened]
        moments[pid] = min(times) if times else opened_at
    return moments


def first_scans(
    conn: Connection, count_id: int, pid: int, serials: list[str]
) -> dict[str, datetime]:
    """When the count first scanned each of ``serials`` (few: the scanned units not here)."""
    first: dict[str, datetime] = {}
    for start in range(0, len(serials), LOOKUP_CHUNK):
        for serial, at in conn.execute(
            sa.select(scan_c.serial, sa.func.min(scan_c.scanned_at, type_=sa.DateTime()))
            .where(
                scan_c.count_id == count_id,
                scan_c.product_id == pid,
                scan_c.serial.in_(serials[start : start + LOOKUP_CHUNK]),
            )
            .group_by(scan_c.serial)
        ):
            first[serial] = at
    return first


def moved_units(conn: Connection, pid: int, moments: Mapping[str, datetime | None]) -> set[str]:
    """The serials of ``moments`` whose unit has a ledger event after its moment."""
    serials = sorted(s for s, at in moments.items() if at is not None)
    moved: set[str] = set()
    for start in range(0, len(serials), LOOKUP_CHUNK):
        rows = conn.execute(
            sa.select(unit_c.serial, sa.func.max(event_c.at, type_=sa.DateTime()))
            .join(event_t, event_c.unit_id == unit_c.id)
            .where(
                unit_c.product_id == pid, unit_c.serial.in_(serials[start : start + LOOKUP_CHUNK])
            )
            .group_by(unit_c.serial)
        )
        for serial, last in rows:
            at = moments[serial]
            if last is not None and at is not None and last > at:
                moved.add(serial)
    return moved


def moved_quantities(
    conn: Connection, store_id: int, moments: Mapping[int, datetime | None]
) -> dict[int, int]:
    """Each product's on-hand change at the store since its moment, from its events without
    a unit (quantities): what a quantity counted then has become since."""
    known = {pid: at for pid, at in moments.items() if at is not None}
    if not known:
        return {}
    moved: dict[int, int] = {}
    for pid, at, quantity in conn.execute(
        sa.select(event_c.product_id, event_c.at, event_c.quantity).where(
            event_c.store_id == store_id,
            event_c.unit_id.is_(None),
            event_c.product_id.in_(sorted(known)),
            event_c.at > min(known.values()),
        )
    ):
        if at > known[pid] and quantity:
            moved[pid] = moved.get(pid, 0) + int(quantity)
    return moved
