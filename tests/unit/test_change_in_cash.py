"""Change is counted out of the drawer in cash, so card and other tenders pay at most what is
still due (domain/orders.py ``check_change_in_cash``): a walk tendered card 500.00 on a 15.59
sale and 484.41 of "change" left the drawer."""

from __future__ import annotations

from decimal import Decimal

import pytest

from serialpos.domain.errors import DomainError
from serialpos.domain.orders import check_change_in_cash

D = Decimal


def test_a_card_over_what_is_due_is_refused_naming_both_amounts() -> None:
    with pytest.raises(DomainError) as over:
        check_change_in_cash(D("15.59"), [("card", D("500.00"))])
    assert over.value.code == "bad_request"
    assert "500.00" in str(over.value) and "15.59" in str(over.value)
    assert "cash only" in str(over.value)
    with pytest.raises(DomainError):
        check_change_in_cash(D("15.59"), [("other", D("15.60"))])
    with pytest.raises(DomainError):  # two cards together past the rest
        check_change_in_cash(D("100.00"), [("card", D("60.00")), ("card", D("40.01"))])


def test_cash_may_be_over_and_a_card_may_pay_exactly_the_rest() -> None:
    check_change_in_cash(D("15.59"), [("cash", D("500.00"))])
    check_change_in_cash(D("15.59"), [("card", D("15.59"))])
    check_change_in_cash(D("100.00"), [("card", D("60.00")), ("cash", D("50.00"))])
    check_change_in_cash(D("100.00"), [("card", D("60.00"))])  # a part payment


def test_nothing_due_takes_no_card() -> None:
    with pytest.raises(DomainError):
        check_change_in_cash(D("-5.00"), [("card", D("0.01"))])  # paid over already
    check_change_in_cash(D("-5.00"), [("cash", D("1.00"))])
    check_change_in_cash(D("0.00"), [])


def test_change_beyond_the_drawer_names_the_cash_short() -> None:
    from serialpos.domain.shifts import change_beyond_drawer

    assert change_beyond_drawer(Decimal("1063.21"), Decimal("50.00")) == (
        "change 1063.21 is more than the 50.00 cash the drawer should hold (short 1013.21)"
    )
    # A drawer the books put below zero holds nothing, and is said so.
    assert change_beyond_drawer(Decimal("5.00"), Decimal("-2.00")) == (
        "change 5.00 is more than the 0.00 cash the drawer should hold (short 7.00)"
    )
    assert change_beyond_drawer(Decimal("50.00"), Decimal("50.00")) is None
    assert change_beyond_drawer(Decimal("0.00"), Decimal("-10.00")) is None
