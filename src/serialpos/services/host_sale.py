"""A sale a host system sends (``serialpos apply`` op ``sell``): the units leave as sold and an
invoice is issued, as at the counter, so the sale is in every report and export.

Before (issue 10, case 9) a host ``sell`` moved the units and recorded nothing else: the
sales report, its serial filter and the sales export, which read invoices, never saw it. Now
one transaction records the ledger move exactly as before (the same checks, refusals and
events, on the host's ``document`` when it gives one, else on the order), and an order of
type sale, cash and carry, fulfilled at once: one line per unit for a serial-tracked product
(one line of the quantity otherwise) at the product's price and tax, its invoice, and a
payment of the invoice total. The host took the money, so the payment's method is the one it
names, ``other`` unless it says (never ``cash``: the drawer did not receive it). A store
terminal's ``sell`` carries the price the till charged (``catalogue_price``): the lines take
it, central's kept beside it when it differs (services/orders/till_price.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_repo as orepo
from serialpos.db import sale_products
from serialpos.db.engine import Database
from serialpos.domain.errors import BadRequest
from serialpos.domain.events import DocumentRef
from serialpos.domain.orders import DeliveryMode, LineStatus, OrderStatus, PaymentMethod, SaleType
from serialpos.domain.serials import require_serial
from serialpos.domain.states import Action
from serialpos.domain.users import Permission
from serialpos.services import ledger, quantity_returns
from serialpos.services.context import Actor
from serialpos.services.orders import till_price
from serialpos.services.orders.checkout import _insert_payment, issue_invoice
from serialpos.services.orders.header import _check_customer, _open_in
from serialpos.services.orders.line_insert import _tax_included
from serialpos.services.orders.views import DOCUMENT_TYPE, MAX_LINES
from serialpos.services.orders.work import _Ctx, _new_id, _row_total, _touch


@dataclass(frozen=True)
class HostSale:
    moved: ledger.LedgerResult
    order: str
    invoice: str


def sell(
    db: Database,
    actor: Actor,
    *,
    store: str,
    sku: str,
    serials: list[str] | tuple[str, ...] = (),
    quantity: int | None = None,
    document: DocumentRef | None = None,
    payment: str | None = None,
    catalogue_price: Decimal | None = None,
) -> HostSale:
    """Sell units (or a quantity) of one product at ``store`` and invoice them, in one
    transaction: all of it, or nothing. ``catalogue_price``: a store terminal's sale, at
    the unit price the till charged (services/orders/till_price.py)."""
    actor.require(Permission.SELL)
    method = PaymentMethod.parse(payment).value if payment else PaymentMethod.OTHER.value

    def work(conn: Connection) -> HostSale:
        quantity_returns.refuse_package(conn, sku, selling=True)
        row = _open_in(
            conn,
            db,
            actor,
            store,
            SaleType.SALE,
            DeliveryMode.CASH_AND_CARRY,
            _check_customer(None),
        )
        ctx = _Ctx(conn, db, actor, row)
        doc = document or DocumentRef(DOCUMENT_TYPE, ctx.number)
        moved = ledger.move_in(
            conn, db, actor, ledger.Step(Action.SELL, store, sku, serials, quantity), doc
        )
        product = sale_products.sale_product_by_sku(conn, moved.sku)
        assert product is not None  # the ledger found it
        ids = _lines(ctx, product, [require_serial(s) for s in serials], quantity, catalogue_price)
        rows = [r for r in orepo.order_lines(conn, ctx.id) if r._mapping["id"] in ids]
        total = sum((_row_total(r) for r in rows), orepo.money(0))
        invoice_id, number = issue_invoice(ctx, rows, "Invoice")
        c = orepo.line_t.c
        conn.execute(
            sa.update(orepo.line_t)
            .where(c.id.in_(ids))
            .values(status=LineStatus.FULFILLED.value, invoice_id=invoice_id)
        )
        _insert_payment(ctx, "payment", method, total, invoice_id)
        _touch(conn, ctx.id, status=OrderStatus.FULFILLED.value)
        return HostSale(moved, ctx.number, number)

    return db.write(work)


def _lines(
    ctx: _Ctx,
    product: orepo.SaleProduct,
    serials: list[str],
    quantity: int | None,
    till: Decimal | None = None,
) -> list[int]:
    """The order's lines: one per serial (the invoice lists each unit), or one line of the
    quantity sold without serials. The order was opened in this transaction and has no line
    yet, so they are numbered from 1 and each written in one statement with its serial (a
    terminal catching up sends thousands of these: no count, no highest number, no second
    write per line)."""
    if len(serials) > MAX_LINES:
        raise BadRequest(f"an order holds at most {MAX_LINES} lines; sell fewer units a line")
    base: dict[str, object] = {
        "order_id": ctx.id,
        "product_id": product.id,
        "sku": product.sku,
        "name": product.name,
        "unit_price": product.price,
        "tax_rate": product.tax_rate,
        "tax_included": _tax_included(ctx, product),
        "status": LineStatus.OPEN.value,
        "package_line": None,
    }
    if till_price.differs(till, product.price):
        assert till is not None
        base |= till_price.line_values(till, product.price, ctx.actor.user)
    rows = [{"quantity": 1, "serial": s} for s in serials] or [
        {"quantity": quantity or 1, "serial": None}
    ]
    return [
        _new_id(ctx.conn.execute(sa.insert(orepo.line_t).values(**base, number=n, **row)))
        for n, row in enumerate(rows, start=1)
    ]
