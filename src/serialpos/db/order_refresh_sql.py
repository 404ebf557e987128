"""A store terminal's copy of an order made elsewhere, brought forward to central's state
(issue 16).

A till copies an order of its store made at another till when it pulls the order's first
sale (db/order_copy_sql.py). The order may go on there: a special order's next line
fulfilled, a line returned at a third till. The copy was taken once and never again, so
till B read the line fulfilled later at A as open and refused the customer's return of it
(``not_returnable``). Now the pull asks central for the order again whenever one of its
events names a copy this till holds, and the copy is brought forward here.

Forward only, never back: a line moves from open to fulfilled, removed or returned, or from
fulfilled to returned, taking central's row (serial, prices, invoice); a line central has
that the copy lacks is added; central's invoices (and refund notes) the copy lacks are
added with their lines and the payments on them; the order's status follows central's once
it is fulfilled or voided there. A line this till moved on already (its own return, not yet
at central) is left as it is, and so is every document it issued: its own refund note keeps
its payment in its own shift. Ids are mapped as for a copy: invoices by number, lines by
their number on the order, products by SKU.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_repo as orepo
from serialpos.db import repo
from serialpos.db.snapshot_sql import _from_json
from serialpos.domain.orders import LineStatus, OrderStatus

#: Where a line may go from each state (a copy's line only moves forward).
_FORWARD: dict[str, frozenset[str]] = {
    LineStatus.OPEN.value: frozenset(
        {LineStatus.FULFILLED.value, LineStatus.REMOVED.value, LineStatus.RETURNED.value}
    ),
    LineStatus.FULFILLED.value: frozenset({LineStatus.RETURNED.value}),
}
#: Order states a copy takes from central (an open order's parking is the other till's).
_CLOSED = frozenset({OrderStatus.FULFILLED.value, OrderStatus.VOIDED.value})


def _values(table: sa.Table, item: dict[str, Any], **mapped: Any) -> dict[str, Any]:
    cols = table.c
    values = {k: _from_json(cols[k], v) for k, v in item.items() if k in cols and k != "id"}
    return values | mapped


def _insert(conn: Connection, table: sa.Table, values: dict[str, Any]) -> int:
    made = conn.execute(table.insert().values(values)).inserted_primary_key
    assert made is not None
    return int(made[0])


def refresh(conn: Connection, copy: dict[str, Any], mark: str) -> tuple[int, int]:
    """Bring each order of central's rows (:func:`order_copy_sql.store_orders`) that this
    till holds as a copy (its ``terminal`` starts with ``mark``) forward to them; (orders
    changed, lines marked returned)."""
    o = orepo.order_t.c
    numbers = [str(x["number"]) for x in copy.get("orders", [])]
    if not numbers:
        return 0, 0
    local = {
        str(number): int(order_id)
        for order_id, number in conn.execute(
            sa.select(o.id, o.number).where(o.number.in_(numbers), o.terminal.startswith(mark))
        )
    }
    changed = returned = 0
    for order in copy.get("orders", []):
        here = local.get(str(order["number"]))
        if here is None:
            continue
        moved, back = _one(conn, copy, order, here)
        changed += int(moved)
        returned += back
    return changed, returned


def _one(
    conn: Connection, copy: dict[str, Any], order: dict[str, Any], here: int
) -> tuple[bool, int]:
    """Order ``order`` of central's rows onto the copy ``here``; (changed, lines returned)."""
    central_id = int(order["id"])
    inv_t, line_t, c = orepo.invoice_t, orepo.line_t, orepo.line_t.c
    invoices = {
        str(n): int(i)
        for i, n in conn.execute(
            sa.select(inv_t.c.id, inv_t.c.number).where(inv_t.c.order_id == here)
        )
    }
    invoice_ids: dict[int, int] = {}  # central's id -> this till's
    new_invoices: set[int] = set()
    for inv in copy.get("invoices", []):
        if int(inv["order_id"]) != central_id:
            continue
        found = invoices.get(str(inv["number"]))
        if found is None:
            found = _insert(conn, inv_t, _values(inv_t, inv, order_id=here))
            new_invoices.add(int(inv["id"]))
        invoice_ids[int(inv["id"])] = found

    def mapped(value: object) -> int | None:
        return None if value is None else invoice_ids.get(int(str(value)))

    lines = {
        int(n): (int(i), str(s))
        for i, n, s in conn.execute(sa.select(c.id, c.number, c.status).where(c.order_id == here))
    }
    p = repo.product_t.c
    products = {str(sku): int(pid) for pid, sku in conn.execute(sa.select(p.id, p.sku))}
    line_ids: dict[int, int] = {}  # central's id -> this till's
    changed, returned = bool(new_invoices), 0
    for line in copy.get("order_lines", []):  # in id order: a package's header first
        if int(line["order_id"]) != central_id or line["sku"] not in products:
            continue
        values = _values(
            line_t,
            line,
            order_id=here,
            product_id=products[line["sku"]],
            invoice_id=mapped(line.get("invoice_id")),
            refund_invoice_id=mapped(line.get("refund_invoice_id")),
            package_line=None
            if line.get("package_line") is None
            else line_ids.get(int(line["package_line"])),
        )
        have = lines.get(int(line["number"]))
        if have is None:
            line_ids[int(line["id"])] = _insert(conn, line_t, values)
            changed = True
            continue
        line_ids[int(line["id"])] = have[0]
        if line["status"] in _FORWARD.get(have[1], frozenset()):
            values.pop("package_line")  # kept as the copy has it
            conn.execute(sa.update(line_t).where(c.id == have[0]).values(values))
            changed = True
            returned += int(line["status"] == LineStatus.RETURNED.value)
    _take_documents(conn, copy, new_invoices, invoice_ids, line_ids, here)
    status = str(order["status"])
    if status in _CLOSED:
        done = conn.execute(
            sa.update(orepo.order_t)
            .where(orepo.order_t.c.id == here, orepo.order_t.c.status != status)
            .values(status=status)
        )
        changed = changed or bool(done.rowcount)
    return changed, returned


def _take_documents(
    conn: Connection,
    copy: dict[str, Any],
    new_invoices: set[int],
    invoice_ids: dict[int, int],
    line_ids: dict[int, int],
    here: int,
) -> None:
    """The lines of the invoices just added, and the payments on them (without a shift:
    the money moved in another till's drawer)."""
    for item in copy.get("invoice_lines", []):
        if int(item["invoice_id"]) not in new_invoices:
            continue
        line = item.get("order_line_id")
        values = _values(
            orepo.invoice_line_t,
            item,
            invoice_id=invoice_ids[int(item["invoice_id"])],
            order_line_id=None if line is None else line_ids.get(int(line)),
        )
        _insert(conn, orepo.invoice_line_t, values)
    for payment in copy.get("order_payments", []):
        invoice = payment.get("invoice_id")
        if invoice is None or int(invoice) not in new_invoices:
            continue
        values = _values(
            orepo.payment_t,
            payment,
            order_id=here,
            invoice_id=invoice_ids[int(invoice)],
            shift_id=None,
        )
        _insert(conn, orepo.payment_t, values)
