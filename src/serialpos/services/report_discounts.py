"""The discounts and price overrides of a sold line as the sales report and the sales-detail
export show them (issue 14 item 3): the money taken off the line, the reason and the manager
who approved it past the store's limit.

Read from the order line behind each invoice line (migration 0018's columns) and its order
(for a share of an order discount: the order's reason and approver). The money off is the
same figure the invoice prints (``line_discount`` on the line's amount before discounts), in
proportion when a refund note takes back part of a line, and negative on a refund note, as
its quantity and total are. A line with no discount shows 0.00 and no reason; a price
override alone (``list_price``) is not money off: its reason is shown with 0.00 unless a
discount was given too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from serialpos.db import order_repo as orepo
from serialpos.domain.discounts import CENT, LineTerms, line_discount

ZERO = Decimal("0.00")

_line, _order = orepo.line_t.c, orepo.order_t.c

#: Selected after the sales columns, in this order (see :func:`discount_of`).
DISCOUNT_COLUMNS: tuple[sa.ColumnElement[object], ...] = (
    _line.unit_price.label("line_price"),
    _line.quantity.label("line_quantity"),
    _line.discount,
    _line.discount_percent,
    _line.order_discount,
    _line.order_discount_percent,
    _line.discount_reason,
    _line.discount_approved_by,
    _order.discount_reason.label("order_reason"),
    _order.discount_approved_by.label("order_approved_by"),
)


def with_order_lines(joined: sa.FromClause) -> sa.FromClause:
    """``joined`` (invoice lines with their orders) with each invoice line's order line."""
    return joined.join(orepo.line_t, _line.id == orepo.invoice_line_t.c.order_line_id)


@dataclass(frozen=True)
class LineDiscount:
    amount: Decimal  # money off; 0.00 when none; negative on a refund note
    reason: str | None
    approved_by: str | None


#: A line with no discount, reason or approver.
_NONE = LineDiscount(ZERO, None, None)


def discount_of(values: Sequence[object], quantity: int, refund: bool) -> LineDiscount:
    """The discount of an invoice line of ``quantity`` units from its DISCOUNT_COLUMNS
    ``values`` (``refund``: a refund note's line, shown negative)."""
    if all(v is None for v in values[2:8]):
        return _NONE  # most lines: nothing given, nothing to work out
    (price, line_quantity, amount, percent, order_amount, order_percent) = values[:6]
    reason, approved_by, order_reason, order_approved_by = values[6:10]

    def money(value: object) -> Decimal | None:
        return None if value is None else orepo.money(value)

    def rate(value: object) -> Decimal | None:
        return None if value is None else orepo.rate(value)

    terms = LineTerms(money(amount), rate(percent), money(order_amount), rate(order_percent))
    off = ZERO
    if any(t is not None for t in (amount, percent, order_amount, order_percent)):
        units = int(line_quantity)  # type: ignore[call-overload]
        base = (orepo.money(price) * units).quantize(CENT, ROUND_HALF_UP)
        off = line_discount(base, terms)
        if units and abs(quantity) != units:
            off = (off * abs(quantity) / units).quantize(CENT, ROUND_HALF_UP)
    by_order = order_amount is not None or order_percent is not None
    reasons = [str(r) for r in (reason, order_reason if by_order else None) if r]
    approvers = [str(a) for a in (approved_by, order_approved_by if by_order else None) if a]
    return LineDiscount(
        -off if refund else off,
        "; ".join(dict.fromkeys(reasons)) or None,
        ", ".join(dict.fromkeys(approvers)) or None,
    )
