"""Reading orders: finding one (locked when it is to be changed), building its view, listing a
store's orders and the lines still waiting for a serial. Every other order room reads through
here so an order looks the same whichever call returns it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import line_money, repo, sale_products
from serialpos.db import order_repo as orepo
from serialpos.db.engine import Database
from serialpos.domain.errors import (
    BadValue,
)
from serialpos.domain.orders import (
    DELIVERY_MODES,
    LINE_STATUSES,
    ORDER_STATUSES,
    SALE_TYPES,
    DeliveryMode,
    LineAmounts,
    LineStatus,
    OrderStatus,
    SaleType,
    closed_order_words,
    serial_indicator,
    totals,
)
from serialpos.domain.products import SERIAL_MODES, SerialMode
from serialpos.domain.text import clip
from serialpos.services.orders.discount_views import (
    with_line_discount,
    with_order_discount,
)
from serialpos.services.orders.views import (
    Customer,
    OrderClosed,
    OrderLineView,
    OrderSummary,
    OrderView,
    PaymentView,
    PendingLine,
    UnknownOrder,
)


class RowValues:
    """An order line or payment as a step has just written it, standing in for the row it
    would read back (``_mapping`` for a line, attributes for a payment), so a step can answer
    with the view without reading again what it wrote."""

    __slots__ = ("_mapping",)

    def __init__(self, values: Mapping[str, Any]) -> None:
        self._mapping = dict(values)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._mapping[name]
        except KeyError:
            raise AttributeError(name) from None


def as_row(values: Mapping[str, Any]) -> sa.Row[object]:
    """:class:`RowValues` typed as the row it stands in for."""
    return cast("sa.Row[object]", RowValues(values))


def _view(
    conn: Connection,
    row: sa.Row[object],
    status: str | None = None,
    *,
    lines: Sequence[sa.Row[object]] | None = None,
    payments: Sequence[Any] | None = None,
    invoices: dict[int, str] | None = None,
) -> OrderView:
    """The order as callers see it, from its row as read in this transaction: a step that
    changed only lines, payments or ``updated_at`` (not shown) passes the row it locked
    instead of reading it again; ``status``, when the step changed it. ``lines`` (not
    removed, in number order), ``payments`` (in id order) and ``invoices`` (number by id):
    what the step already holds as it now stands, so only the rest is read. The invoices are
    read only when a line or payment names one: an order's invoices are issued by fulfilling
    its lines (each fulfilled line keeps its invoice; a refund note follows a fulfilment), so
    an order none of whose lines or payments names an invoice has none."""
    m = row._mapping
    line_rows = orepo.order_lines(conn, m["id"]) if lines is None else lines
    payment_rows = orepo.payments(conn, m["id"]) if payments is None else payments
    if invoices is not None:
        invoice_numbers = invoices
    elif any(ln._mapping["invoice_id"] is not None for ln in line_rows) or any(
        p.invoice_id is not None for p in payment_rows
    ):
        invoice_numbers = orepo.invoices(conn, m["id"])
    else:
        invoice_numbers = {}
    keep = len(line_rows) >= KEEP_FROM
    lines_out = [line_view(ln, invoice_numbers, keep=keep) for ln in line_rows]
    pays = tuple(
        PaymentView(
            p.method, orepo.money(p.amount), p.at, p.kind, invoice_numbers.get(p.invoice_id)
        )
        for p in payment_rows
    )
    counted = [
        LineAmounts(ln.net, ln.tax)
        for ln in lines_out
        if ln.status in (LineStatus.OPEN, LineStatus.FULFILLED)
    ]
    customer = None
    if m["customer_name"] or m["customer_phone"] or m["customer_address"]:
        customer = Customer(m["customer_name"], m["customer_phone"], m["customer_address"])
    view = OrderView(
        order=m["number"],
        store=m["store_code"],
        type=SALE_TYPES[m["type"]],
        delivery=DELIVERY_MODES[m["delivery"]],
        status=ORDER_STATUSES[status or m["status"]],
        customer=customer,
        lines=tuple(lines_out),
        totals=totals(counted, [p.amount for p in pays]),
        payments=pays,
        invoices=tuple(invoice_numbers[k] for k in sorted(invoice_numbers)),
        created_by=m["created_by"],
        created_at=m["created_at"],
    )
    return with_order_discount(view, row)


def line_view(
    row: sa.Row[object], invoice_numbers: Mapping[int, str], *, keep: bool = True
) -> OrderLineView:
    """An order line as callers see it, from its row and the order's invoice numbers.

    Remembered by everything the row holds (its column names and values, a Decimal by its
    text, so 20.000 and 20, or 0 and -0.00, are kept apart) and the line's invoice number: the
    view is a pure function of these, so a kept one is never stale. An order's view is built
    again after every step and holds all its lines; a scan changes one of them, so the others
    are found here instead of being worked out again (issue 15: a long sale's scan spent half
    its service time building the views of lines it did not touch). ``keep`` False: built,
    neither looked for nor kept (an order of a few lines, :data:`KEEP_FROM`)."""
    m = row._mapping
    invoice = invoice_numbers.get(m["invoice_id"])
    if not keep:
        return _new_line_view(row, invoice)
    try:
        key = (tuple(m), tuple(map(_exact, m.values())), invoice)
        kept = _LINE_VIEWS.get(key)
    except TypeError:  # a value that cannot be a key: built every time
        key, kept = None, None
    if kept is not None:
        return kept
    view = _new_line_view(row, invoice)
    if key is not None:
        if len(_LINE_VIEWS) >= LINE_VIEW_MEMO:
            _LINE_VIEWS.clear()
        _LINE_VIEWS[key] = view
    return view


def _exact(value: object) -> object:
    """A value as a key that tells apart what reads differently (a Decimal by its text)."""
    return str(value) if type(value) is Decimal else value


#: The fewest lines an order has for its view to look for (and keep) its line views: a
#: counter sale of one or two units changes most of its lines at every step, and the key of a
#: line (all its values) cost about as much to build as the view itself (issue 15, cProfile
#: of a one-unit sale: 0.48 ms of 1.1 ms per view went on keys never found again).
KEEP_FROM = 4
#: Line views remembered by :func:`line_view` before its memory is cleared (a terminal's
#: open orders' lines; a long sale is a few hundred).
LINE_VIEW_MEMO = 4096
_LINE_VIEWS: dict[object, OrderLineView] = {}


def _new_line_view(ln: sa.Row[object], invoice: str | None) -> OrderLineView:
    lm = ln._mapping
    mode = line_mode(ln)
    price, tax_rate = orepo.money(lm["unit_price"]), orepo.rate(lm["tax_rate"])
    amounts = line_money.row_amounts(ln)
    return with_line_discount(
        OrderLineView(
            line=lm["id"],
            number=lm["number"],
            sku=lm["sku"],
            name=lm["name"],
            quantity=lm["quantity"],
            unit_price=price,
            tax_rate=tax_rate,
            net=amounts.net,
            tax=amounts.tax,
            total=amounts.gross,
            serial_mode=mode,
            serial=lm["serial"],
            indicator=serial_indicator(mode, lm["serial"]),
            status=LINE_STATUSES[lm["status"]],
            package_line=lm["package_line"],
            invoice=invoice,
        ),
        ln,
    )


def line_mode(row: sa.Row[object]) -> SerialMode:
    """A line's serial mode: its product's, except a package opened at the sale (exploded),
    whose own mode is ignored: its components' lines take the serials."""
    if row._mapping["package_type"] == "exploded":
        return SerialMode.DISABLED
    return SERIAL_MODES[row._mapping["serial_mode"]]


