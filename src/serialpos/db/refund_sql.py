"""The SQL that finishes a till's copy of a sale central voided and refunded (issue 16, D5).

A till's sale whose only lines named a unit sold at another till first is resolved by
``refund`` (services/conflict_refund.py): central records the order without units, voids it
and refunds its tenders; no invoice stands there. Once the till took central's rows of the
order (db/order_align_sql.py: the order voided, its lines open without serials, the sale's
payment keeping this till's shift, the refund added), two things are still the till's alone:

* the invoice the till issued for the sale, which central never issued (nothing was
  delivered): it is **kept, cancelled** — its number was printed on the customer's receipt
  and an invoice series never has a silent gap — with its lines as printed, and the
  order's payments (the tender and its refund) on it, so its reprint is the refund's
  document (services/invoices.py marks it CANCELLED: an invoice of a voided order is one,
  never anything else, as an order with an invoice is never voided). The sales reports
  leave it out (services/reports.py), as central has no sale; it used to be deleted, a
  gap in the till's invoice numbers;
* the refund, which central adds without a shift: the manager pays the customer back out of
  this till's drawer, where the sale's money is, so it is put in the till's open shift (the X
  and Z reports then balance: the sale's money in, its refund out). A refund row the
  alignment wrote over a local row of the sale (the change the till gave: central records
  the tender less the change instead) moves too, so the sale's shift, closed perhaps, keeps
  the money it held. With no shift open the refund stays where the alignment put it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_repo as orepo
from serialpos.db.shift_tables import open_shift_id


def take_refund(
    conn: Connection, copy: dict[str, Any], number: str, store: str, terminal: str
) -> None:
    """Finish this database's order ``number`` after central's rows of it were taken
    (module doc); nothing when the till holds no such order."""
    o, i = orepo.order_t.c, orepo.invoice_t.c
    local_id = conn.execute(sa.select(o.id).where(o.number == number)).scalar()
    if local_id is None:
        return
    central_ids = {int(r["id"]) for r in copy.get("orders", []) if r.get("number") == number}
    theirs = {
        str(r["number"]) for r in copy.get("invoices", []) if int(r["order_id"]) in central_ids
    }
    cancelled = [
        int(x)
        for x, n in conn.execute(sa.select(i.id, i.number).where(i.order_id == local_id))
        if str(n) not in theirs
    ]
    if cancelled:
        ln, pc = orepo.line_t.c, orepo.payment_t.c
        # The lines are open at central (nothing handed over): no invoice holds them now.
        conn.execute(
            orepo.line_t.update().where(ln.invoice_id.in_(cancelled)).values(invoice_id=None)
        )
        conn.execute(
            orepo.line_t.update()
            .where(ln.refund_invoice_id.in_(cancelled))
            .values(refund_invoice_id=None)
        )
        # The cancelled invoice carries the money in and back out: its reprint is the
        # customer's refund document.
        conn.execute(
            orepo.payment_t.update()
            .where(pc.order_id == int(local_id))
            .values(invoice_id=min(cancelled))
        )
    _refund_in_open_shift(conn, int(local_id), store, terminal)


def _refund_in_open_shift(conn: Connection, order_id: int, store: str, terminal: str) -> None:
    pc = orepo.payment_t.c
    shift = open_shift_id(conn, store, terminal)
    if shift is None:
        return
    conn.execute(
        orepo.payment_t.update()
        .where(pc.order_id == order_id, pc.kind == "refund")
        .values(shift_id=int(shift))
    )
