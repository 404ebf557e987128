"""Reading a count and the ledger in bulk for the reconciliation; the rules themselves are
:mod:`serialpos.domain.count_reconciliation`.

Set-based: each product's scanned serials and its units in stock here are compared in SQL
(sides.py: counts on covering indexes and two ``EXCEPT``), so only the numbers and the few
serials that differ are read; the scanned serials that are not in stock here are looked up
again (in chunks) to say where the ledger has them. No serial of a matched unit is read into
Python, so a count of 1M serials reconciles in about a second (bench/count_bench.py). An
approved count's reconciliation is stored as JSON (:func:`reconciliation_json`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.engine import Database
from serialpos.domain.count_reconciliation import (
    BatchInfo,
    CountHeader,
    Duplicate,
    ElsewhereUnit,
    ProductCount,
    ProductPlan,
    Reconciliation,
    UnitRef,
    find_duplicates,
    plan_products,
    reconcile_plans,
)
from serialpos.domain.counts import (
    Elsewhere,
    ElsewhereAction,
    Place,
    QuantityDifference,
    Sides,
)
from serialpos.domain.document_status import CountStatus
from serialpos.domain.products import SerialMode
from serialpos.services.bulk_memory import collector_paused
from serialpos.services.counts import reviewed, sides, since
from serialpos.services.counts.views import (
    LOOKUP_CHUNK,
    CountRow,
    batch_c,
    batch_infos,
    batch_infos_counted,
    count_c,
    count_row,
    scan_c,
    unit_c,
)
from serialpos.services.settings import settings_in


# -- reconciliation -------------------------------------------------------------------
@dataclass
class _Product:
    """One product's side of the count while it is read (domain ProductCount once read)."""

    id: int
    sku: str
    mode: SerialMode
    counted_quantity: int = 0
    on_hand: int = 0
    known: dict[str, Place] = field(default_factory=dict)
    sides: Sides | None = None  # the scans against the units here, compared in SQL
    moved: set[str] = field(default_factory=set)  # units the ledger moved since (since.py)
    moved_quantity: int = 0

    def as_read(self) -> ProductCount:
        return ProductCount(
            self.sku,
            self.mode,
            counted_quantity=self.counted_quantity,
            known=self.known,
            on_hand=self.on_hand,
            sides=self.sides,
            moved=frozenset(self.moved),
            moved_quantity=self.moved_quantity,
        )


@dataclass(frozen=True)
class CountPlan:
    """The count as read and planned by the domain's rules, with each product's id."""

    count: CountRow
    header: CountHeader
    plans: list[ProductPlan]
    ids: dict[str, int]
    duplicates: tuple[Duplicate, ...]
    batches: tuple[BatchInfo, ...]
    scans_read: int = 0  # how many scans were read (services/counts/reviewed.py)

    def reconciliation(self) -> Reconciliation:
        result = reconcile_plans(self.header, self.plans, self.duplicates, self.batches)
        return replace(result, scans_read=self.scans_read)


def plan_count(db: Database, conn: Connection, count: CountRow) -> CountPlan:
    """The count read in bulk and planned (every caller: review, approval, ``apply``), with
    the cyclic collector paused while it reads (bulk_memory.py: a count with a million
    units missing reads a million serials)."""
    with collector_paused():
        return _plan_count(db, conn, count)


