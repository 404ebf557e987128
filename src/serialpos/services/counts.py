"""Cycle counts: open a count (the whole store or chosen products), count it in batches (one
per counter), reconcile it against the ledger, and approve it (managers and admins), which
posts the adjustments as ledger events and owes the count's event file in the same commit.

Every scan is written as it is taken (its own small transaction): a crash loses nothing and
a count stays open across sessions until approved. Reconciliation is set-based: the count's
serials and the store's in-stock units are each read in one query into Python sets, and only
the serials that are not in stock here are looked up again (in chunks) to say where the
ledger has them; no per-serial query for the matched ones, so a count of 1M serials
reconciles in seconds (bench/count_bench.py).

Approval, per product (domain/counts.py names the classes):

- missing units (in stock here, not scanned) -> ``adjust_remove`` (written off);
- never-seen serials -> ``adjust_add`` (new units in stock here);
- a unit written off at this store and found -> ``adjust_add`` (back in stock);
- units the ledger places elsewhere (another store, sold, in transit, reserved...) are left
  alone and listed: a person settles them with the document that explains them;
- duplicates (seen in two batches) were counted once: nothing to post;
- products counted by quantity (no serials, or a store with serialized inventory off) ->
  ``adjust_add``/``adjust_remove`` of the difference;
- a serial-tracked product whose on-hand quantity is not its in-stock units (serialized
  inventory switched on at the store since) gets one quantity-only event that brings the
  quantity to the units now known: the first count after switching on starts serial
  tracking, and ``serialpos db check`` stays clean.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.count_tables import CountBatch, CountScan, StockCount
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.counts import (
    CountClosed,
    Elsewhere,
    ElsewhereAction,
    NotInCount,
    Place,
    QuantityDifference,
    SerialClasses,
    classify,
    quantity_residual,
)
from serialpos.domain.errors import (
    BadRequest,
    BadSerial,
    DomainError,
    NotSerialized,
    SerialRequired,
    UnknownProduct,
)
from serialpos.domain.event_files import EventLine, EventType
from serialpos.domain.events import DocumentRef
from serialpos.domain.products import SerialMode
from serialpos.domain.scan_resolution import (
    Accepts,
    KnownUnit,
    ProductSerial,
    Refusal,
    ScanContext,
)
from serialpos.domain.serials import SerialFormat, require_serial
from serialpos.domain.states import Action
from serialpos.domain.text import clip, has_control_chars
from serialpos.domain.users import Permission
from serialpos.services import event_files, ledger, stock_documents
from serialpos.services.context import Actor
from serialpos.services.event_files import WriteReport
from serialpos.services.receiving import barcode_owner
from serialpos.services.scan_resolver import facts_of, refuse_live_elsewhere, refused, resolve_in
from serialpos.services.settings import settings_in

count_t: sa.Table = StockCount.__table__  # type: ignore[attr-defined]
batch_t: sa.Table = CountBatch.__table__  # type: ignore[attr-defined]
scan_t: sa.Table = CountScan.__table__  # type: ignore[attr-defined]
_c, _b, _s, _u = count_t.c, batch_t.c, scan_t.c, repo.unit_t.c

DOCUMENT_TYPE = "count"
MAX_COUNTER = 64
MAX_QUANTITY = 1_000_000
_CHUNK = 500
_LEDGER_CHUNK = ledger.MAX_UNITS_PER_CALL


class UnknownCount(DomainError):
    code = "unknown_count"


class UnknownBatch(DomainError):
    code = "unknown_batch"


class BatchClosed(DomainError):
    code = "batch_closed"


# -- results --------------------------------------------------------------------------
@dataclass(frozen=True)
class BatchInfo:
    number: int
    counter: str
    status: str
    scans: int  # units counted in it (serials, plus quantities)


@dataclass(frozen=True)
class CountInfo:
    number: str
    store: str
    status: str
    products: tuple[str, ...] | None  # None: the whole store
    serial_tracked: bool  # the store's serialized inventory setting, now
    opened_by: str
    batches: tuple[BatchInfo, ...]

    @property
    def approved(self) -> bool:
        return self.status == "approved"

    @property
    def scope(self) -> str:
        return "whole store" if self.products is None else ", ".join(self.products)


@dataclass(frozen=True)
class ScanOutcome:
    """What one scan did. ``verdict``: ``counted``; ``repeat`` (scanned before in this batch:
    an alert, counted once, nothing stored); ``other_batch`` (stored, but also seen in
    ``batches``: flagged, the unit counts once)."""

    verdict: str
    sku: str
    serial: str | None
    quantity: int
    message: str
    batches: tuple[int, ...] = ()
    batch_total: int = 0  # units in this batch so far

    @property
    def alert(self) -> bool:
        return self.verdict != "counted"


@dataclass(frozen=True)
class UnitRef:
    sku: str
    serial: str


@dataclass(frozen=True)
class ElsewhereUnit:
    sku: str
    serial: str
    state: str
    store: str
    action: str  # "restore" (approval puts it back in stock) or "leave"
    hint: str


@dataclass(frozen=True)
class Duplicate:
    sku: str
    serial: str
    batches: tuple[int, ...]  # batch numbers that scanned it


@dataclass(frozen=True)
class Reconciliation:
    count: str
    store: str
    approved: bool
    serial_tracked: bool
    matched: int
    missing: tuple[UnitRef, ...]
    never_seen: tuple[UnitRef, ...]
    elsewhere: tuple[ElsewhereUnit, ...]
    duplicates: tuple[Duplicate, ...]
    quantities: tuple[QuantityDifference, ...]
    batches: tuple[BatchInfo, ...] = ()

    @property
    def clean(self) -> bool:
        return not (self.missing or self.never_seen or self.elsewhere or self.quantities)


@dataclass(frozen=True)
class Approval:
    reconciliation: Reconciliation
    added: int  # units put into stock (never seen, restored)
    removed: int  # units written off (missing)
    quantity_change: int  # the net on-hand change over every product
    files: WriteReport = field(default_factory=WriteReport)


@dataclass(frozen=True)
class ScanInput:
    """One scan as a host sends it or a screen decodes it."""

    sku: str | None = None
    serial: str | None = None
    quantity: int | None = None


# -- reading a count ------------------------------------------------------------------
@dataclass(frozen=True)
class _Count:
    id: int
    number: str
    store_id: int
    store: str
    status: str
    products: tuple[str, ...] | None


def _count_row(db: Database, conn: Connection, number: str, *, lock: str | None = None) -> _Count:
    """The count. ``lock`` (PostgreSQL; SQLite writers are serialised anyway): "share" for a
    scan or a batch, so an approval ("update") waits for them and they, after it, see the
    count approved: no scan can slip in between an approval's reading and its commit."""
    q = sa.select(count_t).where(_c.number == number)
    if lock is not None and conn.dialect.name == "postgresql":
        q = q.with_for_update(read=lock == "share")
    row = conn.execute(q).first()
    if row is None:
        raise UnknownCount(f"there is no count '{clip(number)}'")
    m = row._mapping
    codes = repo.store_codes(conn)
    products = None if m["products"] is None else tuple(json.loads(m["products"]))
    return _Count(m["id"], m["number"], m["store_id"], codes[m["store_id"]], m["status"], products)


