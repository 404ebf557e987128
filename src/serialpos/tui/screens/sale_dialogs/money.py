"""How the counter writes and reads an amount of money (two decimals, finite only, a plain
ASCII decimal as ``apply`` takes it: ``1e2`` and full-width digits are no amount)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from serialpos.domain.limits import is_plain_decimal


def money(value: Decimal) -> str:
    return f"{value:.2f}"


def parse_money(text: str) -> Decimal | None:
    if not is_plain_decimal(text.strip()):
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None
