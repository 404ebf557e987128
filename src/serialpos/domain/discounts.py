"""Discounts and price overrides: what a cashier may give, how much it takes off a line, and
when a manager must approve it.

Decisions (issue 14 item 3):
- A discount is an amount or a percent, on one line or on the whole order, always with a
  reason. A price override replaces the line's unit price; the shelf price is kept beside it
  (``list_price``) so the invoice and reports show what was overridden.
- A discount comes off the line *before* tax: the line's amount (price x quantity, to the
  cent) less its discounts is what the tax rule (added, or extracted when prices include tax)
  works on, rounded per line, so a document's totals stay the exact sums of its lines.
- A line's own discount applies first; an order discount in percent then applies to what is
  left of each line; an order discount in money is spread over the lines in proportion to
  what is left of them (largest remainder to the cent, so the shares add up exactly).
- Above the store's ``discount_limit_percent`` (default 10) a manager's name and PIN are
  needed, recorded with who gave it and when: for a line, how far below its shelf price it is
  sold (price override and own discount together); for an order discount, how much it takes
  off what the lines come to after their own discounts.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from serialpos.domain.errors import BadRequest, BadValue
from serialpos.domain.limits import MAX_MONEY, check_money, parse_decimal
from serialpos.domain.text import clip

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
#: The store setting naming how far below the shelf price a cashier may go alone.
LIMIT_SETTING = "discount_limit_percent"
DEFAULT_LIMIT_PERCENT = Decimal(10)
MAX_REASON = 200


class DiscountKind(enum.StrEnum):
    AMOUNT = "amount"
    PERCENT = "percent"


@dataclass(frozen=True)
class Discount:
    """A discount as given: ``value`` is money for an amount, a percent (0-100) otherwise."""

    kind: DiscountKind
    value: Decimal

    def __post_init__(self) -> None:
        """Checked however it was made, so no caller can give more than 100% or a negative."""
        if self.kind is DiscountKind.PERCENT:
            parse_percent(str(self.value))
        else:
            parse_discount_amount(str(self.value))

    def label(self) -> str:
        if self.kind is DiscountKind.PERCENT:
            return f"-{self.value.normalize():f}%"
        return f"-{self.value:.2f}"


def parse_percent(value: str, field: str = "discount percent") -> Decimal:
    """A percent from 0 to 100 with at most three decimals; over 100 would pay the customer."""
    number = parse_decimal(value, field)
    if number < 0:
        raise BadValue(f"{field} '{clip(value)}' is negative; a discount takes money off")
    if number > HUNDRED:
        raise BadValue(
            f"{field} '{clip(value)}' is more than 100%: a discount cannot be more than the price"
        )
    if number != number.quantize(Decimal("0.001")):
        raise BadValue(f"{field} '{clip(value)}' has more than three decimals")
    return number


def parse_discount_amount(value: str, field: str = "discount") -> Decimal:
    number = parse_decimal(value, field)
    if number < 0:
        raise BadValue(f"{field} '{clip(value)}' is negative; a discount takes money off")
    return check_money(number, field, shown=value)


def parse_price(value: str, field: str = "price") -> Decimal:
    """An overriding unit price: zero or more, to the cent (a negative price is refused)."""
    number = parse_decimal(value, field)
    if number < 0:
        raise BadValue(f"{field} '{clip(value)}' is negative; a price is zero or more")
    return check_money(number, field, shown=value)


def parse_limit(value: str) -> Decimal:
    return parse_percent(value, LIMIT_SETTING)


def check_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise BadRequest("give a reason for the discount or price change", code="reason_required")
    if len(text) > MAX_REASON:
        raise BadValue(f"the reason is too long (at most {MAX_REASON} characters)")
    return text


def check_price(price: Decimal) -> Decimal:
    return parse_price(str(price))


def percent_of(base: Decimal, percent: Decimal) -> Decimal:
    return (base * percent / HUNDRED).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True)
class LineTerms:
    """What takes money off one line, as stored on it (None: not given)."""

    discount: Decimal | None = None
    discount_percent: Decimal | None = None
    order_discount: Decimal | None = None
    order_discount_percent: Decimal | None = None


def line_discount(base: Decimal, terms: LineTerms) -> Decimal:
    """The money taken off a line whose amount before discounts is ``base`` (to the cent):
    its own discount first, then the order's share; never more than ``base``."""
    own = ZERO
    if terms.discount_percent is not None:
        own = percent_of(base, terms.discount_percent)
    elif terms.discount is not None:
        own = terms.discount
    own = min(own, base) if base >= 0 else ZERO
    left = base - own
    share = ZERO
    if terms.order_discount_percent is not None:
        share = percent_of(left, terms.order_discount_percent)
    elif terms.order_discount is not None:
        share = terms.order_discount
    return own + min(share, left)


