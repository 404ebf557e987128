"""The payment, invoice and fulfilment writes of a counter sale (pay, invoice the lines, close
the order), as Prepared driver SQL, each one or two round trips however many lines: the
end of a sale's steps, apart from opening its order and adding its lines (db/sale_sql.py).
The services decide and own the transaction; this module only says how each statement reads
and writes.
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_repo as orepo
from serialpos.db.prepared import Prepared
from serialpos.db.sale_sql import touch
from serialpos.db.shift_tables import shift_t
from serialpos.domain.orders import LineStatus

order_c, line_c, payment_c = orepo.order_t.c, orepo.line_t.c, orepo.payment_t.c


_PAYMENT_KEYS = [
    "order_id",
    "kind",
    "method",
    "amount",
    "at",
    "user_name",
    "invoice_id",
    "shift_id",
]
_shift_c = shift_t.c


def shift_elsewhere() -> sa.ScalarSelect[int]:
    """The store of the terminal's shift open at another store than the payment's (None:
    none): read by the payment's own statement, so cash that finds no shift here is known
    to come from a drawer at another store without a round trip more
    (services/shift_store.py ``refuse_cash_elsewhere``)."""
    return (
        sa.select(_shift_c.store_id)
        .where(
            _shift_c.store_id != sa.bindparam("shift_store"),
            _shift_c.terminal == sa.bindparam("shift_terminal"),
            _shift_c.closed_at.is_(None),
        )
        .limit(1)
        .scalar_subquery()
    )


#: A payment in the terminal's open shift at the store (if any), found by the insert itself
#: (one open shift per terminal: a partial unique index); answers the shift's id and the
#: store of the terminal's shift open elsewhere (:func:`shift_elsewhere`).
_INSERT_PAYMENT_IN_SHIFT = Prepared(
    sa.insert(orepo.payment_t)
    .values(
        shift_id=sa.select(_shift_c.id)
        .where(
            _shift_c.store_id == sa.bindparam("shift_store"),
            _shift_c.terminal == sa.bindparam("shift_terminal"),
            _shift_c.closed_at.is_(None),
        )
        .scalar_subquery()
    )
    .returning(payment_c.shift_id, shift_elsewhere()),
    [k for k in _PAYMENT_KEYS if k != "shift_id"],
)


def insert_payment_in_shift(
    conn: Connection, values: Mapping[str, object], store_id: int, terminal: str
) -> tuple[int | None, int | None]:
    """Insert a payment (``values``: its columns but ``shift_id``) in ``terminal``'s open
    shift at the store; that shift's id, or None when it has none (the payment is then in
    no shift: the caller refuses it where the store requires one, or cash from a drawer
    open at another store), and the store id of the terminal's shift open at another store
    (None: none), in the one round trip."""
    params = {**values, "shift_store": store_id, "shift_terminal": terminal}
    found, elsewhere = _INSERT_PAYMENT_IN_SHIFT.rows(conn, params)[0]
    return (
        None if found is None else int(found),
        None if elsewhere is None else int(elsewhere),
    )


#: An invoice's columns as the sale writes them (db/tender_sql.py writes the same).
INVOICE_COLUMNS = [
    "number",
    "store_id",
    "order_id",
    "kind",
    "refers_to",
    "issued_at",
    "net",
    "tax",
    "total",
    "change_due",
    "created_by",
]
_INSERT_INVOICE = Prepared(
    sa.insert(orepo.invoice_t).returning(orepo.invoice_t.c.id), INVOICE_COLUMNS
)
#: An invoice line's columns as the sale writes them.
INVOICE_LINE_COLUMNS = [
    "invoice_id",
    "position",
    "order_line_id",
    "sku",
    "description",
    "quantity",
    "unit_price",
    "tax_rate",
    "net",
    "tax",
    "total",
    "serial",
]
_INSERT_INVOICE_LINE = sa.insert(orepo.invoice_line_t)
_INSERT_INVOICE_LINE_RUN = Prepared(_INSERT_INVOICE_LINE, INVOICE_LINE_COLUMNS)


def _invoice_with_one_line() -> Prepared:
    """PostgreSQL: an invoice and its one line in one round trip (the line takes the id the
    invoice's insert returns); answers the invoice's id."""
    made = _INSERT_INVOICE.statement
    assert isinstance(made, sa.Insert)
    invoice = made.values({k: sa.bindparam(k) for k in INVOICE_COLUMNS}).cte("invoice_made")
    line = invoice_line_of(invoice).returning(orepo.invoice_line_t.c.invoice_id).add_cte(invoice)
    return Prepared(line)


def invoice_line_of(invoice: sa.CTE) -> sa.Insert:
    """An invoice line on the invoice ``invoice`` (a CTE that inserted it, returning ``id``)
    makes: its other columns bound as ``line_<column>`` (db/tender_sql.py uses it too)."""
    keys = [k for k in INVOICE_LINE_COLUMNS if k != "invoice_id"]
    columns = orepo.invoice_line_t.c
    return sa.insert(orepo.invoice_line_t).from_select(
        ["invoice_id", *keys],
        sa.select(invoice.c.id, *(sa.bindparam(f"line_{k}", type_=columns[k].type) for k in keys)),
    )


_INVOICE_WITH_ONE_LINE = _invoice_with_one_line()


def insert_invoice(
    conn: Connection, values: Mapping[str, object], lines: list[dict[str, object]]
) -> int:
    """Insert an invoice and its lines; its id (one statement on PostgreSQL for one line)."""
    if conn.dialect.name == "postgresql" and len(lines) == 1:
        params = {**values, **{f"line_{k}": v for k, v in lines[0].items()}}
        return int(_INVOICE_WITH_ONE_LINE.scalar(conn, params))
    invoice_id = int(_INSERT_INVOICE.scalar(conn, values))
    for line in lines:
        line["invoice_id"] = invoice_id
    if len(lines) == 1:  # a counter sale's one line
        _INSERT_INVOICE_LINE_RUN.run(conn, lines[0])
    elif lines:
        conn.execute(_INSERT_INVOICE_LINE, lines)
    return invoice_id


_FULFIL_LINES = (
    sa.update(orepo.line_t)
    .where(
        line_c.id.in_(sa.bindparam("line_ids", expanding=True)), line_c.status == LineStatus.OPEN
    )
    .values(status=LineStatus.FULFILLED.value, invoice_id=sa.bindparam("invoice"))
)
_FULFIL_LINE = Prepared(
    sa.update(orepo.line_t)
    .where(line_c.id == sa.bindparam("line_id"), line_c.status == LineStatus.OPEN)
    .values(status=LineStatus.FULFILLED.value, invoice_id=sa.bindparam("invoice"))
)


def fulfil_lines(conn: Connection, line_ids: list[int], invoice_id: int) -> int:
    """Mark the open lines among ``line_ids`` fulfilled on the invoice; how many were."""
    if len(line_ids) == 1:
        return _FULFIL_LINE.run(conn, {"line_id": line_ids[0], "invoice": invoice_id}).rowcount
    done = conn.execute(_FULFIL_LINES, {"line_ids": sorted(line_ids), "invoice": invoice_id})
    return int(done.rowcount)


_PAYMENTS_ON_INVOICE = Prepared(
    sa.update(orepo.payment_t)
    .where(payment_c.order_id == sa.bindparam("paid_on"), payment_c.invoice_id.is_(None))
    .values(invoice_id=sa.bindparam("invoice"))
)


def payments_on_invoice(conn: Connection, order_id: int, invoice_id: int) -> None:
    """Every payment of the order not yet on an invoice goes on this one."""
    _PAYMENTS_ON_INVOICE.run(conn, {"paid_on": order_id, "invoice": invoice_id})


def _close_one_line() -> Prepared:
    """PostgreSQL: a one-line fulfilment's closing writes in one round trip: the line
    fulfilled on the invoice (counted, as :func:`fulfil_lines` counts), the order's payments
    on the invoice, the order's status and ``updated_at``."""
    line, paid = _FULFIL_LINE.statement, _PAYMENTS_ON_INVOICE.statement
    assert isinstance(line, sa.Update) and isinstance(paid, sa.Update)
    fulfilled = line.returning(line_c.id).cte("fulfilled")
    on_invoice = paid.returning(payment_c.id).cte("on_invoice")
    touched = (
        sa.update(orepo.order_t)
        .where(order_c.id == sa.bindparam("touched"))
        .values(updated_at=sa.bindparam("now"), status=sa.bindparam("new_status"))
        .returning(order_c.id)
        .cte("touched")
    )
    count = sa.select(sa.func.count()).select_from(fulfilled).scalar_subquery()
    return Prepared(sa.select(count).add_cte(on_invoice, touched))


_CLOSE_ONE_LINE = _close_one_line()


def close_fulfilment(
    conn: Connection,
    line_ids: list[int],
    invoice_id: int,
    order_id: int,
    now: object,
    status: str,
    *,
    attach_payments: bool = True,
) -> int:
    """The closing writes of a fulfilment: the lines fulfilled on the invoice, the order's
    payments not yet on an invoice on it (``attach_payments`` False: the caller knows there
    are none), the order's ``status`` and ``updated_at``; how many of the lines were still
    open (one statement on PostgreSQL for one line)."""
    if conn.dialect.name == "postgresql" and len(line_ids) == 1:
        found = _CLOSE_ONE_LINE.scalar(
            conn,
            {
                "line_id": line_ids[0],
                "invoice": invoice_id,
                "paid_on": order_id,
                "touched": order_id,
                "now": now,
                "new_status": status,
            },
        )
        return int(found)
    done = fulfil_lines(conn, line_ids, invoice_id)
    if attach_payments:
        payments_on_invoice(conn, order_id, invoice_id)
    touch(conn, order_id, now, status)
    return done
