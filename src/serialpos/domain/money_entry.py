"""Amounts typed into a money field (a tender, a till's opening float) against a scanner's
digits: when an amount is too unlikely to record without a person saying so.

A money field takes digits, and so does a barcode: a product's EAN-8 ``12345670`` scanned
while the tender was open was taken as cash 12,345,670.00, the change 12,344,575.61 "given",
the sale fulfilled; scanned at the shift screen it opened the till with that float. A burst at
a scanner's pace is refused by the console's keyboard wedge before it reaches the field
(``REFUSES_SCANS``); a scan slowed by the link, or a wedge set to type slowly, still arrives
as typed digits. So the amount itself is judged here:

- **Tender**: more than :data:`TENDER_RATIO` times the amount due *and* more than
  :data:`CHANGE_ALLOWANCE` of change (a 100 note for a 4.50 coffee is normal; a 1,000 note
  for a 30.00 cable is asked about). The dialog asks first; a scan cannot answer it.
- **Opening float**: above :data:`FLOAT_CEILING`, asked the same way.
- Either way, digits that read as a GTIN (8, 12, 13 or 14 digits, no decimal point, a right
  GS1 check digit) are asked about whatever the amount, and said to look like a barcode (no
  one types a cash amount of eight digits or more without a decimal point).

These are questions, not refusals: a person may mean it, and says so with y/Enter.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

#: Cash tendered above this many times the amount due is asked about...
TENDER_RATIO: Final = 10
#: ...when the change it leaves is also above this (a large note for a small sale is normal).
CHANGE_ALLOWANCE: Final = Decimal("500.00")
#: An opening float above this is asked about (a till's drawer holds change, not takings).
FLOAT_CEILING: Final = Decimal("5000.00")
#: The lengths of a GTIN (EAN-8, UPC-A, EAN-13, GTIN-14).
GTIN_LENGTHS: Final = frozenset({8, 12, 13, 14})


def reads_as_barcode(text: str) -> bool:
    """``text`` (as typed) is 8, 12, 13 or 14 ASCII digits with a right GS1 check digit."""
    text = text.strip()
    if len(text) not in GTIN_LENGTHS or not (text.isascii() and text.isdecimal()):
        return False
    body = [int(d) for d in reversed(text[:-1])]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(body))
    return (10 - total % 10) % 10 == int(text[-1])


def _barcode_words(text: str) -> str:
    return f" '{text.strip()}' reads like a barcode." if reads_as_barcode(text) else ""


def tender_doubt(text: str, amount: Decimal, due: Decimal) -> str | None:
    """Why taking ``amount`` (typed as ``text``) for ``due`` needs a person's yes, or None."""
    change = amount - due
    unlikely = change > CHANGE_ALLOWANCE and amount > due * TENDER_RATIO
    if not unlikely and not reads_as_barcode(text):
        return None
    why = f" More than {TENDER_RATIO} times the amount due." if unlikely else ""
    what = f"give {change:,.2f} change" if change > 0 else f"leave {-change:,.2f} due"
    return f"Take {amount:,.2f} for {due:,.2f} due and {what}?{_barcode_words(text)}{why}"


def float_doubt(text: str, amount: Decimal) -> str | None:
    """Why opening the till with ``amount`` (typed as ``text``) needs a person's yes."""
    if amount <= FLOAT_CEILING and not reads_as_barcode(text):
        return None
    why = f" More than {FLOAT_CEILING:,.2f}." if amount > FLOAT_CEILING else ""
    return f"Open the shift with a float of {amount:,.2f}?{_barcode_words(text)}{why}"
