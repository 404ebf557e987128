"""The customer record table (migrations 0021, 0025); beside db/order_tables.py in the same
metadata. ``search_key`` is the folded text a search looks in (domain/customers.py says why)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from serialpos.db.tables import utcnow


class CustomerRecord(SQLModel, table=True):
    __tablename__ = "customer"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, index=True)
    phone: str | None = Field(default=None, max_length=40)
    email: str | None = Field(default=None, max_length=120)
    address: str | None = Field(default=None, max_length=200)
    search_key: str = Field(max_length=600)
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime())
    updated_at: datetime = Field(default_factory=utcnow, sa_type=sa.DateTime(), index=True)
    #: The record's chain-wide key (migration 0025): minted where the record is made, a
    #: store terminal included, and the same at central and on every terminal.
    key: str | None = Field(default=None, max_length=40, unique=True, index=True)


customer_t: sa.Table = CustomerRecord.__table__  # type: ignore[attr-defined]


def customer_field_of(order: sa.Table, field: str = "name") -> sa.Label[str | None]:
    """An order's customer ``field`` (name, phone or address) as shown: its customer record's
    value when the order has a record (an edit to the record shows everywhere), else the value
    typed on the order. Labelled ``customer_<field>`` like the order's own column."""
    record = (
        sa.select(customer_t.c[field])
        .where(customer_t.c.id == order.c.customer_id)
        .correlate(order)
        .scalar_subquery()
    )
    return sa.func.coalesce(record, order.c[f"customer_{field}"]).label(f"customer_{field}")
