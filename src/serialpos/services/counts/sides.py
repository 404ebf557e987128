"""A count's serials compared with the units in stock, where both are stored: set operations
in SQL, with only the sizes and the differences read back.

A count of a million serials matches nearly all of them. Reading both sides into Python
(a million scanned serials, a million units) and comparing them as sets cost about 2 s of
CPU, most of it hashing and looking up strings one by one in million-entry sets. Here each
product's two sides are compared by ``EXCEPT`` (SQLite merges the two sides in serial order,
the scans on the count's own index ``(count_id, product_id, serial, batch_id)``) and the
numbers come from ``count(*)`` on covering indexes:

- ``scanned``: the distinct serials scanned, which is the scans less the repeats of the
  serials seen in more than one batch (a batch holds a serial once: a constraint);
- ``not_here``: scanned ``EXCEPT`` in stock here (few; looked up after to say where); the
  units side walks the product's ``(product_id, serial)`` index in order while the product
  has few units elsewhere, else reads the store's index and sorts (``_walk``): a product
  with a long sold history is not read whole to count one store's shelf;
- ``missing``: in stock here ``EXCEPT`` scanned, read only when the numbers say some are
  missing (``here - (scanned - not_here)``).

Serials seen in more than one batch are found by probing the count's index with the serials
of every batch but the largest (each such serial is in at least one of those), or, when the
other batches are as big, by one ``GROUP BY`` over the count's index.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.domain.counts import Sides
from serialpos.domain.states import UnitState
from serialpos.services.counts.views import scan_c, scan_t, unit_c

unit_t = repo.unit_t

#: Probing the count's index is cheaper than grouping all of it while the batches other than
#: the largest hold less than this share of the serial scans.
PROBE_SHARE = 1 / 3


def serial_scans(conn: Connection, batch_ids: Iterable[int]) -> dict[int, dict[int, int]]:
    """The serial scans of each product in each batch, ``{product: {batch: n}}``, counted on
    the batches' covering index ``(batch_id, product_id, serial)`` (no serial is read)."""
    by_product: dict[int, dict[int, int]] = {}
    for pid, bid, n in conn.execute(
        sa.select(scan_c.product_id, scan_c.batch_id, sa.func.count())
        .where(scan_c.batch_id.in_(sorted(batch_ids)), scan_c.serial.is_not(None))
        .group_by(scan_c.product_id, scan_c.batch_id)
    ):
        by_product.setdefault(pid, {})[bid] = int(n)
    return by_product


def seen_twice(
    conn: Connection, count_id: int, scans: Mapping[int, Mapping[int, int]]
) -> dict[int, set[str]]:
    """Each product's serials scanned in more than one batch (``scans`` from
    :func:`serial_scans`)."""
    totals: dict[int, int] = {}
    for per_batch in scans.values():
        for bid, n in per_batch.items():
            totals[bid] = totals.get(bid, 0) + n
    if len(totals) < 2:
        return {}
    largest = max(totals, key=lambda bid: (totals[bid], -bid))
    others = sorted(bid for bid in totals if bid != largest)
    if sum(totals[bid] for bid in others) < PROBE_SHARE * sum(totals.values()):
        other = scan_t.alias("other")
        query = sa.select(scan_c.product_id, scan_c.serial).where(
            scan_c.batch_id.in_(others),
            scan_c.serial.is_not(None),
            sa.exists().where(
                other.c.count_id == count_id,
                other.c.product_id == scan_c.product_id,
                other.c.serial == scan_c.serial,
                other.c.batch_id != scan_c.batch_id,
            ),
        )
    else:
        query = (
            sa.select(scan_c.product_id, scan_c.serial)
            .where(scan_c.count_id == count_id, scan_c.serial.is_not(None))
            .group_by(scan_c.product_id, scan_c.serial)
            .having(sa.func.count() > 1)
        )
    twice: dict[int, set[str]] = {}
    for pid, serial in conn.execute(query):
        twice.setdefault(pid, set()).add(serial)
    return twice


def units_here(conn: Connection, store_id: int, scope: sa.ColumnElement[bool]) -> dict[int, int]:
    """How many units of each product are in stock at the store (``scope`` limits the
    products), counted on the covering index ``(store_id, product_id, state)``."""
    return {
        pid: int(n)
        for pid, n in conn.execute(
            sa.select(unit_c.product_id, sa.func.count())
            .where(unit_c.store_id == store_id, unit_c.state == UnitState.IN_STOCK, scope)
            .group_by(unit_c.product_id)
        )
    }


def _scanned(count_id: int, pid: int) -> sa.Select[tuple[str]]:
    return sa.select(scan_c.serial).where(
        scan_c.count_id == count_id, scan_c.product_id == pid, scan_c.serial.is_not(None)
    )


def _here(store_id: int, pid: int, walk: bool) -> sa.Select[tuple[str]]:
    """The product's serials in stock here. ``walk``: as they come on the product's
    ``(product_id, serial)`` index, in serial order, reading its units of every store and
    state (SQLite's choice when the query asks for that order); else on the store's index
    ``(store_id, product_id, state)``, which reads only these units, then sorted: the
    serial is selected as ``serial || ''``, whose order no index gives."""
    serial = unit_c.serial if walk else unit_c.serial.concat("").label("serial")
    return sa.select(serial).where(
        unit_c.store_id == store_id, unit_c.product_id == pid, unit_c.state == UnitState.IN_STOCK
    )


#: Walk the product's whole index (no sort) while its units everywhere are at most this many
#: times its units in stock here; past it (a long history of sold units, many stores) read
#: the store's index and sort.
WALK_RATIO = 2


def _walk(conn: Connection, pid: int, here: int) -> bool:
    """Whether walking the product's index beats the store's index and a sort: its units
    counted on that index (no row read), against ``here`` units in stock here."""
    if conn.dialect.name != "sqlite" or not here:
        return True
    total = conn.execute(
        sa.select(sa.func.count()).select_from(unit_t).where(unit_c.product_id == pid)
    ).scalar_one()
    return int(total) <= WALK_RATIO * here


def _except(
    conn: Connection, first: sa.Select[tuple[str]], second: sa.Select[tuple[str]]
) -> list[str]:
    """The serials of ``first EXCEPT second``, asked in serial order (SQLite then merges the
    two sides, each in its index's order, instead of building a temporary index of the
    second)."""
    compound = sa.except_(first, second)
    rows: sa.Result[Any] = conn.execute(compound.order_by(compound.selected_columns[0]))
    return [row[0] for row in rows]


def compare(
    conn: Connection, count_id: int, store_id: int, pid: int, scanned: int, here: int
) -> Sides:
    """One product's ``scanned`` distinct serials against its ``here`` units in stock."""
    walk = _walk(conn, pid, here)
    not_here = set(_except(conn, _scanned(count_id, pid), _here(store_id, pid, walk)))
    missing: tuple[str, ...] = ()
    if here > scanned - len(not_here):
        # Sorted here, not by the database: PostgreSQL orders text by its collation.
        missing = tuple(sorted(_except(conn, _here(store_id, pid, walk), _scanned(count_id, pid))))
    return Sides(scanned, here, not_here, missing)