def _plan_count(db: Database, conn: Connection, count: CountRow) -> CountPlan:
    # Read first: a scan taken while a review reads is then one more than the review says.
    newest = reviewed.scans_read(conn, count.id)
    tracked_store = settings_in(db, conn, count.store).serialized_inventory
    p = repo.product_t.c
    catalogue = {
        pid: (sku, SerialMode(mode))
        for pid, sku, mode in conn.execute(sa.select(p.id, p.sku, p.serial_mode))
    }
    scope: set[int] | None = None
    if count.products is not None:
        scope = {pid for pid, (sku, _m) in catalogue.items() if sku in count.products}
    products: dict[int, _Product] = {}

    def product(pid: int) -> _Product:
        found = products.get(pid)
        if found is None:
            sku, mode = catalogue[pid]
            found = products[pid] = _Product(pid, sku, mode)
        return found

    def in_scope(column: sa.ColumnElement[int]) -> sa.ColumnElement[bool]:
        return sa.true() if scope is None else column.in_(sorted(scope))

    # The count's serial scans counted per product and batch (no serial read), and the
    # serials seen in more than one batch (sides.py).
    batch_numbers = {
        bid: n
        for bid, n in conn.execute(
            sa.select(batch_c.id, batch_c.number).where(batch_c.count_id == count.id)
        )
    }
    scans = sides.serial_scans(conn, batch_numbers)
    # Each batch's units: its serials (one unit each) and the quantities counted without one.
    batch_units: dict[int, int] = dict.fromkeys(batch_numbers, 0)
    batches_of: dict[int, set[int]] = {}  # the batches that counted each product
    for pid, per_batch in scans.items():
        batches_of.setdefault(pid, set()).update(per_batch)
        for bid, n in per_batch.items():
            batch_units[bid] += n
    for pid, bid, total in conn.execute(
        sa.select(scan_c.product_id, scan_c.batch_id, sa.func.sum(scan_c.quantity))
        .where(scan_c.count_id == count.id, scan_c.serial.is_(None))
        .group_by(scan_c.product_id, scan_c.batch_id)
    ):
        product(pid).counted_quantity += int(total)
        batches_of.setdefault(pid, set()).add(bid)
        batch_units[bid] = batch_units.get(bid, 0) + int(total)
    twice = sides.seen_twice(conn, count.id, scans)
    # Where each serial seen twice was seen: a lookup of those few. The distinct serials of
    # a product are its scans less the repeats.
    distinct = {pid: sum(per_batch.values()) for pid, per_batch in scans.items()}
    sightings: list[tuple[str, str, int]] = []
    for pid, again in twice.items():
        ordered = sorted(again)
        seen = len(sightings)
        for start in range(0, len(ordered), LOOKUP_CHUNK):
            sightings += [
                (catalogue[pid][0], serial, batch_numbers[bid])
                for serial, bid in conn.execute(
                    sa.select(scan_c.serial, scan_c.batch_id).where(
                        scan_c.count_id == count.id,
                        scan_c.product_id == pid,
                        scan_c.serial.in_(ordered[start : start + LOOKUP_CHUNK]),
                    )
                )
            ]
        distinct[pid] -= len(sightings) - seen - len(again)  # one unit per serial
    for pid in distinct:
        product(pid)
    # The ledger: units in stock here (counted), and on-hand quantities.
    here: dict[int, int] = {}
    if tracked_store:
        here = sides.units_here(conn, count.store_id, in_scope(unit_c.product_id))
    for pid in here:
        product(pid)
    sl = repo.stock_t.c
    for pid, quantity in conn.execute(
        sa.select(sl.product_id, sl.quantity).where(
            sl.store_id == count.store_id, sl.quantity != 0, in_scope(sl.product_id)
        )
    ):
        product(pid).on_hand = int(quantity)
    # When the count counted each product: what the ledger moved after it is not judged
    # (since.py); the quantities moved since, of the products counted by quantity.
    moments = since.counted_at(
        conn, count.id, count.opened_at, {pid: batches_of.get(pid, ()) for pid in products}
    )
    by_quantity = {
        pid: moments[pid]
        for pid, item in products.items()
        if not (tracked_store and item.mode is SerialMode.REQUIRED)
    }
    for pid, moved in since.moved_quantities(conn, count.store_id, by_quantity).items():
        product(pid).moved_quantity = moved
    # Each tracked product's scans against its units here, compared in SQL; where the ledger
    # has the scanned serials that are not in stock here.
    codes = repo.store_codes(conn)
    for item in products.values():
        scanned = distinct.get(item.id, 0)
        if not tracked_store or not item.mode.tracked:
            item.sides = Sides(scanned, 0, frozenset(), ())
            continue
        item.sides = sides.compare(
            conn, count.id, count.store_id, item.id, scanned, here.get(item.id, 0)
        )
        rest = sorted(item.sides.not_here)
        known: dict[str, Place] = {}
        for start in range(0, len(rest), LOOKUP_CHUNK):
            chunk = rest[start : start + LOOKUP_CHUNK]
            for serial, state, sid in conn.execute(
                sa.select(unit_c.serial, unit_c.state, unit_c.store_id).where(
                    unit_c.product_id == item.id, unit_c.serial.in_(chunk)
                )
            ):
                known[serial] = Place(state, codes.get(sid, "?"))
        item.known = known
        # The units that differ, each against its moment: a scanned one its first scan, one
        # nobody scanned the product's moment.
        moment = moments[item.id]
        looked_for: dict[str, datetime | None] = dict.fromkeys(item.sides.missing, moment)
        looked_for.update(
            since.first_scans(conn, count.id, item.id, [s for s in rest if s in known])
        )
        item.moved = since.moved_units(conn, item.id, looked_for)
    header = CountHeader(
        count.number, count.store, count.status == CountStatus.APPROVED, tracked_store
    )
    return CountPlan(
        count,
        header,
        plan_products(header, (item.as_read() for item in products.values())),
        {item.sku: item.id for item in products.values()},
        find_duplicates(sightings),
        batch_infos_counted(conn, count.id, batch_units),
        newest,
    )


