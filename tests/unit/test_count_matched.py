"""The matched serials of a count as a set that is not built (:class:`Matched`): the same
members, size, equality and hash as ``scanned & here``."""

from __future__ import annotations

from serialpos.domain.counts import Matched, classify


def test_matched_is_the_intersection() -> None:
    scanned = {"A1", "A2", "N1", "B1"}
    here = frozenset({"A1", "A2", "A3"})
    classes = classify(scanned, here, {}, "S1")
    matched = classes.matched
    assert isinstance(matched, Matched)
    assert len(matched) == 2 and sorted(matched) == ["A1", "A2"]
    assert "A1" in matched and "A3" not in matched and "N1" not in matched and 5 not in matched
    assert matched == frozenset({"A1", "A2"}) and frozenset({"A1", "A2"}) == matched
    assert matched != {"A1"} and matched != {"A1", "A2", "A3"}
    assert hash(matched) == hash(frozenset({"A1", "A2"}))
    assert matched | {"Z"} == {"A1", "A2", "Z"}
    assert classes.missing == ("A3",) and classes.never_seen == ("B1", "N1")
    empty = classify(set(), here, {}, "S1").matched
    assert len(empty) == 0 and list(empty) == [] and empty == frozenset()
