"""A unit's warranty: from the date it was sold and its product's warranty period in months.

Decisions (what the serial card and ``serialpos serial show`` say):

* The warranty starts on the day of the sale: the local date of the unit's SELL event (its
  fulfilment, when the invoice was issued), not the day the order was opened.
* It ends on the sale date plus the months, calendar-correctly: a month added to Jan 31 is
  Feb 28 (or 29 in a leap year), never Mar 3. The end date itself is still covered.
* A unit that was sold, returned and sold again is covered from its latest sale: a returned
  unit is the shop's again and a new buyer gets a whole warranty. A unit returned and not sold
  again is "not sold" (the warranty starts at the next sale), and the card says when it came
  back.
* No period on the product (``None``) is "no warranty period set"; a period of 0 months is a
  product sold without warranty.
* On a store terminal, a sale central did not take (the card's ``NOT TAKEN``: another till
  sold the unit first, or central refused the entry) gives no warranty: central, which
  decides, has no such sale (issue 16).
"""

from __future__ import annotations

import calendar
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

SOLD = "sell"
RETURNED = frozenset({"return", "return_damaged"})


class WarrantyKind(enum.StrEnum):
    ACTIVE = "active"
    ENDED = "ended"
    NO_PERIOD = "no_period"
    NONE = "none"  # the product's period is 0 months
    NOT_SOLD = "not_sold"
    NOT_TAKEN = "not_taken"  # the sale in effect here is one central did not take


@dataclass(frozen=True)
class Warranty:
    """A unit's warranty as of ``today``; ``words`` is what a shop person reads."""

    kind: WarrantyKind
    sold_on: date | None = None
    months: int | None = None
    ends_on: date | None = None
    days_left: int | None = None
    returned_on: date | None = None

    @property
    def words(self) -> str:
        if self.kind is WarrantyKind.ACTIVE:
            assert self.ends_on is not None and self.days_left is not None
            left = {0: "last day today", 1: "1 day left"}.get(
                self.days_left, f"{self.days_left} days left"
            )
            return f"in warranty until {self.ends_on.isoformat()} ({left})"
        if self.kind is WarrantyKind.ENDED:
            assert self.ends_on is not None
            return f"warranty ended {self.ends_on.isoformat()}"
        if self.kind is WarrantyKind.NO_PERIOD:
            return "no warranty period set for this product"
        if self.kind is WarrantyKind.NONE:
            return "sold without warranty (0 months for this product)"
        if self.kind is WarrantyKind.NOT_TAKEN:
            return "no warranty: sale not taken by central"
        if self.returned_on is not None:
            return (
                f"not sold: returned {self.returned_on.isoformat()} "
                "(warranty starts at the next sale)"
            )
        return "not sold (warranty starts at sale)"


def add_months(start: date, months: int) -> date:
    """``start`` plus whole calendar months; a day the target month lacks becomes its last day
    (Jan 31 + 1 month = Feb 28 or 29)."""
    if months < 0:
        raise ValueError("months must be zero or more")
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def sale_dates(history: Iterable[tuple[str, date]]) -> tuple[date | None, date | None]:
    """From a unit's events (action, local date) in order: the date of the sale now in effect
    and, when the latest sale was undone by a return, the date it came back."""
    sold: date | None = None
    returned: date | None = None
    for action, on in history:
        if action == SOLD:
            sold, returned = on, None
        elif action in RETURNED and sold is not None:
            sold, returned = None, on
    return sold, returned


def warranty(
    sold_on: date | None, months: int | None, today: date, returned_on: date | None = None
) -> Warranty:
    """The warranty of a unit sold on ``sold_on`` (None: not sold now) whose product has a
    period of ``months`` (None: not set)."""
    if sold_on is None:
        return Warranty(WarrantyKind.NOT_SOLD, months=months, returned_on=returned_on)
    if months is None:
        return Warranty(WarrantyKind.NO_PERIOD, sold_on=sold_on)
    if months == 0:
        return Warranty(WarrantyKind.NONE, sold_on=sold_on, months=0)
    ends = add_months(sold_on, months)
    if today > ends:
        return Warranty(WarrantyKind.ENDED, sold_on, months, ends)
    return Warranty(WarrantyKind.ACTIVE, sold_on, months, ends, (ends - today).days)
