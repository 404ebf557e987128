"""A count reconciled from plain inputs, without a database: matched, missing, never seen,
elsewhere (another store, written off here, sold), duplicates, and the quantity differences,
with the target on-hand quantity approval posts to."""

from __future__ import annotations

from serialpos.domain.count_reconciliation import (
    BatchInfo,
    CountHeader,
    Duplicate,
    ElsewhereUnit,
    ProductCount,
    Reconciliation,
    UnitRef,
    find_duplicates,
    plan_product,
    plan_products,
    reconcile_count,
)
from serialpos.domain.counts import ElsewhereAction, Place, QuantityDifference
from serialpos.domain.products import SerialMode

HEADER = CountHeader("C-S1-000001", "S1", approved=False, serial_tracked=True)
OFF = CountHeader("C-S1-000002", "S1", approved=False, serial_tracked=False)


def phone(
    *,
    scanned: frozenset[str] | set[str] = frozenset(),
    here: frozenset[str] | set[str] = frozenset(),
    known: dict[str, Place] | None = None,
    counted_quantity: int = 0,
    on_hand: int = 0,
) -> ProductCount:
    """A serial-required product's side of the count."""
    return ProductCount(
        "PHONE", SerialMode.REQUIRED, scanned, counted_quantity, here, known or {}, on_hand
    )


def test_an_empty_count_of_an_empty_store_is_clean() -> None:
    result = reconcile_count(HEADER, [])
    assert result == Reconciliation("C-S1-000001", "S1", False, True, 0, (), (), (), (), ())
    assert result.clean


def test_an_empty_count_finds_every_unit_in_stock_missing() -> None:
    result = reconcile_count(HEADER, [phone(here={"A", "B"}, on_hand=2)])
    assert result.matched == 0
    assert result.missing == (UnitRef("PHONE", "A"), UnitRef("PHONE", "B"))
    assert result.never_seen == () and result.elsewhere == () and result.quantities == ()
    assert not result.clean
    assert plan_product(phone(here={"A", "B"}, on_hand=2), True, "S1").target == 0


def test_every_unit_scanned_matches_and_the_count_is_clean() -> None:
    result = reconcile_count(HEADER, [phone(scanned={"A", "B"}, here={"A", "B"}, on_hand=2)])
    assert result.matched == 2
    assert result.clean


def test_a_serial_never_seen_by_the_ledger_is_never_seen() -> None:
    product = phone(scanned={"A", "NEW"}, here={"A"}, on_hand=1)
    result = reconcile_count(HEADER, [product])
    assert (result.matched, result.never_seen) == (1, (UnitRef("PHONE", "NEW"),))
    assert plan_product(product, True, "S1").target == 2  # approval adds it


def test_a_serial_of_another_store_is_elsewhere_and_left_alone() -> None:
    product = phone(scanned={"A", "X"}, here={"A"}, known={"X": Place("in_stock", "S2")}, on_hand=1)
    result = reconcile_count(HEADER, [product])
    [unit] = result.elsewhere
    assert unit == ElsewhereUnit(
        "PHONE", "X", "in_stock", "S2", "leave", "in stock at S2: transfer it here"
    )
    assert result.never_seen == () and result.matched == 1
    assert plan_product(product, True, "S1").target == 1  # not counted into this store


def test_a_unit_written_off_here_and_found_is_restored() -> None:
    product = phone(scanned={"W"}, known={"W": Place("written_off", "S1")})
    plan = plan_product(product, True, "S1")
    assert plan.classes is not None
    assert [e.action for e in plan.classes.elsewhere] == [ElsewhereAction.RESTORE]
    assert plan.target == 1
    [unit] = reconcile_count(HEADER, [product]).elsewhere
    assert unit.action == "restore"


def test_a_unit_written_off_at_another_store_is_left_alone() -> None:
    product = phone(scanned={"W"}, known={"W": Place("written_off", "S2")})
    assert plan_product(product, True, "S1").target == 0
    [unit] = reconcile_count(HEADER, [product]).elsewhere
    assert unit.action == "leave"