def _find(conn: Connection, number: str, *, lock: bool = False) -> sa.Row[object]:
    row = orepo.order_row(conn, number.strip(), lock=lock)
    if row is None:
        raise UnknownOrder(f"there is no order '{clip(number.strip())}'")
    return row


def _editable(conn: Connection, number: str) -> sa.Row[object]:
    """The order, locked, refused unless it can still change (open or parked)."""
    row = _find(conn, number, lock=True)
    closed = closed_order_words(str(row._mapping["number"]), str(row._mapping["status"]))
    if closed is not None:
        raise OrderClosed(closed)
    return row


def get_order(db: Database, order: str) -> OrderView:
    """An order by its number as printed, else as typed in lower case on a handheld's keys
    (order numbers are minted in capitals; ``s01-000005`` said "there is no order", while
    the sale screen and returns found it)."""

    def read(conn: Connection) -> OrderView:
        typed = order.strip()
        row = orepo.order_row(conn, typed)
        if row is None and typed.upper() != typed:
            row = orepo.order_row(conn, typed.upper())
        return _view(conn, row if row is not None else _find(conn, typed))

    return db.read(read)


def list_orders(
    db: Database, store: str, status: str | None = None, limit: int = 100
) -> list[OrderSummary]:
    """Newest first. ``status``: open, parked, fulfilled or voided (None: all)."""
    wanted = None
    if status is not None:
        try:
            wanted = OrderStatus(status.strip().lower())
        except ValueError:
            raise BadValue(
                f"order status '{clip(status)}' is not one of "
                f"{', '.join(s.value for s in OrderStatus)}"
            ) from None

    def work(conn: Connection) -> list[OrderSummary]:
        sid = repo.store_id(db, conn, store)
        o = orepo.order_t.c
        query = sa.select(o.number).where(o.store_id == sid).order_by(o.id.desc()).limit(limit)
        if wanted is not None:
            query = query.where(o.status == wanted.value)
        out = []
        for number in conn.execute(query).scalars():
            view = _view(conn, _find(conn, number))
            out.append(
                OrderSummary(
                    view.order,
                    view.type,
                    view.delivery,
                    view.status,
                    view.customer.name if view.customer else None,
                    view.totals.total,
                    len(view.lines),
                    view.created_at,
                    view.pending_serials,
                    view.totals.due,
                    view.totals.paid,
                )
            )
        return out

    return db.read(work)


def pending_serial_lines(db: Database, store: str, limit: int = 500) -> list[PendingLine]:
    """Open lines of open or parked orders at ``store`` whose product requires a serial and
    has none yet, oldest order first."""

    def work(conn: Connection) -> list[PendingLine]:
        sid = repo.store_id(db, conn, store)
        o, c, p = orepo.order_t.c, orepo.line_t.c, repo.product_t.c
        rows = conn.execute(
            sa.select(
                o.number,
                c.id,
                c.number.label("line_number"),
                c.sku,
                c.name,
                o.type,
                o.delivery,
                o.customer_name,
                o.created_at,
            )
            .join(orepo.order_t, o.id == c.order_id)
            .join(repo.product_t, p.id == c.product_id)
            .where(
                o.store_id == sid,
                o.status.in_(("open", "parked")),
                c.status == LineStatus.OPEN,
                c.serial.is_(None),
                p.serial_mode == SerialMode.REQUIRED.value,
                sa.func.coalesce(sale_products.PACKAGE_TYPE, "") != "exploded",
            )
            .order_by(o.id, c.number)
            .limit(limit)
        ).all()
        return [
            PendingLine(
                r.number,
                r.id,
                r.line_number,
                r.sku,
                r.name,
                SaleType(r.type),
                DeliveryMode(r.delivery),
                r.customer_name,
                r.created_at,
            )
            for r in rows
        ]

    return db.read(work)
