"""The SQL that brings a till's own order to central's rows of it (issue 16).

A till's sale central recorded as a conflict, then recorded by a manager's ``record_sale``
(services/conflict_sale.py), stands at central with its conflicting line **open and paid,
serial cleared**, and its invoice covering the lines handed over only. The till made the
sale with that line fulfilled and invoiced: until it takes central's rows its receipt
reprint, its serial card and its returns would say the unit was this customer's, while
central says the other till's customer has it, for good. So the till takes central's rows
of the order (``GET /v1/snapshot?part=orders``, db/order_copy_sql.py ``store_orders``) over
its own, matched by their numbers, never by ids (the ids differ between the databases):
the order by its number, the lines by their numbers, the invoices by theirs; the invoice
lines are taken whole. What stays the till's: the order's id, its ``terminal`` (its own sale,
not a copy), its customer record, and each payment's shift (the money moved in this till's
drawer), so the X and Z reports are unchanged. A refund the till paid on a refund note of
its own that central does not hold (the return settled by ``accept``: central's state
stands) stays as the till paid it: the cash left its drawer, and the X and Z reports list
that note apart as not taken (services/not_taken.py ``in_shift``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_repo as orepo
from serialpos.db import repo
from serialpos.db.snapshot_sql import _from_json

#: Columns never taken from central: local ids and what is the till's own.
_ORDER_KEPT = frozenset({"id", "store_id", "customer_id", "terminal"})
_INVOICE_KEPT = frozenset({"id", "store_id", "order_id"})
_LINE_KEPT = frozenset({"id", "order_id", "product_id"})
_PAYMENT_KEPT = frozenset({"id", "order_id", "shift_id"})


def _values(table: sa.Table, row: dict[str, Any], kept: frozenset[str]) -> dict[str, Any]:
    """Central's ``row`` as values of the local ``table`` (keys it lacks ignored)."""
    cols = table.c
    return {k: _from_json(cols[k], v) for k, v in row.items() if k in cols and k not in kept}


def _ids(
    conn: Connection, table: sa.Table, where: sa.ColumnElement[bool], key: str
) -> dict[Any, int]:
    """Local ids of ``table``'s rows matching ``where``, by column ``key``."""
    cols = table.c
    return {k: int(i) for k, i in conn.execute(sa.select(cols[key], cols.id).where(where))}


def _mapped(ids: dict[int, int], value: object) -> int | None:
    return None if value is None else ids.get(int(str(value)))


#: How a till's payments of the order take central's: (conn, copy, central's order id,
#: the local one, central's invoice ids -> local ones).
PaymentsAligner = Callable[[Connection, dict[str, Any], int, int, dict[int, int]], None]


def align_order(
    conn: Connection,
    copy: dict[str, Any],
    number: str,
    payments: PaymentsAligner | None = None,
) -> bool:
    """Bring this database's order ``number`` to central's rows of it in ``copy``; False
    (nothing changed) when either side holds no such order. ``payments``: how the payments
    are matched (one for one in the order made, by default: :func:`_align_payments`)."""
    o = orepo.order_t.c
    local_id = conn.execute(sa.select(o.id).where(o.number == number)).scalar()
    central = [r for r in copy.get("orders", []) if r.get("number") == number]
    if local_id is None or not central:
        return False
    central_id = int(central[0]["id"])
    conn.execute(
        orepo.order_t.update()
        .where(o.id == local_id)
        .values(_values(orepo.order_t, central[0], _ORDER_KEPT))
    )
    invoices = _align_invoices(conn, copy, central_id, int(local_id))
    lines = _align_lines(conn, copy, central_id, int(local_id), invoices)
    _take_invoice_lines(conn, copy, invoices, lines)
    (payments or _align_payments)(conn, copy, central_id, int(local_id), invoices)
    return True


def _align_invoices(
    conn: Connection, copy: dict[str, Any], central_id: int, local_id: int
) -> dict[int, int]:
    """The order's invoices as central has them (by number); central's id -> local id."""
    i = orepo.invoice_t.c
    here = _ids(conn, orepo.invoice_t, i.order_id == local_id, "number")
    ids: dict[int, int] = {}
    for invoice in copy.get("invoices", []):
        if int(invoice["order_id"]) != central_id:
            continue
        values = _values(orepo.invoice_t, invoice, _INVOICE_KEPT)
        found = here.get(invoice["number"])
        if found is None:
            store = conn.execute(
                sa.select(orepo.order_t.c.store_id).where(orepo.order_t.c.id == local_id)
            ).scalar_one()
            made = conn.execute(
                orepo.invoice_t.insert().values({**values, "order_id": local_id, "store_id": store})
            ).inserted_primary_key
            assert made is not None
            found = int(made[0])
        else:
            conn.execute(orepo.invoice_t.update().where(i.id == found).values(values))
        ids[int(invoice["id"])] = found
    return ids