def test_a_serial_scanned_in_two_batches_is_one_unit_and_a_duplicate() -> None:
    sightings = [("PHONE", "A", 1), ("PHONE", "A", 2), ("PHONE", "B", 1)]
    batches = (BatchInfo(1, "ann", "open", 2), BatchInfo(2, "bob", "closed", 1))
    result = reconcile_count(
        HEADER, [phone(scanned={"A", "B"}, here={"A", "B"}, on_hand=2)], sightings, batches
    )
    assert result.duplicates == (Duplicate("PHONE", "A", (1, 2)),)
    assert result.matched == 2 and result.clean  # counted once: nothing to post
    assert result.batches == batches


def test_duplicates_are_per_product_and_sorted_and_a_repeat_in_one_batch_is_not_one() -> None:
    found = find_duplicates(
        [("TAB", "S", 3), ("PHONE", "S", 2), ("TAB", "S", 1), ("PHONE", "S", 2), ("PHONE", "T", 1)]
    )
    assert found == (Duplicate("TAB", "S", (1, 3)),)


def test_a_product_counted_by_quantity_is_a_quantity_difference() -> None:
    cable = ProductCount("CABLE", SerialMode.DISABLED, counted_quantity=3, on_hand=5)
    result = reconcile_count(HEADER, [cable])
    assert result.quantities == (QuantityDifference("CABLE", 3, 5),)
    assert result.quantities[0].difference == -2
    assert plan_product(cable, True, "S1").classes is None


def test_a_store_without_serial_tracking_counts_serials_as_units() -> None:
    product = phone(scanned={"A", "B"}, counted_quantity=1, on_hand=3)
    plan = plan_product(product, False, "S1")
    assert (plan.classes, plan.target) == (None, 3)
    assert reconcile_count(OFF, [product]).clean


def test_a_required_product_with_unbacked_quantity_shows_the_difference() -> None:
    # Serialized inventory just switched on: 5 on hand, 2 units known.
    result = reconcile_count(HEADER, [phone(scanned={"A", "B"}, here={"A", "B"}, on_hand=5)])
    assert result.quantities == (QuantityDifference("PHONE", 2, 5, 2),)


def test_an_optional_product_counts_units_and_unlabelled_quantity_together() -> None:
    charger = ProductCount(
        "CHARGER", SerialMode.OPTIONAL, scanned={"A"}, counted_quantity=2, here={"A"}, on_hand=3
    )
    assert reconcile_count(HEADER, [charger]).clean
    fewer = ProductCount("CHARGER", SerialMode.OPTIONAL, scanned={"A"}, here={"A"}, on_hand=3)
    assert reconcile_count(HEADER, [fewer]).quantities == (QuantityDifference("CHARGER", 1, 3, 1),)


def test_products_are_reported_by_sku_whatever_order_they_come_in() -> None:
    tab = ProductCount("TAB", SerialMode.REQUIRED, here={"T1"}, on_hand=1)
    result = reconcile_count(HEADER, [tab, phone(here={"P1"}, on_hand=1)])
    assert result.missing == (UnitRef("PHONE", "P1"), UnitRef("TAB", "T1"))


def test_a_count_approved_later_is_planned_against_the_stock_it_counted() -> None:
    """Units that arrived after the count stay in stock (in the target, not missing); a
    quantity's target is today's on hand corrected by the variance measured then."""
    header = CountHeader("C-1", "S1", False, True)
    laptops = ProductCount(
        "LT",
        SerialMode.REQUIRED,
        scanned=frozenset({"L1", "L2"}),
        here=frozenset({"L1", "L2", "L3", "L5"}),
        on_hand=4,
        moved=frozenset({"L5"}),
    )
    cables = ProductCount(
        "CAB", SerialMode.DISABLED, counted_quantity=30, on_hand=35, moved_quantity=-5
    )
    cab, lt = plan_products(header, [laptops, cables])
    assert lt.classes is not None
    assert lt.classes.missing == ("L3",) and lt.classes.arrived_since == ("L5",)
    assert lt.target == 3  # L1, L2 and L5: only L3 is written off
    assert cab.classes is None and cab.target == 25