def _batches(conn: Connection, count_id: int) -> tuple[BatchInfo, ...]:
    units = sa.func.coalesce(sa.func.sum(_s.quantity), 0)
    q = (
        sa.select(_b.number, _b.counter, _b.status, units)
        .select_from(batch_t.outerjoin(scan_t, _s.batch_id == _b.id))
        .where(_b.count_id == count_id)
        .group_by(_b.id, _b.number, _b.counter, _b.status)
        .order_by(_b.number)
    )
    return tuple(BatchInfo(n, who, st, int(total)) for n, who, st, total in conn.execute(q))


def _info(db: Database, conn: Connection, count: _Count) -> CountInfo:
    row = conn.execute(sa.select(_c.opened_by).where(_c.id == count.id)).one()
    tracked = settings_in(db, conn, count.store).serialized_inventory
    return CountInfo(
        count.number,
        count.store,
        count.status,
        count.products,
        tracked,
        row.opened_by,
        _batches(conn, count.id),
    )


def get_count(db: Database, number: str) -> CountInfo:
    return db.read(lambda conn: _info(db, conn, _count_row(db, conn, number)))


def open_counts(db: Database, store: str) -> list[CountInfo]:
    """The counts still open at ``store``, oldest first (a count stays open across sessions)."""

    def work(conn: Connection) -> list[CountInfo]:
        sid = repo.store_id(db, conn, store)
        numbers = (
            conn.execute(
                sa.select(_c.number).where(_c.store_id == sid, _c.status == "open").order_by(_c.id)
            )
            .scalars()
            .all()
        )
        return [_info(db, conn, _count_row(db, conn, n)) for n in numbers]

    return db.read(work)