def _align_lines(
    conn: Connection,
    copy: dict[str, Any],
    central_id: int,
    local_id: int,
    invoices: dict[int, int],
) -> dict[int, int]:
    """The order's lines as central has them (by number); central's id -> local id."""
    ln, p = orepo.line_t.c, repo.product_t.c
    here = _ids(conn, orepo.line_t, ln.order_id == local_id, "number")
    products = {str(s): int(i) for i, s in conn.execute(sa.select(p.id, p.sku))}
    ids: dict[int, int] = {}
    for line in copy.get("order_lines", []):  # in id order: a package's header first
        if int(line["order_id"]) != central_id:
            continue
        values = _values(orepo.line_t, line, _LINE_KEPT) | {
            "invoice_id": _mapped(invoices, line.get("invoice_id")),
            "refund_invoice_id": _mapped(invoices, line.get("refund_invoice_id")),
            "package_line": _mapped(ids, line.get("package_line")),
        }
        found = here.get(int(line["number"]))
        if found is None:
            if line["sku"] not in products:
                continue  # a product this till does not know: the line stays away
            made = conn.execute(
                orepo.line_t.insert().values(
                    {**values, "order_id": local_id, "product_id": products[line["sku"]]}
                )
            ).inserted_primary_key
            assert made is not None
            found = int(made[0])
        else:
            conn.execute(orepo.line_t.update().where(ln.id == found).values(values))
        ids[int(line["id"])] = found
    return ids


def _take_invoice_lines(
    conn: Connection, copy: dict[str, Any], invoices: dict[int, int], lines: dict[int, int]
) -> None:
    """The invoices' lines as central has them, whole (an invoice line is never edited)."""
    il = orepo.invoice_line_t.c
    if invoices:
        conn.execute(orepo.invoice_line_t.delete().where(il.invoice_id.in_(invoices.values())))
    for item in copy.get("invoice_lines", []):
        invoice = _mapped(invoices, item["invoice_id"])
        line = _mapped(lines, item["order_line_id"])
        if invoice is None or line is None:
            continue
        values = _values(orepo.invoice_line_t, item, frozenset({"id"}))
        conn.execute(
            orepo.invoice_line_t.insert().values(
                {**values, "invoice_id": invoice, "order_line_id": line}
            )
        )


def _align_payments(
    conn: Connection,
    copy: dict[str, Any],
    central_id: int,
    local_id: int,
    invoices: dict[int, int],
) -> None:
    """The order's payments as central has them, one for one in the order made, each local
    row keeping its shift; a local row central lacks goes, one central has more comes
    without a shift (the money moved in no drawer of this till's)."""
    pc, i = orepo.payment_t.c, orepo.invoice_t.c
    # A refund this till paid on a refund note central does not hold (a return a manager
    # settled by accept): the money left this drawer, so its row stays, shift and all.
    own_refunds = (
        sa.select(i.id)
        .where(i.order_id == local_id, i.kind == "Refund", i.id.not_in(list(invoices.values())))
        .scalar_subquery()
    )
    rows = conn.execute(
        sa.select(pc.id, pc.kind, pc.invoice_id)
        .where(
            pc.order_id == local_id,
            sa.not_(sa.and_(pc.kind == "refund", pc.invoice_id.in_(own_refunds))),
        )
        .order_by(pc.id)
    ).all()
    theirs = [r for r in copy.get("order_payments", []) if int(r["order_id"]) == central_id]
    paired = _paired_refunds(conn, rows, theirs, invoices)
    rest = iter([int(r[0]) for r in rows if int(r[0]) not in paired.values()])
    for at, payment in enumerate(theirs):
        values = _values(orepo.payment_t, payment, _PAYMENT_KEPT) | {
            "invoice_id": _mapped(invoices, payment.get("invoice_id"))
        }
        found = paired[at] if at in paired else next(rest, None)
        if found is not None:
            conn.execute(orepo.payment_t.update().where(pc.id == found).values(values))
        else:
            conn.execute(orepo.payment_t.insert().values({**values, "order_id": local_id}))
    left = list(rest)
    if left:
        conn.execute(orepo.payment_t.delete().where(pc.id.in_(left)))


def _paired_refunds(
    conn: Connection, rows: Sequence[Any], theirs: list[dict[str, Any]], invoices: dict[int, int]
) -> dict[int, int]:
    """Central's refunds on a refund note (their positions in ``theirs``) -> the local refund
    row on the same note, so each keeps the shift of the drawer it left. Paired by position
    only, a till's refund on its own note and a copy of another till's refund of the same
    order (a second return of one unit whose refund central booked:
    services/second_refund.py) swapped shifts: the X report counted the other till's refund
    and lost its own. Every other payment pairs by position, as before."""
    i = orepo.invoice_t.c
    notes = {
        int(n)
        for n in conn.execute(
            sa.select(i.id).where(i.id.in_(list(invoices.values())), i.kind == "Refund")
        ).scalars()
    }
    out: dict[int, int] = {}
    for at, payment in enumerate(theirs):
        note = _mapped(invoices, payment.get("invoice_id"))
        if payment.get("kind") != "refund" or note not in notes:
            continue
        for pid, kind, invoice in rows:
            if kind == "refund" and invoice == note and int(pid) not in out.values():
                out[at] = int(pid)
                break
    return out
