"""The discount rules without a database: parsing (over 100%, negative, too many decimals),
spreading an order discount to the cent, and the store's limit."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from serialpos.domain.discounts import (
    Discount,
    DiscountKind,
    allocate,
    check_reason,
    over_limit,
    parse_discount_amount,
    parse_percent,
    parse_price,
)
from serialpos.domain.errors import BadRequest, BadValue


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("120", "more than 100%"),
        ("-5", "negative"),
        ("10.0001", "three decimals"),
        ("ten", "not a number"),
        ("1e999999", "not"),
    ],
)
def test_bad_percents_are_named(text: str, words: str) -> None:
    with pytest.raises(BadValue) as refused:
        parse_percent(text)
    assert words in str(refused.value)


def test_amounts_prices_and_reasons() -> None:
    assert parse_percent("100") == D("100") and parse_price("0") == D("0")
    with pytest.raises(BadValue, match="negative"):
        parse_price("-0.01")
    with pytest.raises(BadValue, match="two decimals"):
        parse_discount_amount("1.005")
    with pytest.raises(BadValue, match="more than 100%"):
        Discount(DiscountKind.PERCENT, D("100.5"))
    with pytest.raises(BadRequest, match="reason"):
        check_reason("  ")
    assert Discount(DiscountKind.PERCENT, D("12.50")).label() == "-12.5%"
    assert Discount(DiscountKind.AMOUNT, D("5")).label() == "-5.00"


@pytest.mark.parametrize(
    ("amount", "bases", "shares"),
    [
        ("20.00", ["499.99", "19.00"], ["19.27", "0.73"]),
        ("0.02", ["1.00", "1.00", "1.00"], ["0.01", "0.01", "0.00"]),  # ties: earliest first
        ("5.00", ["0.00", "5.00"], ["0.00", "5.00"]),
        ("0.00", ["3.00"], ["0.00"]),
    ],
)
def test_allocation_adds_up_to_the_cent(amount: str, bases: list[str], shares: list[str]) -> None:
    got = allocate(D(amount), [D(b) for b in bases])
    assert got == [D(s) for s in shares]
    assert sum(got, D(0)) == D(amount)


def test_allocation_refuses_more_than_the_order() -> None:
    with pytest.raises(BadValue, match="more than the order"):
        allocate(D("10.01"), [D("10.00")])


def test_the_limit_allows_exactly_its_percent() -> None:
    assert not over_limit(D("499.99"), D("449.99"), D("10"))  # 50.00 off = 10% to the cent
    assert over_limit(D("499.99"), D("449.98"), D("10"))
    assert not over_limit(D("100.00"), D("150.00"), D("0"))  # a raised price
    assert over_limit(D("100.00"), D("99.99"), D("0"))


def test_now_words_keep_the_unit_price_basis() -> None:
    """``was 39.99, now 36.00`` put a pre-tax shelf price beside a total with tax."""
    from serialpos.domain.discounts import now_words

    # A price override of a taxed product (prices before tax): 39.99 -> 30.00, 36.00 with tax.
    assert now_words("was 39.99", D("30.00"), 1, D("0"), D("30.00"), D("36.00")) == (
        "was 39.99, now 30.00 before tax (36.00 with tax)"
    )
    # A percent off: 12.99 less 1.30 is 11.69 before tax, 14.03 with it.
    assert now_words("-10%", D("12.99"), 1, D("1.30"), D("11.69"), D("14.03")) == (
        "-10%, now 11.69 before tax (14.03 with tax)"
    )
    # Three of them: each, and the line's total for all three.
    assert now_words("-10%", D("12.99"), 3, D("3.90"), D("35.07"), D("42.08")) == (
        "-10%, now 11.69 each before tax (3 for 42.08 with tax)"
    )
    # Prices that include tax: the unit price holds it already, one figure.
    assert now_words("was 47.99", D("36.00"), 1, D("0"), D("30.00"), D("36.00")) == (
        "was 47.99, now 36.00 with tax"
    )
    # No tax on the line: one basis, nothing to name.
    assert now_words("-5.00", D("20.00"), 1, D("5.00"), D("15.00"), D("15.00")) == (
        "-5.00, now 15.00"
    )
    assert now_words("", D("20.00"), 1, D("0"), D("20.00"), D("24.00")) == (
        "price kept, now 20.00 before tax (24.00 with tax)"
    )
