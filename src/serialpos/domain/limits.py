"""The limits of every number serialpos stores, the same on SQLite and PostgreSQL, and the
one way to read a decimal from text without an exception escaping the domain.

Why these values: money columns are ``NUMERIC(12, 2)``, so PostgreSQL refuses more than
9,999,999,999.99 while SQLite would take anything; quantities are 32-bit integers on
PostgreSQL, so a stock level is kept well below 2^31 (a per-line quantity of a million
added to a level of a billion still fits). Checking here, before any SQL, makes both
databases give the same ``bad_value`` naming the field instead of a driver error on one.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from serialpos.domain.errors import BadValue
from serialpos.domain.text import clip, non_ascii_character

#: Largest amount of money anywhere: a price, a payment, a line or order total.
MAX_MONEY = Decimal("9999999999.99")
#: Largest quantity in one line of a document or one operation.
MAX_QUANTITY = 1_000_000
#: Largest on-hand quantity (either sign) of one product at one store.
MAX_STOCK_LEVEL = 1_000_000_000
#: Longest text accepted as a number: far more than any real amount, short enough that
#: reading it costs nothing (a 5,000-digit "quantity" is refused by its length).
MAX_NUMBER_TEXT = 40

CENT = Decimal("0.01")

#: A plain decimal: ASCII digits, an optional sign and decimal point. ``Decimal`` also reads
#: ``1e2`` (100), ``1_000``, ``NaN`` and full-width or other scripts' digits (``１２``),
#: none of which a price or an amount is ever written as (the product import refused the
#: exponent; ``apply`` took it).
_PLAIN = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


def is_plain_decimal(text: str) -> bool:
    """Whether ``text`` is written as a plain decimal (ASCII digits, a sign, one '.')."""
    return _PLAIN.fullmatch(text) is not None


def parse_decimal(value: str, field: str) -> Decimal:
    """A finite decimal read from ``value``; any other text is a ``bad_value`` naming
    ``field``. Never raises ``InvalidOperation``, ``ValueError`` or ``OverflowError``."""
    text = value.strip()
    if len(text) > MAX_NUMBER_TEXT:
        raise BadValue(
            f"{field} '{clip(text, 24)}' is too long to be a number "
            f"(at most {MAX_NUMBER_TEXT} characters)"
        )
    if _PLAIN.fullmatch(text) is None:
        raise BadValue(_not_plain(text, field))
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        raise BadValue(f"{field} '{clip(text)}' is not a number") from None
    if not number.is_finite():
        raise BadValue(f"{field} '{clip(text)}' is not a finite number")
    return number


def _not_plain(text: str, field: str) -> str:
    """Why ``text`` is no plain decimal, naming ``field``: an exponent, a character that is
    not ASCII (a full-width digit), or simply no number."""
    foreign = non_ascii_character(text)
    if foreign is not None:
        return (
            f"{field} '{clip(text)}' holds a character that is not plain ASCII ({foreign}): "
            "write the number with the digits 0-9 and a '.'"
        )
    body = text.lstrip("+-")
    if "e" in body.lower() and _PLAIN.fullmatch(body.lower().split("e")[0] or "x"):
        return (
            f"{field} '{clip(text)}' is written with an exponent, not as a plain number: "
            "write it out (100.00, not 1e2)"
        )
    return f"{field} '{clip(text)}' is not a number"


def check_money(amount: Decimal, field: str, *, shown: str | None = None) -> Decimal:
    """``amount`` rounded to the cent, refused when it has fractions of a cent or passes
    :data:`MAX_MONEY` either way. Compared before rounding: quantizing ``1e30`` would raise."""
    label = shown if shown is not None else str(amount)
    if abs(amount) > MAX_MONEY:
        raise BadValue(f"{field} '{clip(label)}' is too large (at most {MAX_MONEY:,})")
    rounded = amount.quantize(CENT)
    if rounded != amount:
        raise BadValue(f"{field} '{clip(label)}' has more than two decimals")
    return rounded


def parse_money(value: str, field: str) -> Decimal:
    """An amount of money from text: a number, within :data:`MAX_MONEY`, to the cent."""
    return check_money(parse_decimal(value, field), field, shown=value.strip())


def parse_whole(value: str, field: str, low: int, high: int) -> int:
    """A whole number between ``low`` and ``high`` from text (digits, an optional sign)."""
    text = value.strip()
    body = text[1:] if text[:1] in "+-" else text
    if not body or len(body) > MAX_NUMBER_TEXT or not (body.isascii() and body.isdigit()):
        raise BadValue(f"{field} '{clip(text, 24) or 'blank'}' is not a whole number")
    number = int(text)
    if not low <= number <= high:
        raise BadValue(f"{field} '{clip(text, 24)}' must be between {low:,} and {high:,}")
    return number


def check_stock_level(level: int, field: str = "on-hand quantity") -> int:
    """Refuse a stock level past :data:`MAX_STOCK_LEVEL` (a PostgreSQL integer holds 2^31)."""
    if abs(level) > MAX_STOCK_LEVEL:
        raise BadValue(
            f"the {field} would be {level:,}, past the limit of "
            f"{MAX_STOCK_LEVEL:,} for one product at one store"
        )
    return level
