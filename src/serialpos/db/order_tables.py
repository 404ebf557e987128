"""Tables of the counter's documents: sale orders, their lines and payments, invoices (and
refund notes) with snapshot lines, and the per-store number counters.

Kept beside db/tables.py (the same SQLModel metadata) so the ledger's tables and the order
tables can change independently; migration 0004 builds them.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from serialpos.db.tables import utcnow

SALE_TYPES = ("sale", "special_order", "layby")
DELIVERY_MODES = ("cash_and_carry", "pickup", "delivery")
ORDER_STATUSES = ("open", "parked", "fulfilled", "voided")
LINE_STATUSES = ("open", "fulfilled", "returned", "removed")
PAYMENT_KINDS = ("payment", "change", "refund")
INVOICE_KINDS = ("Invoice", "Refund")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class SaleOrder(SQLModel, table=True):
    __tablename__ = "sale_order"
    __table_args__ = (
        sa.CheckConstraint(_in("type", SALE_TYPES), name="ck_sale_order_type"),
        sa.CheckConstraint(_in("delivery", DELIVERY_MODES), name="ck_sale_order_delivery"),
        sa.CheckConstraint(_in("status", ORDER_STATUSES), name="ck_sale_order_status"),
        sa.Index("ix_sale_order_store_status", "store_id", "status"),
        # Only orders sold to a customer record (migration 0029): one value is ever asked.
        sa.Index(
            "ix_sale_order_customer_id",
            "customer_id",
            sqlite_where=sa.text("customer_id IS NOT NULL"),
            postgresql_where=sa.text("customer_id IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=40, sa_column_kwargs={"unique": True}, nullable=False)
    store_id: int = Field(foreign_key="store.id")
    type: str = Field(max_length=16)
    delivery: str = Field(max_length=16)
    status: str = Field(max_length=16)
    customer_name: str | None = Field(default=None, max_length=100)
    customer_phone: str | None = Field(default=None, max_length=40)
    customer_address: str | None = Field(default=None, max_length=200)
    #: The customer record sold to (migration 0021); the three fields above are the order's copy.
    customer_id: int | None = Field(default=None)
    created_by: str = Field(max_length=32)
    terminal: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    #: An order discount as given (an amount, or a percent), spread over its lines (each
    #: line holds its share); who gave it, who approved it past the limit, when, why.
    #: Migration 0018.
    discount: Decimal | None = Field(default=None, sa_type=sa.Numeric(12, 2))
    discount_percent: Decimal | None = Field(default=None, sa_type=sa.Numeric(6, 3))
    discount_reason: str | None = Field(default=None, max_length=200)
    discount_by: str | None = Field(default=None, max_length=32)
    discount_approved_by: str | None = Field(default=None, max_length=32)
    discount_at: datetime | None = Field(default=None, sa_type=sa.DateTime())
    #: An exchange: the refund note whose credit this sale carries (services/exchanges.py).
    exchange_of: str | None = Field(default=None, max_length=48)


class Invoice(SQLModel, table=True):
    """An invoice or a refund note, as issued: its lines are snapshots (invoice_line)."""

    __tablename__ = "invoice"
    __table_args__ = (sa.CheckConstraint(_in("kind", INVOICE_KINDS), name="ck_invoice_kind"),)

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(max_length=48, sa_column_kwargs={"unique": True}, nullable=False)
    store_id: int = Field(foreign_key="store.id")
    order_id: int = Field(foreign_key="sale_order.id", index=True)
    kind: str = Field(max_length=16)
    refers_to: str | None = Field(default=None, max_length=200)
    issued_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    net: Decimal = Field(sa_type=sa.Numeric(12, 2))
    tax: Decimal = Field(sa_type=sa.Numeric(12, 2))
    total: Decimal = Field(sa_type=sa.Numeric(12, 2))
    change_due: Decimal = Field(default=Decimal("0"), sa_type=sa.Numeric(12, 2))
    created_by: str = Field(max_length=32)


class OrderLine(SQLModel, table=True):
    """One line of an order. ``number`` is the line's number on its order, given when it is
    added and never reused; events of its unit carry it as the document line."""

    __tablename__ = "order_line"
    __table_args__ = (
        sa.UniqueConstraint("order_id", "number", name="uq_order_line_number"),
        sa.CheckConstraint(_in("status", LINE_STATUSES), name="ck_order_line_status"),
        # A serial's lines, a (product, serial)'s too: a serial has a handful at most. An
        # order's lines are found by uq_order_line_number (migration 0029).
        sa.Index("ix_order_line_serial", "serial"),
    )

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="sale_order.id")
    number: int
    product_id: int = Field(foreign_key="product.id")
    sku: str = Field(max_length=64)
    name: str = Field(max_length=200)
    quantity: int = Field(default=1)
    unit_price: Decimal = Field(sa_type=sa.Numeric(12, 2))
    tax_rate: Decimal = Field(sa_type=sa.Numeric(6, 3))
    #: The unit price includes the tax (taken from the setting when the line was added, so a
    #: later change of the setting never reprices an order). Migration 0017.
    tax_included: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    serial: str | None = Field(default=None, max_length=64)
    status: str = Field(max_length=16)
    package_line: int | None = None
    invoice_id: int | None = Field(default=None, foreign_key="invoice.id")
    refund_invoice_id: int | None = Field(default=None, foreign_key="invoice.id")
    #: Discounts and price overrides (domain/discounts.py; migration 0018): the shelf price
    #: when ``unit_price`` was overridden, the line's own discount (amount or percent), its
    #: share of an order discount, and who/why/when.
    list_price: Decimal | None = Field(default=None, sa_type=sa.Numeric(12, 2))
    discount: Decimal | None = Field(default=None, sa_type=sa.Numeric(12, 2))
    discount_percent: Decimal | None = Field(default=None, sa_type=sa.Numeric(6, 3))
    order_discount: Decimal | None = Field(default=None, sa_type=sa.Numeric(12, 2))
    order_discount_percent: Decimal | None = Field(default=None, sa_type=sa.Numeric(6, 3))
    discount_reason: str | None = Field(default=None, max_length=200)
    discount_by: str | None = Field(default=None, max_length=32)
    discount_approved_by: str | None = Field(default=None, max_length=32)
    discount_at: datetime | None = Field(default=None, sa_type=sa.DateTime())


class OrderPayment(SQLModel, table=True):
    """Money in (payment), change handed back (negative) and refunds (negative)."""

    __tablename__ = "order_payment"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", PAYMENT_KINDS), name="ck_order_payment_kind"),
        # Only payments taken in a till shift (migration 0029): one shift is ever asked.
        sa.Index(
            "ix_order_payment_shift_id",
            "shift_id",
            sqlite_where=sa.text("shift_id IS NOT NULL"),
            postgresql_where=sa.text("shift_id IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="sale_order.id", index=True)
    kind: str = Field(max_length=16)
    method: str = Field(max_length=16)
    amount: Decimal = Field(sa_type=sa.Numeric(12, 2))
    at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    user_name: str = Field(max_length=32)
    invoice_id: int | None = Field(default=None, foreign_key="invoice.id")
    #: The till shift the money moved in (None: no shift open on that terminal). Migration 0021.
    shift_id: int | None = Field(default=None, foreign_key="shift.id")


class InvoiceLine(SQLModel, table=True):
    __tablename__ = "invoice_line"

    id: int | None = Field(default=None, primary_key=True)
    invoice_id: int = Field(foreign_key="invoice.id", index=True)
    position: int
    order_line_id: int = Field(foreign_key="order_line.id")
    sku: str = Field(max_length=64)
    description: str = Field(max_length=200)
    quantity: int
    unit_price: Decimal = Field(sa_type=sa.Numeric(12, 2))
    tax_rate: Decimal = Field(sa_type=sa.Numeric(6, 3))
    net: Decimal = Field(sa_type=sa.Numeric(12, 2))
    tax: Decimal = Field(sa_type=sa.Numeric(12, 2))
    total: Decimal = Field(sa_type=sa.Numeric(12, 2))
    serial: str | None = Field(default=None, max_length=64)


class DocumentCounter(SQLModel, table=True):
    """The last number given per store and kind ("order", "invoice", "refund"); taken with
    one upsert, so two terminals never get the same number."""

    __tablename__ = "document_counter"

    store_id: int = Field(foreign_key="store.id", primary_key=True)
    kind: str = Field(primary_key=True, max_length=16)
    value: int = Field(default=0)
