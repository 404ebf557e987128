"""A sale key (F6 void/park, F7) on a fulfilled or voided order says the order is closed, in
the words ``apply`` answers ``order_closed`` with; the screen said "no order yet: scan an
item first" (tui/screens/sale_keys.py's own text, to be replaced by this)."""

from __future__ import annotations

import pytest

from serialpos.domain.orders import closed_order_words


@pytest.mark.parametrize("status", ["open", "parked"])
def test_an_open_or_parked_order_is_not_closed(status: str) -> None:
    assert closed_order_words("S01-000005", status) is None


def test_a_fulfilled_order_says_return_and_reissue() -> None:
    assert closed_order_words("S01-000005", "fulfilled") == (
        "order S01-000005 is fulfilled: return it and re-issue on a new invoice"
    )


def test_a_voided_order_cannot_change() -> None:
    assert closed_order_words("S01-000005", "voided") == (
        "order S01-000005 is voided; it cannot change"
    )


def test_a_refund_notes_words_name_its_amount_and_method() -> None:
    from decimal import Decimal

    from serialpos.domain.refund_note_words import refund_note_words

    assert refund_note_words("RF-S01-000001", [("exchange", Decimal("-1078.80"))]) == (
        "refund note RF-S01-000001: 1078.80 kept as exchange credit"
    )
    assert refund_note_words(
        "RF-S01-000002", [("cash", Decimal("-15.59")), ("card", Decimal("-4.00"))]
    ) == ("refund note RF-S01-000002: 15.59 refunded in cash, 4.00 refunded in card")
    assert refund_note_words("RF-S01-000003", []) == (
        "refund note RF-S01-000003: no money given back"
    )