# -- opening, batches -----------------------------------------------------------------
def _open_in(
    db: Database, conn: Connection, actor: Actor, store: str, products: Sequence[str] | None
) -> _Count:
    actor.require(Permission.RECEIVE)
    sid = repo.store_id(db, conn, store)
    chosen: tuple[str, ...] | None = None
    if products is not None:
        if not products:
            raise BadRequest("choose at least one product, or count the whole store")
        chosen = tuple(sorted({repo.product_by_sku(conn, sku).sku for sku in products}))
    number = stock_documents.next_number(conn, store, sid, "count")
    new_id = conn.execute(
        count_t.insert().values(
            number=number,
            store_id=sid,
            status="open",
            products=None if chosen is None else json.dumps(list(chosen)),
            opened_by=actor.user,
            terminal=actor.terminal,
            opened_at=utcnow(),
        )
    ).inserted_primary_key
    assert new_id is not None
    return _Count(int(new_id[0]), number, sid, store, "open", chosen)


def open_count(
    db: Database, actor: Actor, store: str, products: Sequence[str] | None = None
) -> CountInfo:
    """Open a count of the whole store, or of the products named (SKUs)."""
    return db.write(lambda conn: _info(db, conn, _open_in(db, conn, actor, store, products)))


def _check_counter(counter: str) -> str:
    name = counter.strip()
    if not name:
        raise BadRequest("say who counts this batch (the counter's name)")
    if has_control_chars(name):
        raise BadRequest("the counter's name contains control characters")
    if len(name) > MAX_COUNTER:
        raise BadRequest(f"the counter's name is longer than {MAX_COUNTER} characters")
    return name


def _open(count: _Count) -> None:
    if count.status != "open":
        raise CountClosed(f"count {count.number} is approved: it takes no more scans")


def _batch_in(conn: Connection, actor: Actor, count: _Count, counter: str) -> BatchInfo:
    actor.require(Permission.RECEIVE)
    _open(count)
    name = _check_counter(counter)
    last = conn.execute(sa.select(sa.func.max(_b.number)).where(_b.count_id == count.id)).scalar()
    number = int(last or 0) + 1
    conn.execute(
        batch_t.insert().values(
            count_id=count.id,
            number=number,
            counter=name,
            status="open",
            opened_by=actor.user,
            opened_at=utcnow(),
        )
    )
    return BatchInfo(number, name, "open", 0)


def start_batch(db: Database, actor: Actor, count: str, counter: str) -> BatchInfo:
    """A new batch of the count, counted by ``counter``."""
    return db.write(
        lambda conn: _batch_in(conn, actor, _count_row(db, conn, count, lock="share"), counter)
    )


def _batch_id(conn: Connection, count: _Count, batch: int, *, open_only: bool = True) -> int:
    row = conn.execute(
        sa.select(_b.id, _b.status).where(_b.count_id == count.id, _b.number == batch)
    ).first()
    if row is None:
        raise UnknownBatch(f"count {count.number} has no batch {batch}")
    if open_only and row.status != "open":
        raise BatchClosed(f"batch {batch} of count {count.number} is closed: start a new batch")
    return int(row.id)


def close_batch(db: Database, actor: Actor, count: str, batch: int) -> BatchInfo:
    """Close a batch (its counter is done); the count stays open for other batches."""

    def work(conn: Connection) -> BatchInfo:
        actor.require(Permission.RECEIVE)
        found = _count_row(db, conn, count, lock="share")
        _open(found)
        bid = _batch_id(conn, found, batch)
        conn.execute(
            batch_t.update().where(_b.id == bid).values(status="closed", closed_at=utcnow())
        )
        return next(b for b in _batches(conn, found.id) if b.number == batch)

    return db.write(work)


# -- scanning -------------------------------------------------------------------------
def _resolve_serial(conn: Connection, serial: str) -> repo.ProductRow:
    """The product of a serial scanned without its product: its unit's own (the live one
    when units of several products have it), by the scan resolver's rules."""
    outcome = resolve_in(conn, serial, ScanContext("", accepts=frozenset({Accepts.SERIAL})))
    if isinstance(outcome, KnownUnit):
        return repo.product_by_sku(conn, outcome.unit.product.sku)
    if isinstance(outcome, Refusal):
        raise refused(outcome)
    raise UnknownProduct(
        f"serial {clip(serial)} is not known: scan the product's barcode first, then its serials"
    )


