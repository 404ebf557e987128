"""How an order's discounts read on its view: the money off each line and the words for what
was given, from the columns of migration 0018 (absent on rows read before it: no discount).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_HALF_UP

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import line_money
from serialpos.db import order_repo as orepo
from serialpos.domain.discounts import CENT, Discount, DiscountKind, line_discount
from serialpos.services.orders.views import OrderLineView, OrderView


def _given(amount: object, percent: object) -> str:
    if percent is not None:
        return Discount(DiscountKind.PERCENT, orepo.rate(percent)).label()
    if amount is not None:
        return Discount(DiscountKind.AMOUNT, orepo.money(amount)).label()
    return ""


def with_line_discount(view: OrderLineView, row: sa.Row[object]) -> OrderLineView:
    """``view`` with the discount fields of its order line row."""
    m = row._mapping
    if (
        m.get("discount_reason") is None
        and m.get("order_discount") is None
        and (m.get("order_discount_percent") is None)
    ):
        return view
    price = orepo.money(m["unit_price"])
    off = line_discount(
        (price * m["quantity"]).quantize(CENT, ROUND_HALF_UP), line_money.row_terms(row)
    )
    own = _given(m.get("discount"), m.get("discount_percent"))
    order = _given(m.get("order_discount"), m.get("order_discount_percent"))
    words = [w for w in (own, f"order {order}" if order else "") if w]
    if m.get("list_price") is not None:
        words.insert(0, f"was {orepo.money(m['list_price']):.2f}")
    return replace(
        view,
        list_price=None if m.get("list_price") is None else orepo.money(m["list_price"]),
        discount=off,
        discount_label=", ".join(words),
        discount_reason=m.get("discount_reason"),
        discount_approved_by=m.get("discount_approved_by"),
    )


def with_order_discount(view: OrderView, row: sa.Row[object]) -> OrderView:
    """``view`` with the discount and exchange fields of its order row."""
    m = row._mapping
    get = m.get
    if (  # written out, not a generator: this runs on every step of every sale
        get("discount") is None
        and get("discount_percent") is None
        and get("discount_reason") is None
        and get("exchange_of") is None
        and get("discount_approved_by") is None
    ):
        return view  # the counter's common case: nothing to add
    return replace(
        view,
        discount_label=_given(m.get("discount"), m.get("discount_percent")),
        discount_reason=m.get("discount_reason"),
        discount_approved_by=m.get("discount_approved_by"),
        exchange_of=m.get("exchange_of"),
    )


def discount_notes(conn: Connection, invoice_id: int) -> dict[int, str]:
    """Order line id -> the words printed under an invoice line for its discount or price
    override: what was given, the money off, the reason and the approving manager."""
    c, il, o = orepo.line_t.c, orepo.invoice_line_t.c, orepo.order_t.c
    rows = conn.execute(
        sa.select(orepo.line_t)
        .join(orepo.invoice_line_t, il.order_line_id == c.id)
        .where(il.invoice_id == invoice_id)
    ).all()
    order_reason = conn.execute(
        sa.select(o.discount_reason)
        .join(orepo.invoice_t, orepo.invoice_t.c.order_id == o.id)
        .where(orepo.invoice_t.c.id == invoice_id)
    ).scalar()
    notes = {}
    for row in rows:
        m = row._mapping
        if (
            m["discount_reason"] is None
            and m["order_discount"] is None
            and (m["order_discount_percent"] is None)
        ):
            continue
        price = orepo.money(m["unit_price"])
        off = line_discount(
            (price * m["quantity"]).quantize(CENT, ROUND_HALF_UP), line_money.row_terms(row)
        )
        own = _given(m["discount"], m["discount_percent"])
        order = _given(m["order_discount"], m["order_discount_percent"])
        words = [w for w in (own, f"order {order}" if order else "") if w]
        text = f"Discount {', '.join(words)} = -{off:.2f}" if words else ""
        if m["list_price"] is not None:
            text = f"Price {price:.2f} (shelf {orepo.money(m['list_price']):.2f})" + (
                f"; {text}" if text else ""
            )
        reasons = [m["discount_reason"], order_reason if order else None]
        if any(reasons):
            text += ": " + "; ".join(r for r in reasons if r)
        if m["discount_approved_by"]:
            text += f" (approved by {m['discount_approved_by']})"
        notes[int(m["id"])] = text
    return notes
