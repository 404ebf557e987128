"""What an approval posted differently from the review its approver confirmed, without a
database (domain/count_since_review.py)."""

from __future__ import annotations

from dataclasses import replace

from serialpos.domain.count_reconciliation import Reconciliation, UnitRef
from serialpos.domain.count_since_review import changed_since_review

MISSING = tuple(UnitRef("PH-AUR15", f"35693803000{n:04d}") for n in range(17))
REVIEWED = Reconciliation("C-S01-000001", "S01", False, True, 3, MISSING, (), (), (), ())


def test_nothing_changed_says_nothing() -> None:
    assert changed_since_review(REVIEWED, replace(REVIEWED, approved=True)) == ""


def test_a_missing_unit_sold_since_is_named() -> None:
    posted = replace(REVIEWED, approved=True, missing=MISSING[1:])
    assert changed_since_review(REVIEWED, posted) == (
        "not as asked: 16 written off, 0 added (asked 17 and 0); since the review "
        f"1 unit not written off, moved in the ledger (PH-AUR15 {MISSING[0].serial})"
    )


def test_many_are_named_three_and_counted() -> None:
    posted = replace(REVIEWED, approved=True, missing=MISSING[5:])
    said = changed_since_review(REVIEWED, posted)
    assert "5 units not written off" in said and "and 2 more)" in said, said