def _scan_in(
    db: Database,
    conn: Connection,
    actor: Actor,
    count: _Count,
    batch: int,
    scan: ScanInput,
    tracked_store: bool,
) -> ScanOutcome:
    actor.require(Permission.RECEIVE)
    _open(count)
    bid = _batch_id(conn, count, batch)
    serial = None if scan.serial is None else require_serial(scan.serial)
    if scan.sku is not None:
        product = repo.product_by_sku(conn, scan.sku)
    elif serial is not None:
        product = _resolve_serial(conn, serial)
    else:
        raise BadRequest("a scan needs a product (SKU or barcode) or a serial")
    sku = product.sku
    if count.products is not None and sku not in count.products:
        raise NotInCount(
            f"{sku} is not in count {count.number} (it counts {', '.join(count.products)})"
        )
    tracked = tracked_store and product.serial_mode.tracked
    quantity = scan.quantity
    if quantity is not None and (isinstance(quantity, bool) or not isinstance(quantity, int)):
        raise BadRequest("a quantity must be a whole number")
    if serial is not None:
        if product.serial_mode is SerialMode.DISABLED:
            raise NotSerialized(f"{sku} is counted without serials: give a quantity")
        if quantity is not None and quantity != 1:
            raise BadRequest(f"a serial is one unit; quantity {quantity} with serial {serial}")
        if serial == scan.sku:
            raise BadSerial(f"'{clip(serial)}' is the product, not a serial")
        fmt = SerialFormat.parse(product.serial_format)
        if fmt is not None:
            fmt.check(serial, sku)
        owner = barcode_owner(conn, serial)
        if owner is not None:
            raise BadSerial(
                f"'{clip(serial)}' is the barcode of {owner}, not a serial: scan the serial label"
            )
        refuse_live_elsewhere(conn, sku, serial)  # never count a unit under a second product
        quantity = 1
    else:
        if tracked and product.serial_mode is SerialMode.REQUIRED:
            raise SerialRequired(f"{sku} is counted by serial: scan each unit's serial")
        quantity = 1 if quantity is None else quantity
        if quantity == 0 or abs(quantity) > MAX_QUANTITY:
            raise BadRequest(
                f"a counted quantity must be 1 to {MAX_QUANTITY:,} "
                "(negative to take back a miscount)"
            )
    # Serials are counted from the (batch, product, serial) index alone; quantities summed
    # over the few rows without a serial: a scan into a long batch stays quick.
    in_batch = (_s.batch_id == bid, _s.product_id == product.id)
    quantity_q = sa.select(sa.func.coalesce(sa.func.sum(_s.quantity), 0)).where(
        *in_batch, _s.serial.is_(None)
    )
    total_q = sa.select(
        sa.select(sa.func.count()).where(*in_batch, _s.serial.is_not(None)).scalar_subquery()
        + quantity_q.scalar_subquery()
    )
    if serial is not None:
        dup = conn.execute(
            sa.select(_s.id).where(
                _s.batch_id == bid, _s.product_id == product.id, _s.serial == serial
            )
        ).first()
        if dup is not None:
            total = int(conn.execute(total_q).scalar_one())
            return ScanOutcome(
                "repeat",
                sku,
                serial,
                0,
                f"serial {serial} of {sku} was already scanned in batch {batch}: counted once",
                (batch,),
                total,
            )
    elif quantity < 0:
        before = int(conn.execute(quantity_q).scalar_one())
        if before + quantity < 0:
            raise BadRequest(
                f"batch {batch} has {before} of {sku} counted; it cannot take back {-quantity}"
            )
    conn.execute(
        scan_t.insert().values(
            count_id=count.id,
            batch_id=bid,
            product_id=product.id,
            serial=serial,
            quantity=quantity,
            user_name=actor.user,
            scanned_at=utcnow(),
        )
    )
    total = int(conn.execute(total_q).scalar_one())
    if serial is None:
        return ScanOutcome(
            "counted",
            sku,
            None,
            quantity,
            f"{sku}: {quantity:+d}, {total} in batch {batch}",
            (),
            total,
        )
    others = tuple(
        sorted(
            conn.execute(
                sa.select(_b.number)
                .join(scan_t, _s.batch_id == _b.id)
                .where(
                    _s.count_id == count.id,
                    _s.product_id == product.id,
                    _s.serial == serial,
                    _b.id != bid,
                )
            )
            .scalars()
            .all()
        )
    )
    if others:
        seen = ", ".join(str(n) for n in others)
        return ScanOutcome(
            "other_batch",
            sku,
            serial,
            1,
            f"serial {serial} of {sku} was also counted in batch {seen}: flagged, counted once",
            (*others, batch),
            total,
        )
    return ScanOutcome(
        "counted",
        sku,
        serial,
        1,
        f"{sku} {serial} counted ({total} in batch {batch})",
        (batch,),
        total,
    )


