"""The order header: opening an order, its customer and sale type, parking, resuming and
voiding. None of these touch stock except the void, which hands over to services/order_void.py.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo, sale_sql
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.errors import (
    BadValue,
)
from serialpos.domain.orders import (
    DeliveryMode,
    OrderStatus,
    SaleType,
)
from serialpos.domain.text import has_control_chars
from serialpos.services import document_numbers, sale_dates
from serialpos.services.context import Actor
from serialpos.services.orders import sale_journal
from serialpos.services.orders.reading import _editable, _find, _view
from serialpos.services.orders.views import Customer, OrderClosed, OrderView
from serialpos.services.orders.work import _Ctx, _touch, _write
from serialpos.services.shifts import check_shift_not_required


def _check_customer(customer: Customer | None) -> dict[str, str | None]:
    if customer is None:
        return {
            "customer_name": None,
            "customer_phone": None,
            "customer_address": None,
            "customer_id": None,
        }
    # Typed details are the order's own: no customer record (services/order_customer.py).
    out: dict[str, str | None] = {"customer_id": None}
    for key, value, limit in (
        ("name", customer.name, 100),
        ("phone", customer.phone, 40),
        ("address", customer.address, 200),
    ):
        text = value.strip() if value else None
        if text and key != "address" and has_control_chars(text):
            raise BadValue(f"customer {key} contains control characters")
        if text and len(text) > limit:
            raise BadValue(f"customer {key} is longer than {limit} characters")
        out[f"customer_{key}"] = text or None
    return out


def _parse_type(value: str | SaleType) -> SaleType:
    return value if isinstance(value, SaleType) else SaleType.parse(value)


def _parse_delivery(value: str | DeliveryMode) -> DeliveryMode:
    return value if isinstance(value, DeliveryMode) else DeliveryMode.parse(value)


def _open_in(
    conn: Connection,
    db: Database,
    actor: Actor,
    store: str,
    sale_type: SaleType,
    delivery: DeliveryMode,
    customer: dict[str, str | None],
) -> sa.Row[object]:
    sid = repo.store_id(db, conn, store)
    now = utcnow()
    values = {
        "store_id": sid,
        "type": sale_type.value,
        "delivery": delivery.value,
        "status": OrderStatus.OPEN.value,
        "created_by": actor.user,
        "terminal": actor.terminal,
        # The till's time of the act at central (services/sale_dates.py); changes: now.
        "created_at": sale_dates.dated(now),
        "updated_at": now,
        "store_code": store,
        **customer,
    }
    # The row comes back from the insert as _find would read it (with the store's code).
    prefix = document_numbers.number_prefix(db, "order", store)
    if prefix is not None and conn.dialect.name == "postgresql":
        # Numbered by the insert, which brings the store's settings back with the row: the
        # shift is checked after it, in this transaction (a refusal keeps nothing).
        row = sale_sql.insert_numbered_order(conn, values, prefix)
        check_shift_not_required(conn, sid, actor.terminal)
        document_numbers.made_in_sql("order", str(row._mapping["number"]))
        return row
    # The insert brings the store's settings back too; the shift is checked after it, as
    # above (a refusal rolls the number and the order back).
    number = document_numbers.mint(db, conn, "order", store, sid)
    row = sale_sql.insert_order(conn, {"number": number, **values})
    check_shift_not_required(conn, sid, actor.terminal)
    return row


def open_order(
    db: Database,
    actor: Actor,
    store: str,
    type: str | SaleType = "sale",
    delivery: str | DeliveryMode = "cash_and_carry",
    customer: Customer | None = None,
) -> OrderView:
    sale_type, mode, fields = (
        _parse_type(type),
        _parse_delivery(delivery),
        _check_customer(customer),
    )
    return _write(
        db,
        actor,
        lambda conn: _view(conn, _open_in(conn, db, actor, store, sale_type, mode, fields)),
    )


def set_customer(db: Database, actor: Actor, order: str, customer: Customer | None) -> OrderView:
    fields = _check_customer(customer)

    def work(conn: Connection) -> OrderView:
        row = _editable(conn, order)
        _touch(conn, row._mapping["id"], **fields)
        sale_journal.record_amend(_Ctx(conn, db, actor, row))
        return _view(conn, _find(conn, order))

    return _write(db, actor, work)


def set_sale_type(
    db: Database, actor: Actor, order: str, type: str | SaleType, delivery: str | DeliveryMode
) -> OrderView:
    """Change the sale type and delivery mode. Delivery needs the customer's name, phone and
    address by fulfilment (checked there, so they may be filled in later)."""
    sale_type, mode = _parse_type(type), _parse_delivery(delivery)

    def work(conn: Connection) -> OrderView:
        row = _editable(conn, order)
        _touch(conn, row._mapping["id"], type=sale_type.value, delivery=mode.value)
        sale_journal.record_amend(_Ctx(conn, db, actor, row))
        return _view(conn, _find(conn, order))

    return _write(db, actor, work)


def _set_status(
    db: Database, actor: Actor, order: str, before: OrderStatus, after: OrderStatus, verb: str
) -> OrderView:
    def work(conn: Connection) -> OrderView:
        row = _find(conn, order, lock=True)
        status = row._mapping["status"]
        if status != before.value:
            raise OrderClosed(
                f"order {row._mapping['number']} is {status}; only an order that "
                f"is {before.value} can be {verb}"
            )
        _touch(conn, row._mapping["id"], status=after.value)
        sale_journal.record_status(_Ctx(conn, db, actor, row), after is OrderStatus.PARKED)
        return _view(conn, _find(conn, order))

    return _write(db, actor, work)


def park(db: Database, actor: Actor, order: str) -> OrderView:
    return _set_status(db, actor, order, OrderStatus.OPEN, OrderStatus.PARKED, "parked")


def resume(db: Database, actor: Actor, order: str) -> OrderView:
    return _set_status(db, actor, order, OrderStatus.PARKED, OrderStatus.OPEN, "resumed")


def void(db: Database, actor: Actor, order: str) -> OrderView:
    """Cancel an order that has nothing fulfilled: its reserved units go back to stock and
    what was paid is refunded per method (services/order_void.py, which says why)."""
    from serialpos.services.order_void import void_order

    return void_order(db, actor, order).order
