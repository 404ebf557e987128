"""Sale orders as the counter sees them: types, delivery modes, lines, serial indicators, the
fulfilment gate, tax and totals.

Prices are tax-exclusive; tax is computed per line and rounded half-up to the cent, so the
invoice's lines add up to its totals exactly.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

from serialpos.domain.errors import BadRequest, BadValue, SerialRequired
from serialpos.domain.limits import MAX_MONEY, parse_decimal
from serialpos.domain.members import Members
from serialpos.domain.products import SerialMode
from serialpos.domain.text import clip

CENT = Decimal("0.01")


class SaleType(enum.StrEnum):
    SALE = "sale"
    SPECIAL_ORDER = "special_order"
    LAYBY = "layby"

    @property
    def label(self) -> str:
        return {"sale": "Sale", "special_order": "Special Order", "layby": "Lay-by"}[self.value]

    @classmethod
    def parse(cls, value: str) -> SaleType:
        return _parse(cls, value, "sale type")


class DeliveryMode(enum.StrEnum):
    CASH_AND_CARRY = "cash_and_carry"
    PICKUP = "pickup"
    DELIVERY = "delivery"

    @property
    def label(self) -> str:
        return {
            "cash_and_carry": "Cash and Carry",
            "pickup": "Pickup Later",
            "delivery": "Delivery",
        }[self.value]

    @classmethod
    def parse(cls, value: str) -> DeliveryMode:
        return _parse(cls, value, "delivery mode")


class PaymentMethod(enum.StrEnum):
    CASH = "cash"
    CARD = "card"
    OTHER = "other"

    @classmethod
    def parse(cls, value: str) -> PaymentMethod:
        return _parse(cls, value, "payment method")


#: The payment method of exchange credit: a refund carried from an exchange's return to its
#: new sale (services/exchanges.py); no tender, so not a :class:`PaymentMethod`.
EXCHANGE_CREDIT = "exchange"


class OrderStatus(enum.StrEnum):
    OPEN = "open"  # being rung up, or waiting for fulfilment (special order, lay-by)
    PARKED = "parked"  # set aside at the counter, to be resumed
    FULFILLED = "fulfilled"  # every line handed over
    VOIDED = "voided"


class LineStatus(enum.StrEnum):
    OPEN = "open"
    FULFILLED = "fulfilled"
    RETURNED = "returned"
    REMOVED = "removed"


E = TypeVar("E", bound=enum.StrEnum)


#: Other spellings taken for a value.
_ALIASES = {"lay_by": "layby", "pickup_later": "pickup", "cash_carry": "cash_and_carry"}


def _parse(cls: type[E], value: str, what: str) -> E:
    text = value.strip().lower().replace("-", "_").replace(" ", "_")
    text = _ALIASES.get(text, text)
    # The members by value (Enum's own map: one lookup, not a walk calling ``.value`` on
    # each member; an alias member is not in it, as iterating the class skipped aliases).
    found = cls._value2member_map_.get(text)
    if found is not None:
        return found  # type: ignore[return-value]
    raise BadValue(f"{what} '{clip(value)}' is not one of {', '.join(m.value for m in cls)}")


class SerialIndicator(enum.StrEnum):
    """What a sale line shows about its serial: colour for most, symbol and word for all."""

    MISSING_REQUIRED = "missing_required"  # red
    MISSING_OPTIONAL = "missing_optional"  # orange
    RECORDED = "recorded"  # blue
    NONE = "none"  # serials disabled: no indicator

    @property
    def symbol(self) -> str:
        return {
            "missing_required": "✗ S/N needed",
            "missing_optional": "? S/N optional",
            "recorded": "✓ S/N",
            "none": "",
        }[self.value]


def serial_indicator(mode: SerialMode, serial: str | None) -> SerialIndicator:
    if mode is SerialMode.DISABLED:
        return SerialIndicator.NONE
    if serial:
        return SerialIndicator.RECORDED
    if mode is SerialMode.REQUIRED:
        return SerialIndicator.MISSING_REQUIRED
    return SerialIndicator.MISSING_OPTIONAL


def check_quantity_change(mode: SerialMode, sku: str, new_quantity: int) -> None:
    """A serial-tracked line is one unit: more units are more lines."""
    if new_quantity < 1:
        raise BadValue("quantity must be at least 1; remove the line instead")
    if mode.tracked and new_quantity != 1:
        raise BadRequest(
            f"{sku} is sold one unit per line so each unit's serial is recorded: "
            "add another line instead of raising the quantity"
        )


def merges_into_existing_line(mode: SerialMode, aggregate_duplicates: bool) -> bool:
    """'Aggregate duplicate items' applies only to products whose serials are disabled."""
    return aggregate_duplicates and mode is SerialMode.DISABLED


@dataclass(frozen=True)
class LineForGate:
    number: int
    sku: str
    serial_mode: SerialMode
    serial: str | None


def check_fulfilment_gate(lines: Iterable[LineForGate]) -> None:
    """Refuse fulfilment while any line to fulfil lacks its required serial; name the lines."""
    missing = [ln for ln in lines if ln.serial_mode is SerialMode.REQUIRED and not ln.serial]
    if missing:
        names = ", ".join(f"line {ln.number} ({ln.sku})" for ln in missing)
        raise SerialRequired(f"a serial is required before fulfilment on {names}")


@dataclass(frozen=True)
class LineAmounts:
    net: Decimal
    tax: Decimal

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax


def line_amounts(
    unit_price: Decimal,
    quantity: int,
    tax_rate: Decimal | None,
    tax_included: bool = False,
    discount: Decimal = Decimal("0.00"),
) -> LineAmounts:
    """A line's net and tax, each rounded to the cent (ROUND_HALF_UP) per line, so a document's
    totals are the exact sums of what its lines show.

    ``tax_included`` (the chain's ``prices_include_tax`` or the product's own value, taken when
    the line was added): the price is the shelf price the customer pays, and the tax is
    extracted from it (``gross * rate / (100 + rate)``), never added: 799.00 at 20% is 799.00,
    of which 133.17 tax. Otherwise the tax is added to the price. A line whose total would pass
    MAX_MONEY is a ``bad_value`` (checked before rounding, which would raise past 28 digits).
    ``discount``: money taken off the line before tax (never more than its amount)."""
    rate = tax_rate or Decimal(0)
    amount = unit_price * quantity
    if abs(amount) * (1 + (Decimal(0) if tax_included else rate) / 100) > MAX_MONEY:
        raise BadValue(
            f"the line total of {quantity:,} x {unit_price} is too large (at most {MAX_MONEY:,})"
        )
    # A discount (domain/discounts.py) comes off before tax, from the amount rounded to the cent.
    amount = amount.quantize(CENT, ROUND_HALF_UP) - discount
    if tax_included:
        tax = (amount * rate / (100 + rate)).quantize(CENT, ROUND_HALF_UP)
        return LineAmounts(amount - tax, tax)
    tax = (amount * rate / 100).quantize(CENT, ROUND_HALF_UP)
    return LineAmounts(amount, tax)


@dataclass(frozen=True)
class Totals:
    net: Decimal
    tax: Decimal
    total: Decimal
    paid: Decimal

    @property
    def due(self) -> Decimal:
        return max(self.total - self.paid, Decimal("0.00"))

    @property
    def change(self) -> Decimal:
        return max(self.paid - self.total, Decimal("0.00"))


def totals(lines: Iterable[LineAmounts], payments: Iterable[Decimal] = ()) -> Totals:
    net = tax = Decimal("0.00")
    for amounts in lines:
        net += amounts.net
        tax += amounts.tax
    paid = sum(payments, Decimal("0.00"))
    for field, value in (("order total", net + tax), ("total paid", paid)):
        if abs(value) > MAX_MONEY:
            raise BadValue(f"the {field} would be {value:,}, past the limit of {MAX_MONEY:,}")
    return Totals(net, tax, net + tax, paid)


def parse_amount(value: str, field: str = "amount") -> Decimal:
    """A payment amount: a number more than zero, to the cent, within MAX_MONEY. Never raises
    past the domain (``1e30``, ``1e999999``, 28 digits are each a ``bad_value``)."""
    amount = parse_decimal(value, field)
    if amount <= 0 or abs(amount) > MAX_MONEY or amount != amount.quantize(CENT):
        raise BadValue(
            f"{field} '{clip(value)}' must be more than zero, to the cent, and at "
            f"most {MAX_MONEY:,}"
        )
    return amount


def check_change_in_cash(still_due: Decimal, tendered: Iterable[tuple[str, Decimal]]) -> None:
    """Card and other tenders pay at most what is still due on the order: change is counted
    out of the drawer in cash, so a card over the total would take cash out for money the
    drawer never held (a walk tendered card 500.00 on a 15.59 sale: 484.41 "change" left
    the drawer and the X report's cash came out short). Cash may be tendered over the total,
    the change given from it; so may the rest after a card that pays exactly what is due."""
    room = max(still_due, Decimal("0.00"))
    by_card = [(m, a) for m, a in tendered if m in (PaymentMethod.CARD, PaymentMethod.OTHER)]
    not_cash = sum((a for _m, a in by_card), Decimal("0.00"))
    if not_cash > room:
        named = " and ".join(sorted({str(m) for m, _a in by_card}))
        raise BadRequest(
            f"{named} {not_cash:.2f} is more than the {room:.2f} due: change is given in cash only"
        )


def cash_kept(still_due: Decimal, method: str, tendered: Decimal) -> tuple[Decimal, Decimal]:
    """(what the order keeps, the change given back) of money handed over at the counter
    for an order that stays open (a lay-by's deposit, a special order's payment): cash over
    what is still due is given back, as the tender dialog shows as it is typed, and the
    order records only what it owed. Recording the whole note left a lay-by paid past its
    total while the cashier gave the change the screen showed (the drawer short against
    the X report) or kept it (the customer short-changed). Nothing due, nothing to take;
    card and other tenders over the due are :func:`check_change_in_cash`'s refusal."""
    if still_due <= 0:
        raise BadRequest(f"nothing is due on this order: {tendered:.2f} not taken")
    if method == PaymentMethod.CASH and tendered > still_due:
        return still_due, tendered - still_due
    return tendered, Decimal("0.00")


def refunds_on_void(payments: Iterable[tuple[str, Decimal]]) -> tuple[tuple[str, Decimal], ...]:
    """What voiding an order hands back: per payment method, what the customer has paid net
    that way (payments less change and refunds already given), in the order the methods were
    first used. Each becomes a refund payment (a negative amount) of that method, so a voided
    order holds no money and the drawer and card totals stay true."""
    net: dict[str, Decimal] = {}
    for method, amount in payments:
        net[method] = net.get(method, Decimal("0.00")) + amount
    return tuple((method, amount) for method, amount in net.items() if amount > 0)


def refunds_of_overpay(
    payments: Iterable[tuple[str, Decimal]], over: Decimal
) -> tuple[tuple[str, Decimal], ...]:
    """What cancelling the open rest of a partly fulfilled order hands back: ``over`` (what
    the customer paid beyond the lines they keep), taken from the tenders they paid net,
    the most recently first-used tender first (the deposit's own tender last), never more
    than a tender holds. Less than ``over`` when the tenders hold less (the caller refuses)."""
    left = over
    out: list[tuple[str, Decimal]] = []
    for method, amount in reversed(refunds_on_void(payments)):
        if left <= 0:
            break
        take = min(amount, left)
        out.append((method, take))
        left -= take
    return tuple(out)


# Stored values as members (domain/members.py: a dict lookup, not the enum call).
SALE_TYPES: Members[SaleType] = Members(SaleType)
DELIVERY_MODES: Members[DeliveryMode] = Members(DeliveryMode)
ORDER_STATUSES: Members[OrderStatus] = Members(OrderStatus)
LINE_STATUSES: Members[LineStatus] = Members(LineStatus)


def closed_order_words(order: str, status: str) -> str | None:
    """Why order ``order`` in ``status`` can no longer change (be paid, parked, voided,
    discounted), in the words ``apply`` answers ``order_closed`` with; None while it is open
    or parked. A sale screen showing a fulfilled order says this, not "no order yet"."""
    if status in (OrderStatus.OPEN, OrderStatus.PARKED):
        return None
    if status == OrderStatus.FULFILLED:
        return f"order {order} is fulfilled: return it and re-issue on a new invoice"
    return f"order {order} is {status}; it cannot change"


def fulfilled_payment_refusal(
    order: str, total: Decimal, paid: Decimal, amount: Decimal
) -> str | None:
    """Why a payment of ``amount`` cannot be taken on fulfilled order ``order`` (total
    ``total``, ``paid`` net), in the words ``apply`` answers ``order_closed`` with; None when
    it may. A fulfilled order normally holds its total and takes nothing more, but one can owe:
    a till's void of it, booked at central by ``refund`` (services/conflict_closed_money.py),
    paid the customer back while they kept the goods. That balance is collected on the order
    itself, up to what it owes (never beyond: a fulfilled order holding more than its total is
    ``order_overpaid`` and has nothing left to spend it on)."""
    owed = total - paid
    if owed <= 0:
        return closed_order_words(order, OrderStatus.FULFILLED)
    if amount > owed:
        return (
            f"order {order} is fulfilled and owes {owed:.2f}: a payment of {amount:.2f} is "
            f"more than that; take at most {owed:.2f}"
        )
    return None


def surplus_refusal(
    order: str, status: str, total: Decimal, paid: Decimal, amount: Decimal
) -> str | None:
    """Why ``amount`` cannot be given back out of what order ``order`` (``status``, total
    ``total``, ``paid`` net) holds over its total, in the words ``apply`` answers
    ``order_closed`` with; None when it may. Only a fulfilled order holds a surplus for
    good (``order_overpaid``: a till that took the balance its copy showed while central
    had taken part of it: services/orders/checkout.py ``change_given``); an open one hands
    it back as change when it is fulfilled, a void refunds everything."""
    if status != OrderStatus.FULFILLED:
        return (
            f"order {order} is {status}: only a fulfilled order's money over its total is "
            "given back this way (an open order's is change at its fulfilment, a void "
            "refunds everything)"
        )
    over = paid - total
    if over <= 0:
        return f"order {order} holds nothing over its total ({total:.2f}): nothing to give back"
    if amount > over:
        return (
            f"order {order} holds {over:.2f} over its total: a refund of {amount:.2f} is "
            f"more than that; give back at most {over:.2f}"
        )
    return None


def nothing_to_return(order: str, status: str, line_statuses: Iterable[str]) -> str | None:
    """Why an order found at the returns screen has nothing left to return, in words, or None
    when some line was sold (fulfilled) and can come back. "0 sold lines" told the clerk
    nothing: the order was voided, every sold line came back already, or nothing on it was
    handed over yet (an open or parked order: remove or void its lines at the counter)."""
    lines = [str(s) for s in line_statuses]
    if LineStatus.FULFILLED in lines:
        return None
    if status == OrderStatus.VOIDED:
        return f"{order} was voided: nothing on it was sold, nothing to return"
    if not lines:
        return f"{order} has no lines: nothing to return"
    returned = lines.count(LineStatus.RETURNED)
    if returned == len(lines):
        every = "its line was" if returned == 1 else f"all {returned} lines were"
        return f"nothing left to return on {order}: {every} returned already"
    waiting = len(lines) - returned
    not_yet = f"{waiting} line{'s' * (waiting != 1)} not fulfilled yet"
    if returned:
        return f"nothing left to return on {order}: {returned} returned already, {not_yet}"
    return f"nothing to return on {order}: it is {status}, {not_yet}"


def other_stores_return_words(order: str, store: str | None) -> str:
    """Why a store terminal refuses the return of another store's sale, and what to do.

    A till holds copies of its own store's sales only (terminal/order_copies.py): of
    another store's order it cannot tell offline whether the line is still sold (returned
    at a third store meanwhile?) nor what was paid, so a refund there could pay twice or
    wrongly. Central books such a return where the unit is handed in (docs/receipts.md, "A
    return at another store"): the words say to take it there, with this store."""
    at = f" with store {store}" if store else ""
    return (
        f"order {order} is another store's sale, which this till holds no copy of: take the "
        f"return at central's counter{at} (order_return's store), which books the refund "
        "note and the refund at this store"
    )
