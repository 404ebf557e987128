"""A till shift's money: the takings by payment method, the cash the drawer should hold, and the
difference against what was counted (the X and Z reports).

Decisions:

* Every amount that moved in the shift counts, by kind: payments in, change handed back and
  refunds paid out (both stored negative). Only cash moves the drawer; card and other
  takings are listed for the settlement with the bank, never added to the expected cash.
* Expected cash = opening float + cash payments - cash change - cash refunds. The difference
  is counted - expected: negative is a shortage, positive an overage.
* Change beyond the cash the drawer should hold (an exchange's credit over the new sale) is
  named with the cash short before it is given (:func:`change_beyond_drawer`).
* Amounts are exact decimals to the cent; the float and the count may be zero (a till that
  starts empty), never negative.
* A store terminal's sale central did not take (a conflict, a refusal) still counts: its cash
  is in the drawer until a manager settles it (a refund, a void at central). The report lists
  it apart with its amount, so the till's total and central's differ by exactly that.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from serialpos.domain.errors import BadValue
from serialpos.domain.limits import MAX_MONEY, parse_decimal
from serialpos.domain.orders import CENT
from serialpos.domain.text import clip

CASH = "cash"


def parse_cash(value: str, field: str) -> Decimal:
    """An opening float or a counted amount: zero or more, to the cent."""
    amount = parse_decimal(value, field)
    if amount < 0 or amount > MAX_MONEY or amount != amount.quantize(CENT):
        raise BadValue(
            f"{field} '{clip(value)}' must be zero or more, to the cent, and at most {MAX_MONEY:,}"
        )
    return amount.quantize(CENT)


@dataclass(frozen=True)
class MethodTakings:
    """One payment method in one shift. ``change`` and ``refunds`` are positive amounts paid
    out; ``net`` is what the method holds at the end."""

    method: str
    payments: Decimal
    change: Decimal
    refunds: Decimal
    count: int

    @property
    def net(self) -> Decimal:
        return self.payments - self.change - self.refunds


def takings(moves: Iterable[tuple[str, str, Decimal]]) -> tuple[MethodTakings, ...]:
    """``(kind, method, amount)`` rows of a shift's payments, summed per method (cash first,
    then by name)."""
    sums: dict[str, list[Decimal]] = {}
    counts: dict[str, int] = {}
    for kind, method, amount in moves:
        row = sums.setdefault(method, [Decimal(0), Decimal(0), Decimal(0)])
        if kind == "payment":
            row[0] += amount
            counts[method] = counts.get(method, 0) + 1
        elif kind == "change":
            row[1] += -amount
        else:
            row[2] += -amount
        counts.setdefault(method, 0)
    order = sorted(sums, key=lambda m: (m != CASH, m))
    return tuple(MethodTakings(m, sums[m][0], sums[m][1], sums[m][2], counts[m]) for m in order)


def expected_cash(opening_float: Decimal, by_method: Iterable[MethodTakings]) -> Decimal:
    cash = sum((t.net for t in by_method if t.method == CASH), Decimal(0))
    return opening_float + cash


def change_beyond_drawer(change: Decimal, drawer: Decimal) -> str | None:
    """Why ``change`` cannot simply be counted out of a drawer expected to hold ``drawer`` (the
    shift's expected cash plus the cash tendered with it), naming the cash short; None when it
    can. Only an exchange's surplus (its credit over the new sale's total) makes such change:
    change of a cash tender comes out of that tender. The drawer's figure is what the shift's
    books say, not a count (a safe drop, cash brought from the safe), so the counter asks the
    cashier to confirm rather than refuse: a professional till warns before the drawer is
    emptied, and the customer is not sent away over a figure."""
    short = change - drawer
    if change <= 0 or short <= 0:
        return None
    held = max(drawer, Decimal(0))
    return (
        f"change {change:.2f} is more than the {held:.2f} cash the drawer should hold "
        f"(short {short:.2f})"
    )


@dataclass(frozen=True)
class NotTakenSale:
    """A sale (or refund) a store terminal made in the shift that central did not take
    (services/not_taken.py): its document and the net amount its payments moved in the
    shift (negative for a refund paid out)."""

    document: str
    amount: Decimal
    #: A refund note (money paid out), not an invoice: the report's note says which.
    refund_note: bool = False


@dataclass(frozen=True)
class ShiftReport:
    """An X report (the shift still open) or a Z report (closed, with the count)."""

    kind: str  # "X" or "Z"
    store_code: str
    store_name: str
    terminal: str
    number: int
    opened_at: datetime
    opened_by: str
    opening_float: Decimal
    takings: tuple[MethodTakings, ...]
    expected_cash: Decimal
    made_at: datetime
    made_by: str
    store_address: str | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    counted_cash: Decimal | None = None
    #: On a store terminal, the shift's sales central did not take. Their money is in the
    #: takings and the expected cash (the drawer holds it); they are listed so the
    #: difference with central's figures, which have no such sales, is explained.
    not_taken: tuple[NotTakenSale, ...] = ()

    @property
    def difference(self) -> Decimal | None:
        """Counted minus expected: negative is cash short, positive is cash over."""
        return None if self.counted_cash is None else self.counted_cash - self.expected_cash

    @property
    def difference_words(self) -> str:
        diff = self.difference
        if diff is None:
            return "not counted yet"
        if diff == 0:
            return "the drawer balances"
        return f"{abs(diff):,.2f} {'short' if diff < 0 else 'over'}"

    @property
    def total_taken(self) -> Decimal:
        return sum((t.net for t in self.takings), Decimal(0))

    @property
    def not_taken_total(self) -> Decimal:
        """What the sales central did not take moved in the shift (in the takings)."""
        return sum((n.amount for n in self.not_taken), Decimal("0.00"))  # "0.00" in JSON
