"""The Conflicts screen's key and words for ``refund`` of a till's second return of one unit
(issue 16): F9 shown when central offers it; when it does not, why in the return's terms (an
exchange paid no money out; a line central never took back is no second return), never "it is
no till's sale"; the question says what is booked and that nothing is paid now."""

from __future__ import annotations

from typing import Any

from serialpos.domain import second_refund_words
from serialpos.domain.conflict_keys import key_hints, not_offered


def _second_return(resolutions: list[str], **line: Any) -> dict[str, Any]:
    return {
        "id": 7,
        "status": "open",
        "error": "not_on_order",
        "serial": "U1",
        "sku": "PH1",
        "terminal": "S1-B",
        "entry": {"line": {"op": "order_return", "order": "S1-A-000001", **line}},
        "resolutions": resolutions,
        "return_money": {"refund_note": "RF-S1-B-000001", "method": "cash", "amount": "250.00"},
    }


def test_f9_is_shown_and_sent_when_central_offers_refund() -> None:
    c = _second_return(["accept", "refund"])
    assert key_hints(c) == (("F5", "Accept"), ("F9", "Refund"))
    assert not_offered(c, "refund") is None
    assert second_refund_words.is_second_return(c)


def test_refund_not_offered_says_why_in_the_returns_terms() -> None:
    exchange = not_offered(_second_return(["accept"], exchange=True), "refund")
    assert exchange is not None and "paid no money out" in exchange, exchange
    never = not_offered(_second_return(["accept"]), "refund")
    assert never is not None and "did not take its unit back first" in never, never
    for said in (exchange, never):
        assert "no till's sale" not in said and "keys that work: F5 Accept" in said


def test_the_question_names_the_money_and_asks_for_none() -> None:
    asked = second_refund_words.question(7, _second_return(["accept", "refund"]), " (at central)")
    assert asked.startswith("Book conflict #7's refund (at central)?"), asked
    assert "250.00 S1-B paid out of its drawer on RF-S1-B-000001" in asked, asked
    assert "Pay nothing now." in asked and "voided" not in asked