def scan(
    db: Database,
    actor: Actor,
    count: str,
    batch: int,
    *,
    sku: str | None = None,
    serial: str | None = None,
    quantity: int | None = None,
) -> ScanOutcome:
    """Record one scan in a batch as it happens (its own transaction). A product barcode
    resolves to its SKU before this is called; a serial without a product is resolved to the
    one product the ledger knows it under."""

    def work(conn: Connection) -> ScanOutcome:
        found = _count_row(db, conn, count, lock="share")
        tracked = settings_in(db, conn, found.store).serialized_inventory
        return _scan_in(db, conn, actor, found, batch, ScanInput(sku, serial, quantity), tracked)

    return db.write(work)


# -- reconciliation -------------------------------------------------------------------
@dataclass
class _Product:
    id: int
    sku: str
    mode: SerialMode
    scanned: set[str] = field(default_factory=set)
    here: set[str] = field(default_factory=set)
    counted_quantity: int = 0
    on_hand: int = 0
    classes: SerialClasses | None = None


@dataclass
class _Plan:
    count: _Count
    tracked_store: bool
    products: dict[int, _Product]
    duplicates: list[Duplicate]
    batches: tuple[BatchInfo, ...]

    def serial_tracked(self, product: _Product) -> bool:
        return self.tracked_store and product.mode.tracked


def _serial_set(conn: Connection, query: sa.Select[tuple[str]]) -> set[str]:
    """One column of serials into a set, fetched in blocks from the driver's cursor: a
    million rows through SQLAlchemy's per-row result machinery would cost seconds."""
    result = conn.execute(query)
    serials: set[str] = set()
    try:
        while block := result.cursor.fetchmany(50_000):
            serials.update(row[0] for row in block)
    finally:
        result.close()
    return serials


def _plan(db: Database, conn: Connection, count: _Count) -> _Plan:
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

    # The count's serials: one query per product, straight into a set (a serial in two
    # batches is one).
    scanned_products = (
        conn.execute(
            sa.select(_s.product_id)
            .where(_s.count_id == count.id, _s.serial.is_not(None))
            .distinct()
        )
        .scalars()
        .all()
    )
    for pid in scanned_products:
        product(pid).scanned = _serial_set(
            conn,
            sa.select(_s.serial).where(
                _s.count_id == count.id, _s.product_id == pid, _s.serial.is_not(None)
            ),
        )
    for pid, total in conn.execute(
        sa.select(_s.product_id, sa.func.sum(_s.quantity))
        .where(_s.count_id == count.id, _s.serial.is_(None))
        .group_by(_s.product_id)
    ):
        product(pid).counted_quantity = int(total)
    # Serials seen in more than one batch (one batch holds a serial once: a constraint).
    batch_numbers = {
        bid: n
        for bid, n in conn.execute(sa.select(_b.id, _b.number).where(_b.count_id == count.id))
    }
    dup_keys = (
        sa.select(_s.product_id, _s.serial)
        .where(_s.count_id == count.id, _s.serial.is_not(None))
        .group_by(_s.product_id, _s.serial)
        .having(sa.func.count() > 1)
        .subquery()
    )
    seen_in: dict[tuple[int, str], set[int]] = {}
    for pid, serial, bid in conn.execute(
        sa.select(_s.product_id, _s.serial, _s.batch_id)
        .join(
            dup_keys,
            sa.and_(dup_keys.c.product_id == _s.product_id, dup_keys.c.serial == _s.serial),
        )
        .where(_s.count_id == count.id)
    ):
        seen_in.setdefault((pid, serial), set()).add(batch_numbers[bid])
    duplicates = sorted(
        (
            Duplicate(catalogue[pid][0], serial, tuple(sorted(batches)))
            for (pid, serial), batches in seen_in.items()
        ),
        key=lambda d: (d.sku, d.serial),
    )
    # The ledger: units in stock here (one query), and on-hand quantities.
    if tracked_store:
        stocked = (
            conn.execute(
                sa.select(_u.product_id)
                .where(
                    _u.store_id == count.store_id, _u.state == "in_stock", in_scope(_u.product_id)
                )
                .distinct()
            )
            .scalars()
            .all()
        )
        for pid in stocked:
            product(pid).here = _serial_set(
                conn,
                sa.select(_u.serial).where(
                    _u.store_id == count.store_id, _u.product_id == pid, _u.state == "in_stock"
                ),
            )
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
        for start in range(0, len(rest), _CHUNK):
            chunk = rest[start : start + _CHUNK]
            for serial, state, sid in conn.execute(
                sa.select(_u.serial, _u.state, _u.store_id).where(
                    _u.product_id == item.id, _u.serial.in_(chunk)
                )
            ):
                known[serial] = Place(state, codes.get(sid, "?"))
        item.classes = classify(item.scanned, item.here, known, count.store)
    return _Plan(count, tracked_store, products, duplicates, _batches(conn, count.id))