def check_line_discount(base: Decimal, discount: Discount, what: str) -> Decimal:
    """The money ``discount`` takes off a line of ``base``; refused past the line's amount."""
    if discount.kind is DiscountKind.PERCENT:
        return percent_of(base, discount.value)
    if discount.value > base:
        raise BadValue(
            f"a discount of {discount.value:.2f} is more than {what} ({base:.2f})",
            code="discount_too_large",
        )
    return discount.value


def allocate(amount: Decimal, bases: list[Decimal]) -> list[Decimal]:
    """``amount`` spread over ``bases`` in proportion, to the cent, adding up exactly (the
    cents left by rounding down go to the largest remainders, earliest first on a tie)."""
    total = sum(bases, ZERO)
    if amount > total:
        raise BadValue(
            f"a discount of {amount:.2f} is more than the order ({total:.2f})",
            code="discount_too_large",
        )
    if total == 0:
        return [ZERO for _ in bases]
    exact = [amount * b / total for b in bases]
    shares = [e.quantize(CENT, ROUND_DOWN) for e in exact]
    left = int(((amount - sum(shares, ZERO)) / CENT).to_integral_value())
    order = sorted(range(len(bases)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in order[:left]:
        shares[i] += CENT
    return shares


def now_words(
    label: str,
    unit_price: Decimal,
    quantity: int,
    discount: Decimal,
    net: Decimal,
    total: Decimal,
) -> str:
    """``was 39.99, now 30.00 before tax (36.00 with tax)``: what a line discount or price
    override left the line at, said on the basis of the line's unit price (the shelf price
    ``was`` names and the price column show), then the line's total with tax named as such.

    The counter said ``was 39.99, now 36.00``: a pre-tax shelf price beside a total with
    tax, so a 10% price match read as a 10% rise. Where prices include tax the unit price
    already holds it (the line's charge is its total), and one figure says it all."""
    charged = unit_price * quantity - discount
    each = (charged / quantity).quantize(CENT, ROUND_HALF_UP) if quantity > 0 else charged
    per = " each" if quantity != 1 else ""
    head = f"{label}, now {each:.2f}{per}" if label else f"price kept, now {each:.2f}{per}"
    if net == total:  # no tax on the line: one basis
        return head
    if charged == total:  # prices include tax: the unit price holds it already
        return f"{head} with tax"
    whole = f"{total:.2f} with tax" if quantity == 1 else f"{quantity} for {total:.2f} with tax"
    return f"{head} before tax ({whole})"


def over_limit(list_amount: Decimal, charged: Decimal, limit_percent: Decimal) -> bool:
    """Whether charging ``charged`` for what lists at ``list_amount`` goes further below the
    shelf price than the store lets a cashier go alone (a raised price never does). The
    allowance is the limit's percent of the list amount rounded to the cent like any discount,
    so a 10% discount at a 10% limit is allowed whatever the rounding."""
    if list_amount <= 0 or charged >= list_amount:
        return False
    return list_amount - charged > percent_of(list_amount, limit_percent)


def check_total(value: Decimal, field: str) -> None:
    if abs(value) > MAX_MONEY:
        raise BadValue(f"the {field} would be {value:,}, past the limit of {MAX_MONEY:,}")


def parse_counter_entry(text: str) -> tuple[Discount | None, Decimal | None]:
    """What a cashier types in the discount dialog: ``10%`` (a percent off), ``5.00`` (an
    amount off) or ``=450.00`` (a new unit price). Returns (discount, price)."""
    value = text.strip().replace(" ", "")
    if not value:
        raise BadValue("type 10% for a percent off, 5.00 for an amount off, or =450.00 for a price")
    if value.startswith("="):
        return None, parse_price(value[1:])
    if value.endswith("%"):
        return Discount(DiscountKind.PERCENT, parse_percent(value[:-1])), None
    return Discount(DiscountKind.AMOUNT, parse_discount_amount(value)), None
