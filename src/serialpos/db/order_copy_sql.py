"""The SQL of a store terminal's copies of its store's orders made elsewhere (issue 16).

A customer returns at till B a unit sold at till A of the same store (or at central's
counter for that store). Till B holds the unit (the feed's sale event) but not the order:
its lines, prices, invoice and payments are rows of another database. So central sends the
rows of the orders a till asks for (:func:`store_orders`, ``GET /v1/snapshot?part=orders``)
and the till takes them (:func:`take_orders`, terminal/order_copies.py) under new local ids:
the order keeps its number (one number at both ends, services/document_numbers.py), its
lines their numbers, its invoices theirs. Every id the rows name (order, line, invoice, the
package header line, the product, the customer record) is mapped to the till's own; the
payments are kept without their shift (the money moved in another till's drawer).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_repo as orepo
from serialpos.db import repo
from serialpos.db.customer_tables import CustomerRecord
from serialpos.db.snapshot_sql import _from_json, rows
from serialpos.domain.orders import LineStatus

_customer_t: sa.Table = CustomerRecord.__table__  # type: ignore[attr-defined]

#: The parts of a copy, in the order a database takes them (foreign keys first).
PARTS = ("orders", "invoices", "order_lines", "invoice_lines", "order_payments")


def store_orders(conn: Connection, store_id: int, numbers: list[str]) -> dict[str, Any]:
    """Central's rows of the orders of the store named by ``numbers`` (others: left out),
    each order with ``customer_key`` (its customer record's chain-wide key, or None)."""
    o = orepo.order_t.c
    orders = rows(conn, orepo.order_t, (o.store_id == store_id) & o.number.in_(numbers))
    ids = [r["id"] for r in orders]
    customers = [r["customer_id"] for r in orders if r.get("customer_id") is not None]
    c = _customer_t.c
    keys: dict[Any, Any] = (
        {i: k for i, k in conn.execute(sa.select(c.id, c.key).where(c.id.in_(customers)))}
        if customers
        else {}
    )
    for order in orders:
        order["customer_key"] = keys.get(order.get("customer_id"))
    invoices = rows(conn, orepo.invoice_t, orepo.invoice_t.c.order_id.in_(ids))
    invoice_ids = [r["id"] for r in invoices]
    parts = {
        "orders": orders,
        "invoices": invoices,
        "order_lines": rows(conn, orepo.line_t, orepo.line_t.c.order_id.in_(ids)),
        "invoice_lines": rows(
            conn, orepo.invoice_line_t, orepo.invoice_line_t.c.invoice_id.in_(invoice_ids)
        ),
        "order_payments": rows(conn, orepo.payment_t, orepo.payment_t.c.order_id.in_(ids)),
    }
    for part in parts.values():
        part.sort(key=lambda r: int(r["id"]))  # ids in the order made: a header before its parts
    return parts


def held(conn: Connection, numbers: list[str]) -> set[str]:
    """Which of ``numbers`` this database holds an order of."""
    if not numbers:
        return set()
    o = orepo.order_t.c
    return {
        str(n) for n in conn.execute(sa.select(o.number).where(o.number.in_(numbers))).scalars()
    }


def copies_held(conn: Connection, numbers: list[str], mark: str) -> set[str]:
    """Which of ``numbers`` this database holds a copy of (its ``terminal`` starts with
    ``mark``)."""
    if not numbers:
        return set()
    o = orepo.order_t.c
    query = sa.select(o.number).where(o.number.in_(numbers), o.terminal.startswith(mark))
    return {str(n) for n in conn.execute(query).scalars()}


def sold_here(conn: Connection, serials: list[str], mark: str) -> set[str]:
    """Which of ``serials`` a fulfilled line of an order of this database's own (not a copy:
    its ``terminal`` does not start with ``mark``) holds."""
    if not serials:
        return set()
    o, ln = orepo.order_t.c, orepo.line_t.c
    query = (
        sa.select(ln.serial)
        .join(orepo.order_t, o.id == ln.order_id)
        .where(
            ln.serial.in_(serials),
            ln.status == LineStatus.FULFILLED.value,
            sa.not_(o.terminal.startswith(mark)),
        )
    )
    return {str(s) for s in conn.execute(query).scalars()}


def _insert(conn: Connection, table: sa.Table, item: dict[str, Any]) -> int:
    """One row sent by central under a new local id; keys the local table lacks are ignored."""
    cols = table.c
    values = {k: _from_json(cols[k], v) for k, v in item.items() if k in cols and k != "id"}
    made = conn.execute(table.insert().values(values)).inserted_primary_key
    assert made is not None
    return int(made[0])


def _customers_by_key(conn: Connection, orders: list[dict[str, Any]]) -> dict[str, int]:
    """The local ids of the customer records the orders were sold to, by their key (the ids
    differ between databases; records are taken by key, services/customer_sync.py)."""
    keys = [o["customer_key"] for o in orders if o.get("customer_key")]
    if not keys:
        return {}
    c = _customer_t.c
    return {str(k): int(i) for k, i in conn.execute(sa.select(c.key, c.id).where(c.key.in_(keys)))}


def take_orders(conn: Connection, copy: dict[str, Any], mark: str) -> list[str]:
    """Take central's rows of orders (:func:`store_orders`) under new local ids; an order
    held here already is left as it is. Each order's ``terminal`` is ``mark`` followed by
    central's (services/sale_copies.py: a copy is not this till's sale). The numbers of the
    orders taken."""
    orders: list[dict[str, Any]] = copy.get("orders", [])
    here = held(conn, [str(o["number"]) for o in orders])
    customers = _customers_by_key(conn, orders)
    order_ids: dict[int, int] = {}
    for order in orders:
        if order["number"] not in here:
            local = {
                **order,
                "customer_id": customers.get(str(order.get("customer_key"))),
                "terminal": f"{mark}{order.get('terminal')}"[:64],
            }
            order_ids[int(order["id"])] = _insert(conn, orepo.order_t, local)
    invoice_ids: dict[int, int] = {}
    for invoice in copy.get("invoices", []):
        if int(invoice["order_id"]) in order_ids:
            local = {**invoice, "order_id": order_ids[int(invoice["order_id"])]}
            invoice_ids[int(invoice["id"])] = _insert(conn, orepo.invoice_t, local)
    line_ids = _take_lines(conn, copy.get("order_lines", []), order_ids, invoice_ids)
    for item in copy.get("invoice_lines", []):
        invoice = _mapped(invoice_ids, item["invoice_id"])
        line = _mapped(line_ids, item["order_line_id"])
        if invoice is not None and line is not None:
            local = {**item, "invoice_id": invoice, "order_line_id": line}
            _insert(conn, orepo.invoice_line_t, local)
    for payment in copy.get("order_payments", []):
        if int(payment["order_id"]) in order_ids:
            local = {
                **payment,
                "order_id": order_ids[int(payment["order_id"])],
                "invoice_id": _mapped(invoice_ids, payment.get("invoice_id")),
                "shift_id": None,  # another drawer's money: no shift of this till's
            }
            _insert(conn, orepo.payment_t, local)
    return [str(o["number"]) for o in orders if int(o["id"]) in order_ids]


def _take_lines(
    conn: Connection,
    lines: list[dict[str, Any]],
    order_ids: dict[int, int],
    invoice_ids: dict[int, int],
) -> dict[int, int]:
    """The copied orders' lines, each product by its SKU; central's line id -> local id."""
    p = repo.product_t.c
    products = {str(sku): int(pid) for pid, sku in conn.execute(sa.select(p.id, p.sku))}
    line_ids: dict[int, int] = {}
    for line in lines:  # in id order: a package's header before its parts
        if int(line["order_id"]) not in order_ids or line["sku"] not in products:
            continue
        local = {
            **line,
            "order_id": order_ids[int(line["order_id"])],
            "product_id": products[line["sku"]],
            "invoice_id": _mapped(invoice_ids, line.get("invoice_id")),
            "refund_invoice_id": _mapped(invoice_ids, line.get("refund_invoice_id")),
            "package_line": _mapped(line_ids, line.get("package_line")),
        }
        line_ids[int(line["id"])] = _insert(conn, orepo.line_t, local)
    return line_ids


def _mapped(ids: dict[int, int], value: object) -> int | None:
    return None if value is None else ids.get(int(str(value)))
