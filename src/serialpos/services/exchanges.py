"""Exchanges: a customer brings a unit back and leaves with its replacement on one document,
paying (or getting back) only the difference.

Design (issue 14 item 5), as counter systems do it: an exchange is a new sale order linked to
the return. :func:`start_exchange` takes the units back exactly as a return does (each unit
its RETURN event on the original order's line, a refund note ``RF-…``), but the refund is not
paid out: it is recorded on the original order as a refund *to exchange credit* and arrives on
the new sale as a payment of method ``exchange`` — the same money, so neither order's books
show cash that never moved. The new sale (``exchange_of`` = the refund note) is rung up as any
sale: its units are reserved, then sold (SELL events) at fulfilment; the tender nets, because
the credit already covers that much of the total: the customer pays the rest, or gets the
surplus back as change. The exchange document (its invoice, printed by
:func:`exchange_document`) lists the returned units as negative lines above the new ones,
both serials shown, and the difference as its total.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_repo as orepo
from serialpos.db.engine import Database
from serialpos.domain.errors import BadRequest
from serialpos.domain.orders import EXCHANGE_CREDIT, DeliveryMode, OrderStatus, SaleType
from serialpos.domain.text import clip
from serialpos.domain.users import Permission
from serialpos.printing.invoice import InvoiceDocument, InvoiceLine
from serialpos.services.context import Actor
from serialpos.services.orders.checkout import _insert_payment
from serialpos.services.orders.header import _open_in
from serialpos.services.orders.reading import _find, _view
from serialpos.services.orders.views import ZERO, OrderView
from serialpos.services.orders.work import _Ctx, _touch
from serialpos.services.returns import ReturnResult, TakenBack, journal_return, take_back

#: The payment method of exchange credit: a refund carried from the return to the new sale.
EXCHANGE = EXCHANGE_CREDIT


@dataclass(frozen=True)
class ExchangeResult:
    sale: OrderView  # the new sale, carrying the credit
    returned: OrderView  # the original order, its lines returned
    refund_note: str
    credit: Decimal
    units: tuple[tuple[str, str], ...]  # (serial, state now) of each unit taken back


def start_exchange(
    db: Database,
    actor: Actor,
    order: str,
    *,
    lines: list[int],
    damaged: list[int] | tuple[int, ...] = (),
    store: str | None = None,
) -> ExchangeResult:
    """Take ``lines`` of ``order`` back and open the sale that carries their refund as credit,
    in ONE transaction: a refusal (a line not sold, an unknown store) changes nothing.

    On a store terminal the return part is journaled in that transaction (``order_return``
    with ``"exchange": true`` and the refund note's number); the new sale stays local while
    open, like any sale, and its fulfilment journals ``order_create`` with ``exchange_of``
    (services/orders/sale_journal.py), which central applies with :func:`carry_credit`."""
    actor.require(Permission.SELL)
    wanted = _wanted(lines, damaged)

    def work(conn: Connection) -> ExchangeResult:
        taken = _take_back_for_credit(conn, db, actor, order, wanted, set(damaged), store)
        original = taken.ctx.row._mapping
        customer = {
            key: original[key] for key in ("customer_name", "customer_phone", "customer_address")
        }
        row = _open_in(
            conn,
            db,
            actor,
            store or taken.ctx.store,
            SaleType.SALE,
            DeliveryMode.CASH_AND_CARRY,
            customer,
        )
        sale = _Ctx(conn, db, actor, row)
        _touch(conn, sale.id, exchange_of=taken.number)
        if taken.amount:
            _insert_payment(sale, "payment", EXCHANGE, taken.amount)
        return ExchangeResult(
            _view(conn, _find(conn, sale.number)),
            _view(conn, _find(conn, order)),
            taken.number,
            taken.amount,
            taken.units,
        )

    return db.write(work)


def _wanted(lines: list[int], damaged: list[int] | tuple[int, ...]) -> list[int]:
    wanted = list(dict.fromkeys([*lines, *damaged]))
    if not wanted:
        raise BadRequest("name the lines to exchange")
    return wanted


def _take_back_for_credit(
    conn: Connection,
    db: Database,
    actor: Actor,
    order: str,
    wanted: list[int],
    broken: set[int],
    store: str | None,
) -> TakenBack:
    """The return half of an exchange: the units taken back, the refund note issued and its
    amount refunded to exchange credit (not paid out); journaled on a store terminal."""
    taken = take_back(conn, db, actor, order, wanted, broken, store)
    if taken.amount:
        _insert_payment(taken.ctx, "refund", EXCHANGE, -taken.amount, taken.refund_id)
    journal_return(taken, wanted, broken, None, store)
    return taken


def return_for_credit(
    db: Database,
    actor: Actor,
    order: str,
    *,
    lines: list[int],
    damaged: list[int] | tuple[int, ...] = (),
    store: str | None = None,
) -> ReturnResult:
    """The return half of an exchange alone (``apply``'s ``order_return`` with
    ``"exchange": true``, how a store terminal's exchange reaches central): as a return, but
    the refund becomes exchange credit that a later ``order_create`` with ``exchange_of``
    carries (:func:`carry_credit`)."""
    actor.require(Permission.SELL)
    wanted = _wanted(lines, damaged)

    def work(conn: Connection) -> ReturnResult:
        taken = _take_back_for_credit(conn, db, actor, order, wanted, set(damaged), store)
        return ReturnResult(
            _view(conn, _find(conn, order)), taken.number, taken.amount, taken.units, EXCHANGE
        )

    return db.write(work)


def spend_credit(db: Database, actor: Actor, refund_note: str, store: str) -> OrderView:
    """Open a new sale at ``store`` carrying the exchange credit of ``refund_note`` (one whose
    exchange sale was voided, services/order_void.py), for the original customer: the
    console's Re-issue on a found refund note. Refused as :func:`carry_credit` refuses (a
    credit already carried, a note paid out), with nothing opened."""
    actor.require(Permission.SELL)
    return db.write(lambda conn: _spend_in(conn, db, actor, refund_note, store))


def _spend_in(
    conn: Connection, db: Database, actor: Actor, refund_note: str, store: str
) -> OrderView:
    i, o = orepo.invoice_t.c, orepo.order_t.c
    holder = conn.execute(
        sa.select(o.customer_name, o.customer_phone, o.customer_address)
        .join(orepo.invoice_t, i.order_id == o.id)
        .where(i.number == refund_note.strip(), i.kind == "Refund")
    ).first()
    customer = {} if holder is None else dict(holder._mapping)
    row = _open_in(conn, db, actor, store, SaleType.SALE, DeliveryMode.CASH_AND_CARRY, customer)
    sale = _Ctx(conn, db, actor, row)
    carry_credit(sale, refund_note)
    return _view(conn, _find(conn, sale.number))


@dataclass(frozen=True)
class Resumed:
    """Where Re-issue after an exchange goes: ``sale``; ``opened`` when it is a new sale
    carrying the credit a voided exchange sale gave back to ``refund_note``."""

    sale: OrderView
    opened: bool = False
    voided: str | None = None  # the voided exchange sale, when ``sale`` is another
    refund_note: str | None = None


def resume_exchange(db: Database, actor: Actor, sale: str, store: str) -> Resumed:
    """Re-issue after an exchange (the console's Returns, F5): the exchange sale ``sale`` while
    it stands; once it was voided (its credit back on the refund note) the sale now carrying
    that credit, or else a new sale at ``store`` opened carrying it, in one transaction.
    Before, Re-issue reopened the voided sale, where every scan was refused, and the credit
    could be spent only by finding the refund note by hand."""
    actor.require(Permission.SELL)

    def work(conn: Connection) -> Resumed:
        view = _view(conn, _find(conn, sale))
        note = view.exchange_of
        if view.status is not OrderStatus.VOIDED or note is None:
            return Resumed(view)
        o = orepo.order_t.c
        carrier = conn.execute(
            sa.select(o.number).where(o.exchange_of == note, o.status != OrderStatus.VOIDED.value)
        ).scalar()
        if carrier is not None:
            return Resumed(_view(conn, _find(conn, carrier)), False, view.order, note)
        return Resumed(_spend_in(conn, db, actor, note, store), True, view.order, note)

    return db.write(work)


def carry_credit(sale: _Ctx, refund_note: str) -> Decimal:
    """Make the new order ``sale`` the exchange sale of ``refund_note``: its exchange credit
    arrives on it as a payment, as :func:`start_exchange` does. Refused unless the note is a
    refund to exchange credit that no other sale carries yet (a credit is spent once)."""
    conn, refund_note = sale.conn, refund_note.strip()
    i, p, o = orepo.invoice_t.c, orepo.payment_t.c, orepo.order_t.c
    note = conn.execute(sa.select(i.id, i.order_id, i.kind).where(i.number == refund_note)).first()
    if note is None or note.kind != "Refund":
        raise BadRequest(
            f"'exchange_of': there is no refund note '{clip(refund_note)}'",
            code="unknown_refund",
        )
    holder = conn.execute(sa.select(o.number).where(o.id == note.order_id)).scalar_one()
    _find(conn, holder, lock=True)  # one credit, one sale: two carrying it queue here
    refunds = conn.execute(
        sa.select(p.method, p.amount).where(p.invoice_id == note.id, p.kind == "refund")
    ).all()
    if any(r.method != EXCHANGE for r in refunds):
        raise BadRequest(
            f"refund note {refund_note} was paid out, not kept as exchange credit",
            code="not_exchange_credit",
        )
    credit = -sum((orepo.money(r.amount) for r in refunds), ZERO)
    carried = conn.execute(
        sa.select(o.number).where(
            o.exchange_of == refund_note,
            o.id != sale.id,
            # A voided sale gave the credit back to the note (services/order_void.py).
            o.status != OrderStatus.VOIDED.value,
        )
    ).scalar()
    if carried is not None:
        raise BadRequest(
            f"the credit of refund note {refund_note} is carried by order {carried} already",
            code="credit_spent",
        )
    _touch(conn, sale.id, exchange_of=refund_note)
    if credit:  # a note of nothing (a free unit) carries no payment, as start_exchange
        _insert_payment(sale, "payment", EXCHANGE, credit)
    return credit


def _returned_lines(
    conn: Connection, refund_note: str
) -> tuple[list[InvoiceLine], Decimal, Decimal]:
    """The refund note's lines as negative lines, with its net and tax."""
    i, il = orepo.invoice_t.c, orepo.invoice_line_t.c
    note = conn.execute(sa.select(i.id, i.net, i.tax).where(i.number == refund_note)).first()
    if note is None:
        return [], ZERO, ZERO
    out = [
        InvoiceLine(
            r.sku,
            f"Returned: {r.description}",
            r.quantity,
            -orepo.money(r.unit_price),
            orepo.rate(r.tax_rate),
            -orepo.money(r.total),
            (r.serial,) if r.serial else (),
        )
        for r in conn.execute(
            sa.select(orepo.invoice_line_t).where(il.invoice_id == note.id).order_by(il.position)
        )
    ]
    return out, orepo.money(note.net), orepo.money(note.tax)


def exchange_document(conn: Connection, doc: InvoiceDocument, refund_note: str) -> InvoiceDocument:
    """The invoice of an exchange sale as the exchange document: the returned units (negative)
    above the new ones, totals netted, the money that changed hands (not the credit) paid."""
    returned, net, tax = _returned_lines(conn, refund_note)
    paid = tuple(p for p in doc.payments if p.method != EXCHANGE)
    return replace(
        doc,
        kind="Exchange",
        lines=(*returned, *doc.lines),
        subtotal=doc.subtotal - net,
        tax=doc.tax - tax,
        total=doc.total - net - tax,
        payments=paid,
        notes=(*doc.notes, f"Exchange: returned on refund note {refund_note}"),
    )
