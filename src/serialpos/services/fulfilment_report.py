"""The fulfilment list: open lines of orders not yet fulfilled (open or parked), what staff
still have to pick, serialize and hand over. Read straight from the order tables, oldest order
first; the filter's store, order date, delivery mode, SKU, exact serial and "pending serial"
apply (services/report_filter.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_repo as orepo
from serialpos.db import repo
from serialpos.db.customer_tables import customer_field_of
from serialpos.db.engine import Database
from serialpos.domain.orders import DeliveryMode, LineStatus, SaleType
from serialpos.domain.products import SerialMode
from serialpos.services.report_filter import ReportFilter, checked

_SALE_TYPE = {t.value: t.label for t in SaleType}
_DELIVERY = {d.value: d.label for d in DeliveryMode}
order_c, store_c = orepo.order_t.c, repo.store_t.c
#: Every store, for a list over all of them (not the store joined for its code).
_every_store = repo.store_t.alias("every_store")


@dataclass(frozen=True)
class FulfilmentRow:
    order: str
    line: int  # the line's id: what set_serial and fulfil name
    store: str
    created: datetime
    sale_type: str  # full name
    delivery: str  # full name
    customer: str | None
    sku: str
    product: str
    quantity: int
    serial: str | None
    serial_mode: str  # "required" | "optional" | "disabled"
    pending_serial: bool  # the product requires a serial and none is recorded
    number: int = 0  # the line's number on the order (what the order screen shows)
    phone: str | None = None
    bin: str | None = None  # where the product is kept (for picking)


FULFILMENT_COLUMNS: tuple[str, ...] = (
    "Order",
    "Line",
    "Store",
    "Created",
    "Sale Type",
    "Delivery Mode",
    "Customer",
    "SKU",
    "Product",
    "Quantity",
    "Serial Number",
    "Serial Mode",
    "Pending Serial",
    "Line ID",
)

line_c, product_c = orepo.line_t.c, repo.product_t.c
#: Orders that are not yet fulfilled: being rung up or waiting (open), or set aside (parked).
WAITING_ORDER_STATUSES = ("open", "parked")


def _mode(package_type: str | None, serial_mode: str) -> str:
    """As services/orders/reading.py ``line_mode``: a package opened at the sale takes no serial
    itself."""
    return SerialMode.DISABLED.value if package_type == "exploded" else serial_mode


def fulfilment_rows(db: Database, f: ReportFilter, limit: int = 5_000) -> list[FulfilmentRow]:
    """Open lines of orders not yet fulfilled (open or parked), oldest order first: the
    filter's store, order date, delivery mode, SKU, exact serial and "pending serial" (the
    product requires a serial and the line has none) apply."""

    def work(conn: Connection) -> list[FulfilmentRow]:
        w = checked(db, conn, f)
        where: list[sa.ColumnElement[bool]] = [
            order_c.status.in_(WAITING_ORDER_STATUSES),
            line_c.status == LineStatus.OPEN,
        ]
        if w.store_id is not None:
            where.append(order_c.store_id == w.store_id)
        elif db.dialect == "sqlite":
            # Store by store: each store's waiting orders are one range of
            # ix_sale_order_store_status. SQLite skips an index's leading column only with
            # ANALYZE statistics, which a till does not keep; without this it read every
            # order line, or (with dates) every order of the range by an index on the date
            # alone that every sale wrote a page of (migration 0041).
            where.append(order_c.store_id.in_(sa.select(_every_store.c.id)))
        if w.start is not None:
            where.append(order_c.created_at >= w.start)
        if w.end is not None:
            where.append(order_c.created_at < w.end)
        if w.delivery is not None:
            where.append(order_c.delivery == w.delivery)
        if w.sku is not None:
            where.append(line_c.sku == w.sku)
        if w.serial is not None:
            where.append(line_c.serial == w.serial)
        if w.pending_serial:
            where += [
                line_c.serial.is_(None),
                product_c.serial_mode == SerialMode.REQUIRED.value,
                sa.func.coalesce(product_c.package_type, "") != "exploded",
            ]
        rows = conn.execute(
            sa.select(
                order_c.number,
                line_c.id,
                store_c.code,
                order_c.created_at,
                order_c.type,
                order_c.delivery,
                customer_field_of(orepo.order_t),
                line_c.sku,
                line_c.name,
                line_c.quantity,
                line_c.serial,
                product_c.serial_mode,
                product_c.package_type,
                line_c.number.label("line_number"),
                customer_field_of(orepo.order_t, "phone"),
                product_c.bin,
            )
            .select_from(
                orepo.line_t.join(orepo.order_t, order_c.id == line_c.order_id)
                .join(repo.product_t, product_c.id == line_c.product_id)
                .join(repo.store_t, store_c.id == order_c.store_id)
            )
            .where(*where)
            .order_by(order_c.id, line_c.number)
            .limit(limit)
        ).all()
        out = []
        for r in rows:
            mode = _mode(r.package_type, r.serial_mode)
            out.append(
                FulfilmentRow(
                    order=r.number,
                    line=r.id,
                    store=r.code,
                    created=r.created_at,
                    sale_type=_SALE_TYPE[r.type],
                    delivery=_DELIVERY[r.delivery],
                    customer=r.customer_name,
                    sku=r.sku,
                    product=r.name,
                    quantity=r.quantity,
                    serial=r.serial,
                    serial_mode=mode,
                    pending_serial=mode == SerialMode.REQUIRED.value and not r.serial,
                    number=r.line_number,
                    phone=r.customer_phone,
                    bin=r.bin,
                )
            )
        return out

    return db.read(work)


def fulfilment_table_rows(rows: Iterable[FulfilmentRow]) -> Iterator[tuple[object, ...]]:
    """Fulfilment rows in FULFILMENT_COLUMNS order, for tables and exports ("Line" is the
    number on the order; "Line ID" what the services name)."""
    for r in rows:
        yield (
            r.order,
            r.number,
            r.store,
            r.created,
            r.sale_type,
            r.delivery,
            r.customer,
            r.sku,
            r.product,
            r.quantity,
            r.serial,
            r.serial_mode,
            "yes" if r.pending_serial else "no",
            r.line,
        )
