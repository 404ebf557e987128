"""Money and tax-rate values as order rows are read (db/order_repo.money and rate): the fast
paths for the driver's Decimals give what the text round trip gives, and the remembered tax
rates follow the value asked about."""

from __future__ import annotations

from decimal import Decimal

import pytest

from serialpos.db import line_money
from serialpos.db import order_repo as orepo


def _slow_money(value: object) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _slow_rate(value: object) -> Decimal:
    return Decimal(f"{Decimal(str(value)).normalize():f}")


VALUES = ["199.00", "199.005", "199.015", "-0.00", "0", "12.3456", "1E+2", "7.500", "20.000"]


@pytest.mark.parametrize("text", VALUES)
def test_a_decimal_reads_as_its_text_would(text: str) -> None:
    value = Decimal(text)
    for got, want in (
        (orepo.money(value), _slow_money(text)),
        (orepo.rate(value), _slow_rate(text)),
    ):
        assert got == want and str(got) == str(want)


def test_remembered_rates_follow_the_value() -> None:
    assert str(orepo.rate(Decimal("20.000"))) == "20"
    assert str(orepo.rate(Decimal("7.500"))) == "7.5"
    assert str(orepo.rate(Decimal("20.000"))) == "20"  # asked again: the same answer
    assert str(orepo.rate(Decimal("19.600"))) == "19.6"
    assert str(orepo.rate(20.5)) == "20.5" and str(orepo.rate("8.25")) == "8.25"


def test_the_memory_of_rates_is_bounded() -> None:
    for n in range(line_money.RATE_MEMO + 10):
        orepo.rate(Decimal(n) / 1000)
    assert len(line_money._RATES) <= line_money.RATE_MEMO
