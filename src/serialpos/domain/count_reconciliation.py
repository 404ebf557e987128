"""A count reconciled against the ledger, from plain inputs: matched, missing, never seen,
elsewhere, duplicates, and the quantity differences.

Pure, so every rule is unit-tested without a database (tests/unit/test_count_reconciliation.py):
the service reads the count's scans and the ledger's view in bulk (sets of serials, on-hand
quantities, where the ledger has the scanned serials that are not in stock here) and
:func:`reconcile_count` decides. Approval posts what :func:`plan_products` says, so what a
manager reviews and what approval posts come from the same rules.

A serial scanned in two batches is one unit (the products' scans are *sets*) and is listed
under duplicates with the batches that saw it; each product's serials are classified by
:func:`~serialpos.domain.counts.classify`.

A count approved later is judged at the time it counted: units that arrived since are listed
(``arrived_since``), not written off, and a quantity's variance is the one measured then
(counted less the on hand when counted), applied to today's on hand: a sale after the count
is neither written off again nor counted back (:func:`plan_product`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from typing import Any

from serialpos.domain.counts import (
    Elsewhere,
    ElsewhereAction,
    Place,
    QuantityDifference,
    SerialClasses,
    Sides,
    classify,
    classify_sides,
)
from serialpos.domain.products import SerialMode


@dataclass(frozen=True)
class BatchInfo:
    number: int
    counter: str
    status: str
    scans: int  # units counted in it (serials, plus quantities)


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
    moved_since: bool = False  # the ledger moved it after the count scanned it: left so


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
    #: What central did with a store terminal's count (JSON values): at central, the
    #: decisions it could not carry out (``conflicts``); on the till, central's answer once
    #: the count's journal entry is settled (``state`` accepted, conflict or refused). None
    #: for a count made at central.
    central: Mapping[str, Any] | None = None
    #: Units in stock here nobody scanned that the ledger moved since the count counted
    #: their product (received, returned, transferred in after it): left in stock, listed.
    arrived_since: tuple[UnitRef, ...] = ()
    #: How many scans of the count this reconciliation read: an approval given it posts only
    #: while the count holds no more (services/counts/reviewed.py).
    scans_read: int = 0

    @property
    def clean(self) -> bool:
        return not (self.missing or self.never_seen or self.elsewhere or self.quantities)


@dataclass(frozen=True)
class CountHeader:
    """The count itself: its number, its store's code, whether it is approved, and the
    store's serialized inventory setting (off: every product is counted by quantity)."""

    number: str
    store: str
    approved: bool
    serial_tracked: bool


@dataclass(frozen=True)
class ProductCount:
    """One product's side of a count, as read.

    ``scanned``: the distinct serials counted over every batch; ``counted_quantity``: the units
    counted without a serial; ``here``: the ledger's units in stock at the store (empty where
    the store does not track serials); ``known``: where the ledger has the scanned serials that
    are not in ``here`` (a serial in neither is never seen); ``on_hand``: the ledger's on-hand
    quantity at the store. ``sides``, where given, stands for ``scanned`` and ``here`` (left
    empty): the two compared where they are stored, with only their sizes and differences
    read (:class:`~serialpos.domain.counts.Sides`). ``moved``: the serials (scanned, not in
    stock here; or in stock here, not scanned) whose unit the ledger moved after the count
    saw or looked for it; ``moved_quantity``: the on-hand change recorded since the count
    counted the product, without a unit (a product counted by quantity: all of it).
    """

    sku: str
    mode: SerialMode
    scanned: AbstractSet[str] = frozenset()
    counted_quantity: int = 0
    here: AbstractSet[str] = frozenset()
    known: Mapping[str, Place] = field(default_factory=dict)
    on_hand: int = 0
    sides: Sides | None = None
    moved: AbstractSet[str] = frozenset()
    moved_quantity: int = 0

    @property
    def scanned_count(self) -> int:
        return len(self.scanned) if self.sides is None else self.sides.scanned

    @property
    def here_count(self) -> int:
        return len(self.here) if self.sides is None else self.sides.here


@dataclass(frozen=True)
class ProductPlan:
    """What a count says of one product: its serial classes (None: counted by quantity) and
    the on-hand quantity it should have (``target``)."""

    product: ProductCount
    classes: SerialClasses | None
    target: int


