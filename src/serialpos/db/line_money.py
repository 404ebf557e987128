"""An order line's money as stored: prices and amounts to the cent, tax rates without
trailing zeros, and a line's amounts and discounts worked out from its row.

Every order read turns stored numbers into these (a counter sale reads them many times), so
they are kept small and quick: a tax rate's text is parsed once (:func:`rate`).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from serialpos.domain.discounts import LineTerms, line_discount
from serialpos.domain.orders import LineAmounts, line_amounts

CENT = Decimal("0.01")


def row_amounts(row: sa.Row[object]) -> LineAmounts:
    """The amounts of an order line row (unit_price, quantity, tax_rate, tax_included, and
    its discounts, taken off before tax)."""
    m = row._mapping
    price = money(m["unit_price"])
    off = line_discount((price * m["quantity"]).quantize(CENT, ROUND_HALF_UP), row_terms(row))
    return line_amounts(price, m["quantity"], rate(m["tax_rate"]), bool(m["tax_included"]), off)


def row_terms(row: sa.Row[object]) -> LineTerms:
    """The discounts stored on an order line row (rows from before migration 0018: none)."""
    m = row._mapping

    def get(key: str, convert: Callable[[object], Decimal]) -> Decimal | None:
        value = m.get(key)
        return None if value is None else convert(value)

    return LineTerms(
        get("discount", money),
        get("discount_percent", rate),
        get("order_discount", money),
        get("order_discount_percent", rate),
    )


def money(value: object) -> Decimal:
    if type(value) is Decimal:  # as the driver reads a price: the same value, no text trip
        return value.quantize(CENT)
    return Decimal(str(value)).quantize(CENT)


def rate(value: object) -> Decimal:
    """20.000 -> 20 and 7.500 -> 7.5. Remembered by the value's text (what the answer is
    made from, so never stale: equal Decimals such as 0 and -0.00 may differ in it); a shop
    has a handful of tax rates."""
    text = str(value)
    found = _RATES.get(text)
    if found is None:
        found = Decimal(f"{Decimal(text).normalize():f}")
        if len(_RATES) >= RATE_MEMO:
            _RATES.clear()
        _RATES[text] = found
    return found


#: Tax rates remembered by :func:`rate` before its memory is cleared.
RATE_MEMO = 256
_RATES: dict[str, Decimal] = {}
