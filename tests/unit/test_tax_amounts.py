"""Line amounts with prices that exclude or include tax: exact decimals, rounded per line."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from serialpos.domain.discounts import LineTerms, line_discount
from serialpos.domain.errors import BadValue
from serialpos.domain.orders import line_amounts, totals

# (unit price, quantity, rate %, tax included) -> (net, tax, gross)
CASES = [
    ("799.00", 1, "20", True, "665.83", "133.17", "799.00"),
    ("799.00", 1, "20", False, "799.00", "159.80", "958.80"),
    ("10.00", 3, "20", True, "25.00", "5.00", "30.00"),
    ("0.05", 1, "20", True, "0.04", "0.01", "0.05"),  # 0.008333 -> 0.01 (half up)
    ("0.03", 1, "20", True, "0.02", "0.01", "0.03"),  # 0.005 exactly -> 0.01 (half up)
    ("0.02", 1, "20", True, "0.02", "0.00", "0.02"),  # 0.00333 -> 0.00
    ("19.99", 7, "7.7", True, "129.93", "10.00", "139.93"),  # 139.93*7.7/107.7 = 10.0043
    ("100.00", 1, "0", True, "100.00", "0.00", "100.00"),
    ("100.00", 2, None, True, "200.00", "0.00", "200.00"),
    ("1.05", 1, "10", False, "1.05", "0.11", "1.16"),  # 0.105 -> 0.11 (half up)
    ("-799.00", 1, "20", True, "-665.83", "-133.17", "-799.00"),  # refunds mirror sales
    ("0.00", 1, "20", True, "0.00", "0.00", "0.00"),
]


@pytest.mark.parametrize(("price", "qty", "rate", "included", "net", "tax", "gross"), CASES)
def test_line_amounts_table(
    price: str, qty: int, rate: str | None, included: bool, net: str, tax: str, gross: str
) -> None:
    a = line_amounts(D(price), qty, None if rate is None else D(rate), included)
    assert (a.net, a.tax, a.gross) == (D(net), D(tax), D(gross))
    assert a.net.as_tuple().exponent == -2 and a.tax.as_tuple().exponent == -2


def test_included_tax_never_changes_what_the_customer_pays() -> None:
    for cents in range(1, 2000, 7):
        price = D(cents) / 100
        a = line_amounts(price, 3, D("20"), tax_included=True)
        assert a.gross == price * 3
        assert a.net + a.tax == a.gross


def test_totals_are_the_sums_of_rounded_lines() -> None:
    lines = [line_amounts(D("0.03"), 1, D("20"), True) for _ in range(3)]
    t = totals(lines)
    # Per line 0.01 tax each: 0.03, not 0.015 rounded on the sum (0.02).
    assert (t.net, t.tax, t.total) == (D("0.06"), D("0.03"), D("0.09"))


def test_included_price_limit_is_the_shelf_price() -> None:
    assert line_amounts(D("9000000000.00"), 1, D("20"), True).gross == D("9000000000.00")
    with pytest.raises(BadValue):  # 10,800,000,000.00 with the tax added
        line_amounts(D("9000000000.00"), 1, D("20"), False)


# Discounts come off before tax, rounded per line (issue 14 item 3).
# (unit price, quantity, rate %, tax included, line terms) -> (money off, net, tax, gross)
DISCOUNT_CASES = [
    (
        "799.00",
        1,
        "20",
        True,
        LineTerms(discount_percent=D("10")),
        "79.90",
        "599.25",
        "119.85",
        "719.10",
    ),
    (
        "799.00",
        1,
        "20",
        False,
        LineTerms(discount_percent=D("10")),
        "79.90",
        "719.10",
        "143.82",
        "862.92",
    ),
    ("19.99", 3, "7.7", True, LineTerms(discount=D("5.00")), "5.00", "51.04", "3.93", "54.97"),
    # 0.05 x 33.333% = 0.0166665 -> 0.02 off; 0.03 at 20% = 0.006 -> 0.01 tax.
    (
        "0.05",
        1,
        "20",
        False,
        LineTerms(discount_percent=D("33.333")),
        "0.02",
        "0.03",
        "0.01",
        "0.04",
    ),
    (
        "100.00",
        1,
        "20",
        False,
        LineTerms(discount_percent=D("100")),
        "100.00",
        "0.00",
        "0.00",
        "0.00",
    ),
    # 30.00 less 10% = 27.00, less the order's 5% of that (1.35) = 25.65; 4.275 tax -> 4.28.
    (
        "10.00",
        3,
        "20",
        True,
        LineTerms(discount_percent=D("10"), order_discount_percent=D("5")),
        "4.35",
        "21.37",
        "4.28",
        "25.65",
    ),
    (
        "1.05",
        1,
        "10",
        False,
        LineTerms(order_discount=D("0.10")),
        "0.10",
        "0.95",
        "0.10",
        "1.05",
    ),  # 0.095 -> 0.10
    (
        "5.00",
        1,
        "20",
        False,
        LineTerms(discount=D("9.00")),
        "5.00",
        "0.00",
        "0.00",
        "0.00",
    ),  # never below zero
]


@pytest.mark.parametrize(
    ("price", "qty", "rate", "included", "terms", "off", "net", "tax", "gross"), DISCOUNT_CASES
)
def test_discounted_line_amounts_table(
    price: str,
    qty: int,
    rate: str,
    included: bool,
    terms: LineTerms,
    off: str,
    net: str,
    tax: str,
    gross: str,
) -> None:
    base = (D(price) * qty).quantize(D("0.01"))
    money_off = line_discount(base, terms)
    a = line_amounts(D(price), qty, D(rate), included, money_off)
    assert (money_off, a.net, a.tax, a.gross) == (D(off), D(net), D(tax), D(gross))
    assert a.net + a.tax == a.gross
