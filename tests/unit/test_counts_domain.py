"""Count reconciliation rules: every scanned serial lands in exactly one class, a serial seen
in two batches is one unit (and flagged), and units in stock that nobody scanned are missing."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from serialpos.domain.counts import (
    ElsewhereAction,
    Place,
    QuantityDifference,
    classify,
    duplicates,
    quantity_residual,
)

SERIALS = st.sampled_from([f"SN{n}" for n in range(30)])
PLACES = st.builds(
    Place,
    st.sampled_from(
        [
            "in_stock",
            "sold",
            "written_off",
            "in_transit",
            "reserved",
            "returned_to_vendor",
            "expected",
        ]
    ),
    st.sampled_from(["S1", "S2"]),
)


@given(
    sightings=st.lists(st.tuples(SERIALS, st.integers(1, 4)), max_size=60),
    here=st.sets(SERIALS),
    known=st.dictionaries(SERIALS, PLACES),
)
def test_every_scanned_serial_lands_in_exactly_one_class(
    sightings: list[tuple[str, int]], here: set[str], known: dict[str, Place]
) -> None:
    scanned = {serial for serial, _batch in sightings}
    # The ledger's view: units in stock here are not "known elsewhere" at the same time.
    elsewhere_known = {s: p for s, p in known.items() if s not in here}
    classes = classify(scanned, here, elsewhere_known, "S1")
    never = set(classes.never_seen)
    away = [e.serial for e in classes.elsewhere]
    assert len(away) == len(set(away))
    for serial in scanned:
        assert [serial in classes.matched, serial in never, serial in away].count(True) == 1
    assert set(classes.matched) | never | set(away) == scanned
    # Counted once: the classes together hold as many serials as there are distinct ones.
    assert len(classes.matched) + len(never) + len(away) == len(scanned)
    assert set(classes.missing) == here - scanned
    assert not set(classes.missing) & scanned
    flagged = duplicates(sightings)
    for serial, batches in flagged.items():
        assert len(batches) > 1 and serial in scanned
        assert set(batches) == {b for s, b in sightings if s == serial}
    assert set(flagged) == {s for s in scanned if len({b for x, b in sightings if x == s}) > 1}


def test_a_serial_in_two_batches_counts_once_and_is_flagged() -> None:
    sightings = [("A1", 1), ("A2", 1), ("A1", 2)]
    classes = classify({s for s, _ in sightings}, {"A1", "A2", "A3"}, {}, "S1")
    assert classes.matched == frozenset({"A1", "A2"})
    assert classes.missing == ("A3",)
    assert duplicates(sightings) == {"A1": (1, 2)}


def test_elsewhere_says_where_and_what_and_restores_only_written_off_here() -> None:
    known = {
        "W1": Place("written_off", "S1"),
        "W2": Place("written_off", "S2"),
        "T1": Place("in_transit", "S1"),
        "O1": Place("in_stock", "S2"),
        "X1": Place("sold", "S1"),
    }
    classes = classify(set(known) | {"N1"}, set(), known, "S1")
    assert classes.never_seen == ("N1",)
    by = {e.serial: e for e in classes.elsewhere}
    assert by["W1"].action is ElsewhereAction.RESTORE
    assert all(e.action is ElsewhereAction.LEAVE for s, e in by.items() if s != "W1")
    assert by["O1"].hint == "in stock at S2: transfer it here"
    assert by["T1"].hint == "in transit to S1: receive the transfer there"
    assert by["X1"].place.words == "sold at S1"
    assert by["W2"].hint == "written off at S2"


def test_quantity_difference_and_residual() -> None:
    assert QuantityDifference("CAB", 3, 5).difference == -2
    # Serialized inventory switched on with 5 on hand and no units: 4 counted -> quantity 4.
    assert quantity_residual(4, 9) == -5
    assert quantity_residual(3, 3) == 0


@given(
    scanned=st.sets(SERIALS),
    here=st.sets(SERIALS),
    known=st.dictionaries(SERIALS, PLACES),
    moved=st.sets(SERIALS),
)
def test_a_unit_moved_since_the_count_is_never_written_off_nor_put_back(
    scanned: set[str], here: set[str], known: dict[str, Place], moved: set[str]
) -> None:
    """Judged at the time it counted: a unit nobody scanned that the ledger moved since is
    listed as arrived, never missing; a scanned unit moved since is never restored."""
    elsewhere_known = {s: p for s, p in known.items() if s not in here}
    classes = classify(scanned, here, elsewhere_known, "S1", moved)
    unscanned = here - scanned
    assert set(classes.missing) == unscanned - moved
    assert set(classes.arrived_since) == unscanned & moved
    assert not set(classes.missing) & set(classes.arrived_since)
    for e in classes.elsewhere:
        assert e.moved_since == (e.serial in moved)
        restored = e.action is ElsewhereAction.RESTORE
        assert restored == (e.place == Place("written_off", "S1") and e.serial not in moved), e
    # Nothing moved: the classes are those of a count approved at once.
    assert classify(scanned, here, elsewhere_known, "S1").missing == tuple(sorted(unscanned))


def test_a_quantity_difference_is_the_variance_measured_when_counted() -> None:
    # Counted 30 when 40 were on hand; 5 sold since: today's 35 less the 10 short.
    q = QuantityDifference("CAB", 30, 40, moved_since=-5)
    assert q.difference == -10
    assert q.on_hand + q.moved_since + q.difference == 25