def _target(plan: _Plan, item: _Product) -> int:
    """The on-hand quantity the count says the product should have."""
    classes = item.classes
    if classes is None:  # counted by quantity: serials scanned count as units too
        return len(item.scanned) + item.counted_quantity
    restored = sum(1 for e in classes.elsewhere if e.action is ElsewhereAction.RESTORE)
    units = len(classes.matched) + len(classes.never_seen) + restored
    return units + (item.counted_quantity if item.mode is SerialMode.OPTIONAL else 0)


def _reconciliation(plan: _Plan) -> Reconciliation:
    matched = 0
    missing: list[UnitRef] = []
    never_seen: list[UnitRef] = []
    elsewhere: list[ElsewhereUnit] = []
    quantities: list[QuantityDifference] = []
    for item in sorted(plan.products.values(), key=lambda x: x.sku):
        classes = item.classes
        target = _target(plan, item)
        if classes is not None:
            matched += len(classes.matched)
            missing += [UnitRef(item.sku, s) for s in classes.missing]
            never_seen += [UnitRef(item.sku, s) for s in classes.never_seen]
            elsewhere += [_elsewhere_unit(item.sku, e) for e in classes.elsewhere]
            # Required: the quantity not backed by units (approval brings it to the units);
            # optional: the units and the unlabelled quantity counted against on hand.
            if (item.mode is SerialMode.REQUIRED and item.on_hand != len(item.here)) or (
                item.mode is SerialMode.OPTIONAL and target != item.on_hand
            ):
                quantities.append(
                    QuantityDifference(item.sku, target, item.on_hand, len(item.here))
                )
        elif target != item.on_hand:
            quantities.append(QuantityDifference(item.sku, target, item.on_hand))
    return Reconciliation(
        plan.count.number,
        plan.count.store,
        plan.count.status == "approved",
        plan.tracked_store,
        matched,
        tuple(missing),
        tuple(never_seen),
        tuple(elsewhere),
        tuple(plan.duplicates),
        tuple(quantities),
        plan.batches,
    )


def _elsewhere_unit(sku: str, e: Elsewhere) -> ElsewhereUnit:
    return ElsewhereUnit(sku, e.serial, e.place.state, e.place.store, e.action.value, e.hint)


def reconcile(db: Database, count: str) -> Reconciliation:
    """The count against the ledger, now (reads only; nothing is posted). For an approved
    count, the reconciliation as it was approved (the ledger has since been adjusted)."""

    def work(conn: Connection) -> Reconciliation:
        found = _count_row(db, conn, count)
        if found.status == "approved":
            stored = conn.execute(
                sa.select(_c.reconciliation).where(_c.id == found.id)
            ).scalar_one()
            if stored is not None:
                return replace(
                    reconciliation_from_json(json.loads(stored)), batches=_batches(conn, found.id)
                )
        return _reconciliation(_plan(db, conn, found))

    return db.read(work)


# -- approval -------------------------------------------------------------------------
def _chunks(serials: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(serials), _LEDGER_CHUNK):
        yield serials[start : start + _LEDGER_CHUNK]


def _quantity_event(
    conn: Connection, actor: Actor, count: _Count, item: _Product, delta: int, reason: str
) -> None:
    """A quantity-only correction of a serial-required product, which the ledger's own
    quantity moves refuse (they would need serials): on-hand brought to the units known."""
    action = Action.ADJUST_ADD if delta > 0 else Action.ADJUST_REMOVE
    repo.add_events(
        conn,
        [
            {
                "at": utcnow(),
                "action": action.value,
                "user_name": actor.user,
                "terminal": actor.terminal,
                "store_id": count.store_id,
                "product_id": item.id,
                "unit_id": None,
                "serial": None,
                "from_state": None,
                "to_state": None,
                "quantity": delta,
                "document_type": DOCUMENT_TYPE,
                "document_id": count.number,
                "document_line": None,
                "reason": reason,
            }
        ],
    )
    repo.bump_stock(conn, item.id, count.store_id, delta)