def reconcile(db: Database, count: str) -> Reconciliation:
    """The count against the ledger, now (reads only; nothing is posted). For an approved
    count, the reconciliation as it was approved (the ledger has since been adjusted)."""

    def work(conn: Connection) -> Reconciliation:
        found = count_row(db, conn, count)
        if found.status == CountStatus.APPROVED:
            stored = conn.execute(
                sa.select(count_c.reconciliation).where(count_c.id == found.id)
            ).scalar_one()
            if stored is not None:
                return replace(
                    reconciliation_from_json(json.loads(stored)),
                    batches=batch_infos(conn, found.id),
                )
        return plan_count(db, conn, found).reconciliation()

    return db.read(work)


def reconciliation_json(result: Reconciliation) -> dict[str, object]:
    """The reconciliation as plain JSON values (``serialpos apply`` and scripts); the keys
    are documented in docs/integration.md (``central``: a store terminal's count, only)."""
    central = {} if result.central is None else {"central": dict(result.central)}
    return {
        "count": result.count,
        "store": result.store,
        "approved": result.approved,
        "serial_tracked": result.serial_tracked,
        "matched": result.matched,
        "missing": [{"sku": u.sku, "serial": u.serial} for u in result.missing],
        "unexpected": {
            "never_seen": [{"sku": u.sku, "serial": u.serial} for u in result.never_seen],
            "elsewhere": [
                {
                    "sku": e.sku,
                    "serial": e.serial,
                    "state": e.state,
                    "store": e.store,
                    "action": e.action,
                    "moved_since": e.moved_since,
                }
                for e in result.elsewhere
            ],
        },
        "duplicates": [
            {"sku": d.sku, "serial": d.serial, "batches": list(d.batches)}
            for d in result.duplicates
        ],
        "quantities": [
            {
                "sku": q.sku,
                "counted": q.counted,
                "on_hand": q.on_hand,
                "difference": q.difference,
                "known_units": q.known_units,
                "moved_since": q.moved_since,
            }
            for q in result.quantities
        ],
        "arrived_since": [{"sku": u.sku, "serial": u.serial} for u in result.arrived_since],
        "batches": [
            {"batch": b.number, "counter": b.counter, "units": b.scans} for b in result.batches
        ],
    } | central


def reconciliation_from_json(data: dict[str, Any]) -> Reconciliation:
    """The inverse of :func:`reconciliation_json` (an approved count's stored snapshot)."""
    unexpected = data["unexpected"]
    return Reconciliation(
        data["count"],
        data["store"],
        data["approved"],
        data["serial_tracked"],
        data["matched"],
        tuple(UnitRef(u["sku"], u["serial"]) for u in data["missing"]),
        tuple(UnitRef(u["sku"], u["serial"]) for u in unexpected["never_seen"]),
        tuple(
            ElsewhereUnit(
                e["sku"],
                e["serial"],
                e["state"],
                e["store"],
                e["action"],
                _hint(e),
                bool(e.get("moved_since", False)),
            )
            for e in unexpected["elsewhere"]
        ),
        tuple(Duplicate(d["sku"], d["serial"], tuple(d["batches"])) for d in data["duplicates"]),
        tuple(
            QuantityDifference(
                q["sku"], q["counted"], q["on_hand"], q["known_units"], q.get("moved_since", 0)
            )
            for q in data["quantities"]
        ),
        central=data.get("central"),
        # Absent from a count approved before units arrived since were told apart.
        arrived_since=tuple(UnitRef(u["sku"], u["serial"]) for u in data.get("arrived_since", ())),
    )


def _hint(e: dict[str, Any]) -> str:
    place, action = Place(e["state"], e["store"]), ElsewhereAction(e["action"])
    return Elsewhere(e["serial"], place, action, bool(e.get("moved_since", False))).hint