def plan_product(product: ProductCount, serial_tracked_store: bool, store: str) -> ProductPlan:
    """Classify one product's serials (a serial-tracked product at a tracking store) and say
    its target on-hand quantity: today's on hand corrected by the variance measured when the
    product was counted (what moved since, ``moved_quantity``, stays moved)."""
    if not (serial_tracked_store and product.mode.tracked):
        # Counted by quantity: serials scanned count as units too.
        counted = product.scanned_count + product.counted_quantity
        return ProductPlan(product, None, counted + product.moved_quantity)
    if product.sides is None:
        classes = classify(product.scanned, product.here, product.known, store, product.moved)
    else:
        classes = classify_sides(replace(product.sides, moved=product.moved), product.known, store)
    restored = sum(1 for e in classes.elsewhere if e.action is ElsewhereAction.RESTORE)
    # The units that arrived since the count stay in stock: part of the target, unjudged.
    units = len(classes.matched) + len(classes.never_seen) + restored + len(classes.arrived_since)
    unlabelled = 0
    if product.mode is SerialMode.OPTIONAL:
        unlabelled = product.counted_quantity + product.moved_quantity
    return ProductPlan(product, classes, units + unlabelled)


def plan_products(header: CountHeader, products: Iterable[ProductCount]) -> list[ProductPlan]:
    """Every product's plan, by SKU (the order of the reconciliation and of approval)."""
    return [
        plan_product(p, header.serial_tracked, header.store)
        for p in sorted(products, key=lambda p: p.sku)
    ]


def find_duplicates(sightings: Iterable[tuple[str, str, int]]) -> tuple[Duplicate, ...]:
    """Serials seen in more than one batch, from (sku, serial, batch number) sightings, by
    SKU and serial. A sighting repeated in one batch is still one batch."""
    seen_in: dict[tuple[str, str], set[int]] = {}
    for sku, serial, batch in sightings:
        seen_in.setdefault((sku, serial), set()).add(batch)
    return tuple(
        Duplicate(sku, serial, tuple(sorted(batches)))
        for (sku, serial), batches in sorted(seen_in.items())
        if len(batches) > 1
    )


def elsewhere_unit(sku: str, e: Elsewhere) -> ElsewhereUnit:
    return ElsewhereUnit(
        sku, e.serial, e.place.state, e.place.store, e.action.value, e.hint, e.moved_since
    )


def reconcile_plans(
    header: CountHeader,
    plans: Iterable[ProductPlan],
    duplicates: tuple[Duplicate, ...] = (),
    batches: tuple[BatchInfo, ...] = (),
) -> Reconciliation:
    """The reconciliation of products already planned (:func:`plan_products`)."""
    matched = 0
    missing: list[UnitRef] = []
    never_seen: list[UnitRef] = []
    elsewhere: list[ElsewhereUnit] = []
    quantities: list[QuantityDifference] = []
    arrived: list[UnitRef] = []
    for plan in plans:
        item, classes, target = plan.product, plan.classes, plan.target
        if classes is not None:
            matched += len(classes.matched)
            missing += [UnitRef(item.sku, s) for s in classes.missing]
            never_seen += [UnitRef(item.sku, s) for s in classes.never_seen]
            elsewhere += [elsewhere_unit(item.sku, e) for e in classes.elsewhere]
            arrived += [UnitRef(item.sku, s) for s in classes.arrived_since]
            # Required: the quantity not backed by units (approval brings it to the units);
            # optional: the units and the unlabelled quantity counted against on hand.
            if item.mode is SerialMode.REQUIRED and item.on_hand != item.here_count:
                quantities.append(
                    QuantityDifference(item.sku, target, item.on_hand, item.here_count)
                )
            elif item.mode is SerialMode.OPTIONAL and target != item.on_hand:
                quantities.append(_moved(item, target, item.here_count))
        elif target != item.on_hand:
            quantities.append(_moved(item, target))
    return Reconciliation(
        header.number,
        header.store,
        header.approved,
        header.serial_tracked,
        matched,
        tuple(missing),
        tuple(never_seen),
        tuple(elsewhere),
        duplicates,
        tuple(quantities),
        batches,
        arrived_since=tuple(arrived),
    )


def _moved(item: ProductCount, target: int, known: int | None = None) -> QuantityDifference:
    """A quantity difference as measured when counted: counted against the on hand then
    (today's less what moved since); approval brings today's on hand to ``target``."""
    moved = item.moved_quantity
    return QuantityDifference(item.sku, target - moved, item.on_hand - moved, known, moved)


def reconcile_count(
    header: CountHeader,
    products: Iterable[ProductCount],
    sightings: Iterable[tuple[str, str, int]] = (),
    batches: tuple[BatchInfo, ...] = (),
) -> Reconciliation:
    """The count against the ledger: ``products`` as read, ``sightings`` (sku, serial, batch
    number) of the scanned serials (only those seen in two batches or more are reported;
    the service passes just those), ``batches`` shown beside it."""
    return reconcile_plans(
        header, plan_products(header, products), find_duplicates(sightings), batches
    )
