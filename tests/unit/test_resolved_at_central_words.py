"""What a till's console says after central resolved a conflict: the words of a refund that
books money already end "booked at central", and said "... at central at central"."""

from __future__ import annotations

from serialpos.domain import second_refund_words
from serialpos.domain.closed_money import REFUND_DONE
from serialpos.tui.screens.conflicts import resolved_at_central


def test_where_is_said_once() -> None:
    for did in (REFUND_DONE, second_refund_words.DONE):
        said = resolved_at_central(7, did)
        assert said.count("at central") == 1, said
    assert resolved_at_central(7, "accepted", " · receipt printed") == (
        "conflict 7: accepted at central · receipt printed"
    )
