"""How the counter writes and reads an amount of money (two decimals, finite only)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation


def money(value: Decimal) -> str:
    return f"{value:.2f}"


def parse_money(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None
