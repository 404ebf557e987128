"""Reading a count and the ledger in bulk for the reconciliation; the rules themselves are
:mod:`serialpos.domain.count_reconciliation`.

Set-based: the count's serials and the store's in-stock units are each read in one query into
Python sets, and only the serials that are not in stock here are looked up again (in chunks)
to say where the ledger has them; no per-serial query for the matched ones, so a count of 1M
serials reconciles in seconds (bench/count_bench.py). An approved count's reconciliation is
stored as JSON (:func:`reconciliation_json`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
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
)
from serialpos.domain.document_status import CountStatus
from serialpos.domain.products import SerialMode
from serialpos.domain.states import UnitState
from serialpos.services.bulk_memory import collector_paused
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
    scanned: set[str] = field(default_factory=set)
    here: set[str] = field(default_factory=set)
    counted_quantity: int = 0
    on_hand: int = 0
    known: dict[str, Place] = field(default_factory=dict)

    def as_read(self) -> ProductCount:
        return ProductCount(
            self.sku,
            self.mode,
            self.scanned,
            self.counted_quantity,
            self.here,
            self.known,
            self.on_hand,
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

    def reconciliation(self) -> Reconciliation:
        return reconcile_plans(self.header, self.plans, self.duplicates, self.batches)


def _serials_by(
    conn: Connection,
    keys: list[sa.ColumnElement[int]],
    serial: sa.ColumnElement[str],
    where: sa.ColumnElement[bool],
) -> dict[tuple[int, ...], list[str]]:
    """The serials of the rows ``where`` selects, grouped by ``key`` (a tuple of columns'
    values), in one query. On SQLite one row per group: the serials joined by a newline in
    SQL (``group_concat``) and split in one C call, with their count to prove no serial held
    a newline (else the rows are read one by one); a million rows through the cursor's per-row
    tuples cost twice as much. Elsewhere (or then) fetched in blocks from the driver's cursor
    (SQLAlchemy's per-row result machinery would cost seconds)."""
    if conn.dialect.name == "sqlite":
        grouped: dict[tuple[int, ...], list[str]] = {}
        query = (
            sa.select(*keys, sa.func.count(serial), sa.func.group_concat(serial, "\n"))
            .where(where, serial.is_not(None))
            .group_by(*keys)
        )
        for *group, count, joined in conn.execute(query):
            parts = joined.split("\n") if joined is not None else []
            if len(parts) != count:
                break
            grouped[tuple(group)] = parts
        else:
            return grouped
    result = conn.execute(sa.select(*keys, serial).where(where, serial.is_not(None)))
    rows: dict[tuple[int, ...], list[str]] = {}
    width = len(keys)
    try:
        while block := result.cursor.fetchmany(50_000):
            for row in block:
                rows.setdefault(tuple(row[:width]), []).append(row[width])
    finally:
        result.close()
    return rows


def _count_serials(
    by_batch: dict[tuple[int, ...], list[str]],
) -> tuple[dict[int, set[str]], dict[int, set[str]]]:
    """Each product's distinct scanned serials, and those scanned in more than one batch,
    from its serials by (product, batch): set operations instead of a GROUP BY over every
    scan (one batch holds a serial once: a constraint). Largest batch first, so the others'
    few serials are looked up in it."""
    batches: dict[int, list[list[str]]] = {}
    for (pid, _batch), serials in by_batch.items():
        batches.setdefault(pid, []).append(serials)
    scanned: dict[int, set[str]] = {}
    twice: dict[int, set[str]] = {}
    for pid, lists in batches.items():
        lists.sort(key=len, reverse=True)
        seen = set(lists[0])
        again: set[str] = set()
        for serials in lists[1:]:
            again.update(seen.intersection(serials))
            seen.update(serials)
        scanned[pid], twice[pid] = seen, again
    return scanned, twice


def plan_count(db: Database, conn: Connection, count: CountRow) -> CountPlan:
    """The count read in bulk and planned (every caller: review, approval, ``apply``), with
    the cyclic collector paused while its million-serial sets are built (bulk_memory.py)."""
    with collector_paused():
        return _plan_count(db, conn, count)


def _plan_count(db: Database, conn: Connection, count: CountRow) -> CountPlan:
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

    # The count's serials, read by batch in one query (on the batches' own index), made
    # distinct per product and checked for serials seen in two batches in Python.
    batch_numbers = {
        bid: n
        for bid, n in conn.execute(
            sa.select(batch_c.id, batch_c.number).where(batch_c.count_id == count.id)
        )
    }
    by_batch = _serials_by(
        conn,
        [scan_c.product_id, scan_c.batch_id],
        scan_c.serial,
        scan_c.batch_id.in_(sorted(batch_numbers)),
    )
    # Each batch's units: its serials (one unit each) and the quantities counted without one.
    batch_units: dict[int, int] = dict.fromkeys(batch_numbers, 0)
    for (_pid, bid), serials in by_batch.items():
        batch_units[bid] += len(serials)
    scanned, twice = _count_serials(by_batch)
    del by_batch
    for pid, distinct in scanned.items():
        product(pid).scanned = distinct
    for pid, bid, total in conn.execute(
        sa.select(scan_c.product_id, scan_c.batch_id, sa.func.sum(scan_c.quantity))
        .where(scan_c.count_id == count.id, scan_c.serial.is_(None))
        .group_by(scan_c.product_id, scan_c.batch_id)
    ):
        product(pid).counted_quantity += int(total)
        batch_units[bid] = batch_units.get(bid, 0) + int(total)
    # Where each serial seen twice was seen: a lookup of those few.
    sightings: list[tuple[str, str, int]] = []
    for pid, again in twice.items():
        ordered = sorted(again)
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
    # The ledger: units in stock here (one query), and on-hand quantities.
    if tracked_store:
        in_stock = _serials_by(
            conn,
            [unit_c.product_id],
            unit_c.serial,
            sa.and_(
                unit_c.store_id == count.store_id,
                unit_c.state == UnitState.IN_STOCK,
                in_scope(unit_c.product_id),
            ),
        )
        for (pid,), units in in_stock.items():
            product(pid).here = set(units)
    sl = repo.stock_t.c
    for pid, quantity in conn.execute(
        sa.select(sl.product_id, sl.quantity).where(
            sl.store_id == count.store_id, sl.quantity != 0, in_scope(sl.product_id)
        )
    ):
        product(pid).on_hand = int(quantity)
    # Where the ledger has the scanned serials that are not in stock here.
    codes = repo.store_codes(conn)
    for item in products.values():
        if not tracked_store or not item.mode.tracked:
            continue
        rest = sorted(item.scanned - item.here)
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
    are documented in docs/integration.md."""
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
            }
            for q in result.quantities
        ],
        "batches": [
            {"batch": b.number, "counter": b.counter, "units": b.scans} for b in result.batches
        ],
    }


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
            ElsewhereUnit(e["sku"], e["serial"], e["state"], e["store"], e["action"], _hint(e))
            for e in unexpected["elsewhere"]
        ),
        tuple(Duplicate(d["sku"], d["serial"], tuple(d["batches"])) for d in data["duplicates"]),
        tuple(
            QuantityDifference(q["sku"], q["counted"], q["on_hand"], q["known_units"])
            for q in data["quantities"]
        ),
    )


def _hint(e: dict[str, Any]) -> str:
    return Elsewhere(e["serial"], Place(e["state"], e["store"]), ElsewhereAction(e["action"])).hint
