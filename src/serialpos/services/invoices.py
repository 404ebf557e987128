"""Invoice PDFs from the recorded invoice: its snapshot lines, its payments, the store.

Serials are printed when the store's "show serial on invoice" setting is on at the moment the
PDF is made (a reprint follows today's setting). The store's address and tax number are read
the same way (today's). The cashier is who issued the invoice. A unit's warranty ends its
product's warranty months after the invoice's local date (domain/warranty.py); a refund note
prints none.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_repo as orepo
from serialpos.db import repo
from serialpos.db.customer_tables import customer_field_of
from serialpos.db.engine import Database
from serialpos.domain.errors import DomainError
from serialpos.domain.orders import DeliveryMode, OrderStatus, SaleType
from serialpos.domain.text import clip
from serialpos.domain.warranty import add_months
from serialpos.printing.invoice import InvoiceDocument, InvoiceLine, InvoicePayment, write_invoice
from serialpos.services.lookup import local_date
from serialpos.services.orders.discount_views import discount_notes
from serialpos.services.settings import settings_in
from serialpos.services.store_details import store_details_in

#: The words on an invoice of a voided order: a till's invoice of a sale a manager resolved
#: by ``refund`` (db/refund_sql.py), kept for its number (a series has no silent gap) and
#: printed as the customer's refund document, with the tender and the refund under it.
CANCELLED = (
    "CANCELLED: this sale was voided and its money refunded as shown (nothing was handed "
    "over: the unit had been sold at another till first). Not a sale."
)


class UnknownInvoice(DomainError):
    code = "unknown_invoice"


def invoice_document(db: Database, invoice_no: str) -> InvoiceDocument:
    number = invoice_no.strip()

    def work(conn: Connection) -> InvoiceDocument:
        i, o, s = orepo.invoice_t.c, orepo.order_t.c, repo.store_t.c
        row = conn.execute(
            sa.select(
                orepo.invoice_t,
                o.number.label("order_number"),
                o.type,
                o.delivery,
                customer_field_of(orepo.order_t),
                customer_field_of(orepo.order_t, "phone"),
                customer_field_of(orepo.order_t, "address"),
                o.exchange_of,
                o.status.label("order_status"),
                s.code.label("store_code"),
                s.name.label("store_name"),
            )
            .join(orepo.order_t, o.id == i.order_id)
            .join(repo.store_t, s.id == i.store_id)
            .where(i.number == number)
        ).first()
        if row is None:
            raise UnknownInvoice(f"there is no invoice '{clip(number)}'")
        m = row._mapping
        notes = discount_notes(conn, m["id"])
        il, ol, pr = orepo.invoice_line_t.c, orepo.line_t.c, repo.product_t.c
        sold_on = local_date(m["issued_at"])

        def warranty_until(months: int | None) -> date | None:
            if m["kind"] != "Invoice" or not months:
                return None
            return add_months(sold_on, months)

        lines = tuple(
            InvoiceLine(
                r.sku,
                r.description,
                r.quantity,
                orepo.money(r.unit_price),
                orepo.rate(r.tax_rate),
                orepo.money(r.total),
                (r.serial,) if r.serial else (),
                notes.get(r.order_line_id, ""),
                warranty_until(r.warranty_months),
            )
            for r in conn.execute(
                sa.select(orepo.invoice_line_t, pr.warranty_months)
                .join(orepo.line_t, ol.id == il.order_line_id)
                .join(repo.product_t, pr.id == ol.product_id)
                .where(il.invoice_id == m["id"])
                .order_by(il.position)
            )
        )
        pc = orepo.payment_t.c
        pays = tuple(
            InvoicePayment(
                p.method if p.kind == "payment" else f"{p.kind}, {p.method}",
                abs(orepo.money(p.amount)),
            )
            for p in conn.execute(
                sa.select(orepo.payment_t)
                .where(pc.invoice_id == m["id"], pc.kind != "change")
                .order_by(pc.id)
            )
        )
        show = settings_in(db, conn, m["store_code"]).show_serial_on_invoice
        details = store_details_in(db, conn, m["store_code"])
        doc = InvoiceDocument(
            number=m["number"],
            issued_at=m["issued_at"],
            store_code=m["store_code"],
            store_name=m["store_name"],
            lines=lines,
            subtotal=orepo.money(m["net"]),
            tax=orepo.money(m["tax"]),
            total=orepo.money(m["total"]),
            payments=pays,
            change_due=orepo.money(m["change_due"] or Decimal(0)),
            show_serials=show,
            kind=m["kind"],
            order=m["order_number"],
            sale_type=SaleType(m["type"]).label,
            delivery_mode=DeliveryMode(m["delivery"]).label,
            customer_name=m["customer_name"],
            customer_phone=m["customer_phone"],
            customer_address=m["customer_address"],
            refers_to=m["refers_to"],
            store_address=details.address,
            store_tax_number=details.tax_number,
            cashier=m["created_by"],
            notes=(CANCELLED,) if m["order_status"] == OrderStatus.VOIDED.value else (),
        )
        if m["exchange_of"] and m["kind"] == "Invoice":
            from serialpos.services.exchanges import exchange_document

            return exchange_document(conn, doc, m["exchange_of"])
        return doc

    return db.read(work)


def write_invoice_pdf(db: Database, invoice_no: str, path: str | Path) -> Path:
    """Write the invoice's PDF atomically to ``path``."""
    return write_invoice(invoice_document(db, invoice_no), path)


def cancelled_invoice_of(db: Database, order: str) -> str | None:
    """The invoice of order ``order`` kept cancelled once a ``refund`` resolution voided it
    (db/refund_sql.py), the customer's refund document; None while the order is not voided
    here (the till has not taken central's rows yet) or has no invoice."""

    def work(conn: Connection) -> str | None:
        i, o = orepo.invoice_t.c, orepo.order_t.c
        found = conn.execute(
            sa.select(i.number)
            .join(orepo.order_t, o.id == i.order_id)
            .where(o.number == order, o.status == OrderStatus.VOIDED.value)
            .order_by(i.id)
            .limit(1)
        ).scalar()
        return None if found is None else str(found)

    return db.read(work)