def _approve_in(db: Database, conn: Connection, actor: Actor, count: _Count) -> Approval:
    actor.require(Permission.ADJUST)
    if count.status != "open":
        raise CountClosed(f"count {count.number} was approved already: a count is approved once")
    plan = _plan(db, conn, count)
    result = _reconciliation(plan)
    document = DocumentRef(DOCUMENT_TYPE, count.number)
    reason = f"count {count.number}"
    lines: list[EventLine] = []
    added = removed = net = 0
    store = count.store
    for item in sorted(plan.products.values(), key=lambda x: x.sku):
        classes = item.classes
        target = _target(plan, item)
        change = 0
        # The units written off and the units added are two lines of the event file, so the
        # host sees which serial went which way (docs/event_files.md); a quantity-only
        # correction goes on the line of its direction.
        removals, additions = 0, 0
        gone: list[str] = []
        back: list[str] = []
        if classes is not None:
            gone = list(classes.missing)
            back = list(classes.never_seen) + [
                e.serial for e in classes.elsewhere if e.action is ElsewhereAction.RESTORE
            ]
            for chunk in _chunks(gone):
                removals += ledger.move_in(
                    conn,
                    db,
                    actor,
                    ledger.Step(Action.ADJUST_REMOVE, store, item.sku, chunk),
                    document,
                    f"{reason}: not found",
                ).quantity
            for chunk in _chunks(sorted(back)):
                additions += ledger.move_in(
                    conn,
                    db,
                    actor,
                    ledger.Step(Action.ADJUST_ADD, store, item.sku, chunk),
                    document,
                    f"{reason}: found",
                ).quantity
            change = removals + additions
            removed += len(gone)
            added += len(back)
            residual = quantity_residual(target, item.on_hand + change)
            if residual and item.mode is SerialMode.REQUIRED:
                _quantity_event(
                    conn,
                    actor,
                    count,
                    item,
                    residual,
                    f"{reason}: quantity brought to the units counted (serial tracking starts)",
                )
                change += residual
        else:
            residual = target - item.on_hand
        if residual and (classes is None or item.mode is SerialMode.OPTIONAL):
            action = Action.ADJUST_ADD if residual > 0 else Action.ADJUST_REMOVE
            change += ledger.move_in(
                conn,
                db,
                actor,
                ledger.Step(action, store, item.sku, quantity=abs(residual)),
                document,
                f"{reason}: counted {target}, on hand {item.on_hand}",
            ).quantity
        quantity_only = change - removals - additions
        lines += [
            EventLine(item.sku, signed, tuple(serials))
            for signed, serials in ((removals, gone), (additions, back), (quantity_only, ()))
            if signed or serials
        ]
        net += change
    event_files.owe(
        conn,
        event_type=EventType.COUNT.value,
        document_id=count.number,
        store=store,
        user=actor.user,
        lines=lines,
    )
    final = replace(result, approved=True)
    conn.execute(
        count_t.update()
        .where(_c.id == count.id, _c.status == "open")
        .values(
            status="approved",
            approved_by=actor.user,
            approved_at=utcnow(),
            reconciliation=json.dumps(reconciliation_json(final), separators=(",", ":")),
        )
    )
    conn.execute(
        batch_t.update()
        .where(_b.count_id == count.id, _b.status == "open")
        .values(status="closed", closed_at=utcnow())
    )
    return Approval(final, added, removed, net)


def approve(db: Database, actor: Actor, count: str, outbox: Path) -> Approval:
    """Post the count's adjustments (managers and admins), in one transaction with its event
    file owed; then write the file. A count is approved once."""
    actor.require(Permission.ADJUST)
    done = db.write(
        lambda conn: _approve_in(db, conn, actor, _count_row(db, conn, count, lock="update"))
    )
    files = event_files.write_owed(db, outbox)
    return Approval(done.reconciliation, done.added, done.removed, done.quantity_change, files)


# -- a whole count at once (serialpos apply) ------------------------------------------
@dataclass(frozen=True)
class BatchInput:
    counter: str
    scans: tuple[ScanInput, ...]


def count_at_once(
    db: Database,
    actor: Actor,
    store: str,
    batches: Sequence[BatchInput],
    *,
    products: Sequence[str] | None = None,
    approve_it: bool = False,
    outbox: Path | None = None,
) -> tuple[Reconciliation, list[ScanOutcome], WriteReport]:
    """Open a count, record its batches and scans, reconcile it and (``approve_it``) approve
    it, all in ONE transaction: a refused scan records nothing. Returns the reconciliation,
    the alerts (repeat scans, serials in two batches) and how writing the file went."""
    if approve_it:
        actor.require(Permission.ADJUST)
    if not batches:
        raise BadRequest("a count needs at least one batch")

    def work(conn: Connection) -> tuple[Reconciliation, list[ScanOutcome]]:
        count = _open_in(db, conn, actor, store, products)
        tracked = settings_in(db, conn, store).serialized_inventory
        alerts: list[ScanOutcome] = []
        for n, batch in enumerate(batches, start=1):
            info = _batch_in(conn, actor, count, batch.counter)
            for i, one in enumerate(batch.scans, start=1):
                try:
                    outcome = _scan_in(db, conn, actor, count, info.number, one, tracked)
                except DomainError as exc:
                    raise DomainError(
                        f"batch {n}, scan {i}: {exc.message}", code=exc.code
                    ) from None
                if outcome.alert:
                    alerts.append(outcome)
        if approve_it:
            return _approve_in(db, conn, actor, count).reconciliation, alerts
        return _reconciliation(_plan(db, conn, count)), alerts

    result, alerts = db.write(work)
    files = WriteReport()
    if approve_it and outbox is not None:
        files = event_files.write_owed(db, outbox)
    return result, alerts, files


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


