"""The words of a conflict (``conflicts show`` and the console's detail share them): a till's
copy of its count's conflict need not know when central recorded it, and said "recorded
None" (the verify walk's till); said only when known."""

from __future__ import annotations

from typing import Any

from serialpos.domain.conflict_words import conflict_words


def _count_conflict(**extra: Any) -> dict[str, Any]:
    return {
        "id": 16,
        "status": "open",
        "sku": "PH1",
        "serial": "SN-1",
        "store": "S01",
        "terminal": "S01-A",
        "error": "already_sold",
        "message": "PH1 SN-1 on the shelf: central has it sold at S01",
        "entry": {"id": "e-1#1", "seq": 3, "line": {"op": "count"}},
        "made_at": "2026-12-06T08:00:00Z",
        "user": "sam",
        **extra,
    }


def _not_applied(words: list[str]) -> str:
    [line] = [w for w in words if w.startswith("  not applied: ")]
    return line


def test_a_conflict_central_dated_says_when_it_was_recorded() -> None:
    line = _not_applied(conflict_words(_count_conflict(created_at="2026-12-06T08:05:00Z"), "-"))
    assert line.endswith(", recorded 2026-12-06T08:05:00Z)"), line


def test_a_till_copy_without_the_date_says_no_none() -> None:
    line = _not_applied(conflict_words(_count_conflict(), "-"))
    assert "None" not in line, line
    assert line == (
        "  not applied: count #3 from terminal S01-A (entry e-1#1, made "
        "2026-12-06T08:00:00Z by sam)"
    ), line
