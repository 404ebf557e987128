"""Service results as the API's JSON: plain keys, dates as ISO 8601 (UTC with ``Z``), money
as decimal text (never a float that would round)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from serialpos.domain.products import Product
from serialpos.domain.shifts import takings
from serialpos.services.lookup import UnitCard
from serialpos.services.orders.views import OrderView
from serialpos.services.serial_search import SearchMatch
from serialpos.services.stock import StockLine


def when(at: datetime | None) -> str | None:
    return None if at is None else at.isoformat(timespec="seconds") + "Z"


def day(at: date | None) -> str | None:
    return None if at is None else at.isoformat()


def money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def card(c: UnitCard, customer: str | None) -> dict[str, Any]:
    """One unit's serial card: where it is, its sale, warranty and timeline."""
    w = c.warranty
    return {
        "serial": c.serial,
        "sku": c.sku,
        "product": c.product_name,
        "state": c.state,
        "store": c.store,
        "package": c.package,
        "order": None if c.sale is None else c.sale.order,
        "order_line": None if c.sale is None else c.sale.line,
        "invoice": None if c.sale is None else c.sale.invoice,
        "customer": customer,
        "warranty": None
        if w is None
        else {
            "state": w.kind.value,
            "words": w.words,
            "months": w.months,
            "sold_on": day(w.sold_on),
            "ends_on": day(w.ends_on),
            "days_left": w.days_left,
        },
        "timeline": [
            {
                "at": when(t.at),
                "what": t.what,
                "user": t.who,
                "terminal": t.terminal,
                "store": t.store,
                "document": t.document or None,
                "reason": t.reason,
            }
            for t in c.timeline
        ],
    }


def match(m: SearchMatch) -> dict[str, Any]:
    return {
        "serial": m.serial,
        "sku": m.sku,
        "product": m.product_name,
        "state": m.state,
        "store": m.store,
        "order": m.order,
        "invoice": m.invoice,
        "sold_at": when(m.sold_at),
        "customer": m.customer,
    }


def product(p: Product) -> dict[str, Any]:
    return {
        "sku": p.sku,
        "name": p.name,
        "price": money(p.price),
        "serial_mode": p.serial_mode.value,
        "serial_format": p.serial_format,
        "barcodes": list(p.barcodes),
        "tax_rate": money(p.tax_rate),
        "warranty_months": p.warranty_months,
        "bin": p.bin,
        "package_type": p.package_type,
        "components": [{"sku": sku, "quantity": q} for sku, q in p.components],
    }


def stock_line(s: StockLine) -> dict[str, Any]:
    return {
        "store": s.store,
        "sku": s.sku,
        "product": s.name,
        "serial_mode": s.serial_mode,
        "quantity": s.quantity,
        "units_in_stock": s.units_in_stock,
    }


def order(v: OrderView) -> dict[str, Any]:
    c = v.customer
    return {
        "order": v.order,
        "store": v.store,
        "type": v.type.value,
        "delivery": v.delivery.value,
        "status": v.status.value,
        "customer": None if c is None else {"name": c.name, "phone": c.phone, "address": c.address},
        "total": money(v.totals.total),
        "paid": money(v.totals.paid),
        "due": money(v.totals.due),
        "invoices": list(v.invoices),
        # Every money row in the order it was taken (payments in, change and refunds stored
        # negative), then the net per method: a manager settling a till's conflict, or a
        # customer asking what they paid by card, needs the methods, not only ``paid``.
        "payments": [
            {
                "kind": p.kind,
                "method": p.method,
                "amount": money(p.amount),
                "at": when(p.at),
                "invoice": p.invoice,
            }
            for p in v.payments
        ],
        "by_method": [
            {
                "method": t.method,
                "payments": f"{t.payments:.2f}",
                "change": f"{t.change:.2f}",
                "refunds": f"{t.refunds:.2f}",
                "net": f"{t.net:.2f}",
            }
            for t in takings((p.kind, p.method, p.amount) for p in v.payments)
        ],
        "created_by": v.created_by,
        "created_at": when(v.created_at),
        "lines": [
            {
                "line": ln.line,
                "number": ln.number,
                "sku": ln.sku,
                "name": ln.name,
                "quantity": ln.quantity,
                "unit_price": money(ln.unit_price),
                "total": money(ln.total),
                "serial_mode": ln.serial_mode.value,
                "serial": ln.serial,
                "status": ln.status.value,
                "invoice": ln.invoice,
            }
            for ln in v.lines
        ],
    }