# -- what a console scan or typed text means ------------------------------------------
@dataclass(frozen=True)
class Taken:
    """What one scan at the console did: ``current`` is the product now being counted (its
    serials may follow), ``outcome`` the scan recorded (None when a product was only chosen)."""

    current: str | None
    outcome: ScanOutcome | None
    message: str


def _product_for(conn: Connection, code: str) -> repo.ProductRow | None:
    """A product barcode (any GTIN form) or an exact SKU, else None."""
    owner = barcode_owner(conn, code)
    if owner is not None:
        return repo.product_by_sku(conn, owner)
    try:
        return repo.product_by_sku(conn, code)
    except UnknownProduct:
        return None


def take(
    db: Database,
    actor: Actor,
    count: str,
    batch: int,
    *,
    text: str | None = None,
    gtin: str | None = None,
    serial: str | None = None,
    current: str | None = None,
) -> Taken:
    """One scan or typed entry at the console, in one transaction.

    - a product (barcode or SKU): counted by serial here -> it becomes the current product and
      its serials follow; counted by quantity -> one unit counted (and it becomes current);
    - ``+N`` / ``-N``: N units of the current product counted (or taken back);
    - GS1 product + serial (``gtin`` and ``serial``): that unit;
    - anything else is a serial: of the current product, or resolved by the ledger.
    """

    def work(conn: Connection) -> Taken:
        found = _count_row(db, conn, count, lock="share")
        _open(found)
        tracked = settings_in(db, conn, found.store).serialized_inventory
        entry = (text or "").strip()
        if gtin is not None:
            product = _product_for(conn, gtin)
            if product is None:
                raise UnknownProduct(f"no product has the barcode {clip(gtin)}")
            if serial is not None:
                done = _scan_in(
                    db, conn, actor, found, batch, ScanInput(product.sku, serial), tracked
                )
                return Taken(product.sku, done, done.message)
            entry = gtin
        elif serial is not None:
            entry = serial
        if not entry:
            raise BadRequest("scan a product or a serial")
        if entry[0] in "+-" and entry[1:].isdigit():
            if current is None:
                raise BadRequest("scan the product first, then its quantity (+N)")
            done = _scan_in(
                db, conn, actor, found, batch, ScanInput(current, None, int(entry)), tracked
            )
            return Taken(current, done, done.message)
        product = _product_for(conn, entry) if serial is None else None
        if product is not None:
            by_serial = tracked and product.serial_mode.tracked
            if found.products is not None and product.sku not in found.products:
                raise NotInCount(
                    f"{product.sku} is not in count {found.number} (it counts "
                    f"{', '.join(found.products)})"
                )
            if by_serial:
                more = (
                    " (+N counts units without a label)"
                    if (product.serial_mode is SerialMode.OPTIONAL)
                    else ""
                )
                return Taken(
                    product.sku,
                    None,
                    f"{product.sku} {product.name}: scan each unit's serial{more}",
                )
            done = _scan_in(db, conn, actor, found, batch, ScanInput(product.sku, None, 1), tracked)
            return Taken(product.sku, done, f"{done.message} (+N for more)")
        # A bare serial finds its own product, whichever product is current: three Nova 7
        # IMEIs scanned after an Aurora 15 are Nova 7 units, not never-seen Aurora 15s.
        selected = None if current is None else facts_of(repo.product_by_sku(conn, current))
        context = ScanContext(
            found.store,
            selected,
            frozenset({Accepts.SERIAL}),
            creates_units=True,
            document=found.number,
        )
        outcome = resolve_in(conn, entry, context)
        if isinstance(outcome, Refusal):
            raise refused(outcome)
        if isinstance(outcome, KnownUnit):
            scanned = ScanInput(outcome.unit.product.sku, outcome.unit.serial)
        elif isinstance(outcome, ProductSerial):
            scanned = ScanInput(outcome.product.sku, outcome.serial)
        else:
            raise BadRequest(f"'{clip(entry)}' is not a serial: scan a product or a serial")
        done = _scan_in(db, conn, actor, found, batch, scanned, tracked)
        return Taken(done.sku, done, done.message)

    return db.write(work)


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
