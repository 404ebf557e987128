"""PostgreSQL: the closing writes of a one-line fulfilment in ONE statement (a counter sale's
tender): the invoice number taken from its series' counter and written into the invoice,
the invoice and its line, the payment taken now (in the terminal's open shift, on the
invoice), the line fulfilled on the invoice, the order's earlier payments put on it, and
the order's status and ``updated_at``.

On PostgreSQL each statement is a round trip to the server; these were five (counter,
invoice with its line, payment, closing). Nothing is decided differently: each write is the
statement it was (sale_invoice_sql.py, order_repo.next_number), chained by data-modifying CTEs,
which PostgreSQL runs exactly once each and to completion, on one snapshot:

- the counter row is bumped (and locked to commit) as ``next_number`` bumps it, and the
  number is formatted as ``document_numbers`` formats it: ``prefix`` (series, store,
  terminal code) then the value zero-padded to at least six digits;
- the payment is inserted already on the invoice, so the update that puts the order's
  earlier payments on it (``invoice_id IS NULL``, seen in the statement's snapshot) never
  sees it, as when it was inserted after;
- the line is fulfilled only while still ``open``: the count of lines fulfilled comes back,
  and the caller refuses the sale (``conflict``) when it is not one, as before.

The caller gets the invoice's id and number, that count, and the payment's shift (None: no
open shift; the caller then refuses where the store requires one, in this transaction).
SQLite runs the statements one by one (no round trips there): see services/orders/checkout.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import document_sql, sale_invoice_sql
from serialpos.db import order_repo as orepo
from serialpos.db.prepared import Prepared
from serialpos.db.shift_tables import shift_t
from serialpos.domain.orders import LineStatus

_invoice_c = orepo.invoice_t.c
_line_c, _payment_c, _order_c = orepo.line_t.c, orepo.payment_t.c, orepo.order_t.c

#: The invoice's columns the caller gives (its number is made here).
INVOICE_KEYS = tuple(k for k in sale_invoice_sql.INVOICE_COLUMNS if k != "number")
#: The invoice line's columns the caller gives (as ``line_<key>``).
INVOICE_LINE_KEYS = tuple(k for k in sale_invoice_sql.INVOICE_LINE_COLUMNS if k != "invoice_id")
#: The payment's columns the caller gives (as ``pay_<key>``); its invoice and shift are found
#: here.
PAYMENT_KEYS = ("order_id", "kind", "method", "amount", "at", "user_name")


def _bind(name: str, column: sa.Column[Any]) -> sa.BindParameter[Any]:
    return sa.bindparam(name, type_=column.type)


def _closing(with_payment: bool) -> Prepared:
    numbered = document_sql.numbered("numbered")
    prefix = sa.bindparam("number_prefix", type_=sa.String())
    invoice = (
        sa.insert(orepo.invoice_t)
        .from_select(
            ["number", *INVOICE_KEYS],
            sa.select(
                document_sql.number_text(prefix, numbered.c.value),
                *(_bind(k, _invoice_c[k]) for k in INVOICE_KEYS),
            ),
        )
        .returning(_invoice_c.id, _invoice_c.number)
        .cte("invoice_made")
    )
    invoice_line = (
        sale_invoice_sql.invoice_line_of(invoice)
        .returning(orepo.invoice_line_t.c.id)
        .cte("invoice_line_made")
    )
    invoice_id = sa.select(invoice.c.id).scalar_subquery()
    fulfilled = (
        sa.update(orepo.line_t)
        .where(_line_c.id == sa.bindparam("line_id"), _line_c.status == LineStatus.OPEN)
        .values(status=LineStatus.FULFILLED.value, invoice_id=invoice_id)
        .returning(_line_c.id)
        .cte("fulfilled")
    )
    on_invoice = (
        sa.update(orepo.payment_t)
        .where(_payment_c.order_id == sa.bindparam("paid_on"), _payment_c.invoice_id.is_(None))
        .values(invoice_id=invoice_id)
        .returning(_payment_c.id)
        .cte("on_invoice")
    )
    touched = (
        sa.update(orepo.order_t)
        .where(_order_c.id == sa.bindparam("touched"))
        .values(updated_at=sa.bindparam("now"), status=sa.bindparam("new_status"))
        .returning(_order_c.id)
        .cte("touched")
    )
    ctes = [invoice_line, fulfilled, on_invoice, touched]
    shift: sa.ColumnElement[Any] = sa.null()
    elsewhere: sa.ColumnElement[Any] = sa.null()
    if with_payment:
        open_shift = (
            sa.select(shift_t.c.id)
            .where(
                shift_t.c.store_id == sa.bindparam("shift_store"),
                shift_t.c.terminal == sa.bindparam("shift_terminal"),
                shift_t.c.closed_at.is_(None),
            )
            .scalar_subquery()
        )
        paid = (
            sa.insert(orepo.payment_t)
            .from_select(
                ["invoice_id", "shift_id", *PAYMENT_KEYS],
                sa.select(
                    invoice.c.id,
                    open_shift,
                    *(_bind(f"pay_{k}", _payment_c[k]) for k in PAYMENT_KEYS),
                ),
            )
            .returning(_payment_c.shift_id)
            .cte("paid")
        )
        ctes.append(paid)
        shift = sa.select(paid.c.shift_id).scalar_subquery()
        elsewhere = sale_invoice_sql.shift_elsewhere()
    answer = sa.select(
        invoice.c.id,
        invoice.c.number,
        sa.select(sa.func.count()).select_from(fulfilled).scalar_subquery(),
        shift,
        elsewhere,
    ).add_cte(*ctes)
    return Prepared(answer)


_WITH_PAYMENT, _WITHOUT_PAYMENT = _closing(True), _closing(False)


@dataclass(frozen=True)
class Closed:
    """What the closing statement wrote: the invoice, how many lines it fulfilled (1, or 0
    when another terminal fulfilled the line first), and the payment's shift (None: none
    open, or no payment), and the store of the terminal's shift open at another store
    (None: none, or no payment)."""

    invoice_id: int
    number: str
    fulfilled: int
    shift_id: int | None
    shift_elsewhere: int | None = None


def close_one_line(
    conn: Connection,
    *,
    counter: tuple[int, str],
    number_prefix: str,
    invoice: Mapping[str, object],
    line: Mapping[str, object],
    payment: Mapping[str, object] | None,
    shift: tuple[int, str],
    order_id: int,
    now: object,
    status: str,
) -> Closed:
    """Run the closing statement (module docstring) for the order line ``line["order_line_id"]``.
    ``counter``: the (store id, series) whose next value numbers the invoice after
    ``number_prefix``; ``invoice``, ``line``, ``payment``: the columns :data:`INVOICE_KEYS`,
    :data:`INVOICE_LINE_KEYS`, :data:`PAYMENT_KEYS` (no payment: None); ``shift``: the (store
    id, terminal) whose open shift the payment goes in."""
    params: dict[str, object] = {
        "counter_store": counter[0],
        "counter_kind": counter[1],
        "number_prefix": number_prefix,
        **{k: invoice[k] for k in INVOICE_KEYS},
        **{f"line_{k}": line[k] for k in INVOICE_LINE_KEYS},
        "line_id": line["order_line_id"],
        "paid_on": order_id,
        "touched": order_id,
        "now": now,
        "new_status": status,
    }
    statement = _WITHOUT_PAYMENT
    if payment is not None:
        statement = _WITH_PAYMENT
        params.update({f"pay_{k}": payment[k] for k in PAYMENT_KEYS})
        params["shift_store"], params["shift_terminal"] = shift
    invoice_id, number, fulfilled, shift_id, elsewhere = statement.rows(conn, params)[0]
    return Closed(
        int(invoice_id),
        str(number),
        int(fulfilled),
        None if shift_id is None else int(shift_id),
        None if elsewhere is None else int(elsewhere),
    )
