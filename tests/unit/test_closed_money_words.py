"""What a conflict of a till's money on an order central closed says (issue 16): the money
its drawer moved, where each resolution books it, and why F9 is not offered when central
cannot book it (domain/closed_money.py, domain/conflict_keys.py)."""

from __future__ import annotations

from typing import Any

from serialpos.domain.closed_money import closed_money_words
from serialpos.domain.conflict_keys import not_offered

DEPOSIT = {
    "op": "order_pay",
    "order": "S1-A-000007",
    "payments": [{"method": "cash", "amount": "300.00"}],
}
VOID = {"op": "order_void", "order": "S1-A-000007"}


def _conflict(line: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {
        "id": 4,
        "status": "open",
        "error": "order_closed",
        "entry": {"id": "e", "line": line},
        **more,
    }


def test_a_deposit_says_the_money_and_what_each_resolution_does() -> None:
    said = closed_money_words(_conflict(DEPOSIT, resolutions=["accept", "refund"]))
    assert said is not None
    assert said.startswith("money: the till took 300.00 by cash on S1-A-000007"), said
    assert "refund books it at central (taken and refunded there" in said, said
    assert "accept leaves it in the till's books only" in said, said


def test_once_accepted_it_says_the_till_keeps_it() -> None:
    c = _conflict(DEPOSIT, status="resolved", resolution={"action": "accept"})
    said = closed_money_words(c) or ""
    assert "not at central (accept): in the till's books only" in said, said
    assert "keeps the deposit on a closed order" in said, said


def test_a_void_naming_no_amount_says_no_resolution_books_it() -> None:
    said = closed_money_words(_conflict(VOID, resolutions=["accept"])) or ""
    assert "an older till: its entry names no amount" in said, said
    assert "no resolution books it at central" in said, said


def test_other_conflicts_say_nothing_of_it() -> None:
    assert closed_money_words(_conflict(DEPOSIT, error="already_sold")) is None


def test_f9_not_offered_says_why_for_a_void() -> None:
    said = not_offered(_conflict(VOID, resolutions=["accept"]), "refund") or ""
    assert "central cannot book the till's money on that order now (order_void" in said, said
    assert "no till's sale" not in said, said


def test_f9s_question_says_what_central_books_not_a_sales_void() -> None:
    from serialpos.tui.screens.conflicts import resolve_question

    deposit = resolve_question(4, "refund", _conflict(DEPOSIT, terminal="A"), at_central=False)
    assert deposit == (
        "Refund conflict #4's money? Central books the till's 300.00 by cash on S1-A-000007 "
        "as taken and refunded: pay the customer back from A's drawer."
    )
    void = {**VOID, "refunds": [{"method": "cash", "amount": "200.00"}]}
    said = resolve_question(4, "refund", _conflict(void), at_central=True)
    assert "the 200.00 by cash the till's void paid back on S1-A-000007" in said, said
    assert "recorded without the unit" not in said


def test_a_fulfilment_says_the_money_and_that_no_resolution_books_it() -> None:
    """A till's fulfilment of an order central closed meanwhile (a conflict since issue 16's
    money machine found it refused with no trace)."""
    line = {
        "op": "order_fulfil",
        "order": "S1-A-000007",
        "payments": [{"method": "cash", "amount": "750.00"}],
        "change_due": "50.00",
    }
    said = closed_money_words(_conflict(line, resolutions=["accept"])) or ""
    assert said.startswith(
        "money: the till's fulfilment of S1-A-000007 took 750.00 by cash (in its drawer, "
        "50.00 change given) and handed its unit over after central closed it"
    ), said
    assert "no resolution books it at central" in said, said
    done = (
        closed_money_words(_conflict(line, status="resolved", resolution={"action": "accept"}))
        or ""
    )
    assert "not at central (accept): in the till's books only" in done, done


FULFIL = {
    "op": "order_fulfil",
    "order": "S1-A-000007",
    "payments": [{"method": "cash", "amount": "750.00"}],
    "change_due": "50.00",
}


def test_a_fulfilment_says_which_resolution_books_it() -> None:
    """After central's void ``record_sale`` books the till's sale, after its fulfilment
    ``refund`` the money taken and refunded (services/conflict_closed_fulfil.py): the money
    line names the one offered, and once resolved where it was booked."""
    voided = closed_money_words(_conflict(FULFIL, resolutions=["accept", "record_sale"])) or ""
    assert "record_sale books it at central (the unit sold and the till's tenders" in voided
    assert "owes the deposit central refunded" in voided, voided
    assert "refund books" not in voided and "no resolution books" not in voided, voided
    fulfilled = closed_money_words(_conflict(FULFIL, resolutions=["accept", "refund"])) or ""
    assert "refund books it at central (the till's tenders taken and refunded" in fulfilled
    assert "paid out of the till's drawer" in fulfilled, fulfilled
    done = _conflict(FULFIL, status="resolved", resolution={"action": "record_sale"})
    assert "booked at central by record_sale: the unit sold" in (closed_money_words(done) or "")


def test_keys_a_fulfilment_does_not_offer_say_why() -> None:
    """F8 on a fulfilment central fulfilled meanwhile (refund offered), F9 on one central
    voided (record_sale offered): each says which state of central's order it books, not
    "no till's sale"."""
    fulfilled = _conflict(FULFIL, resolutions=["accept", "refund"])
    said = not_offered(fulfilled, "record_sale") or ""
    assert "once central voided the order" in said and "F9 Refund" in said, said
    voided = _conflict(FULFIL, resolutions=["accept", "record_sale"])
    said = not_offered(voided, "refund") or ""
    assert "once central fulfilled the order" in said and "F8 Record sale" in said, said


def test_the_console_asks_what_each_resolution_of_a_fulfilment_books() -> None:
    from serialpos.tui.screens.conflicts import resolve_question

    c = _conflict(FULFIL, terminal="S1-A", resolutions=["accept", "record_sale"])
    asked = resolve_question(4, "record_sale", c, at_central=True)
    assert asked.startswith("Record conflict #4's sale (at central)?"), asked
    assert "the unit sold" in asked and "owes the deposit central refunded" in asked, asked
    asked = resolve_question(4, "refund", c, at_central=False)
    assert "taken and refunded" in asked and "from S1-A's drawer" in asked, asked
    assert "recorded without the unit" not in asked, asked
