"""Voiding an order: its reserved units go back to stock and what was paid on it is refunded.

Decision (issue 10, case 6): a void refunds rather than refusing until someone refunds by hand.
A professional till voids a paid order by handing back each tender: one ``refund`` payment per
method (a negative amount: cash back as cash, card back to the card, "other" as other), in the
same transaction as the void, so a voided order never holds money and a lay-by deposit cannot
vanish. The screen's confirmation names the refunds before anything happens
(:func:`refunds_for`), and the result lists them.

A partly handed-over order (a lay-by or special order with a line fulfilled): voiding it
cancels the rest. It used to be refused ("has fulfilled lines ... return the units instead"),
even once every fulfilled line was returned, so the deposit on the lines never collected stayed
on an open order nobody could close (the walk: total 0.00, paid 921.20). Now:

- every fulfilled line returned (none kept): the order is voided as one never handed over:
  its open lines' units go back to stock and what the customer still has paid net (deposit
  less the return's refund) is refunded per tender;
- lines fulfilled and kept: the open lines are cancelled (their units back to stock, the lines
  ``removed``), what was paid beyond the kept lines' total is refunded (:func:`refunds_of_overpay`,
  the latest tender first) and the order is ``fulfilled``: everything left on it was handed
  over and paid exactly, as a final fulfilment leaves it. The same closes an order whose open
  lines were removed one by one (``order_amend``) and which held the deposit over the rest.

Either way the money ends in a book: refunded, or on the invoice of what the customer kept.

An exchange sale (services/exchanges.py) carries its refund note's credit as a payment of
method ``exchange``: no tender, nothing the customer can be handed back. Voiding it gives the
credit back to its refund note (:class:`CreditBack`): the voided sale's credit is reversed (an
``exchange`` row, so the voided order holds no money) and the note's credit is free again, to
be carried by a new sale (the console's Returns, ``order_create`` with ``exchange_of``). It
was listed as a refund ("Refund exchange 1078.80 to the customer"), no real tender repaid it,
and the note stayed "carried" by the voided sale (``credit_spent``): the customer's money was
in no book. Only real tenders are refunds (:func:`refunds_for`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import journal
from serialpos.db import order_repo as orepo
from serialpos.db.engine import Database
from serialpos.domain.orders import (
    EXCHANGE_CREDIT,
    LineStatus,
    OrderStatus,
    refunds_of_overpay,
    refunds_on_void,
)
from serialpos.services import journal_sink
from serialpos.services.context import Actor
from serialpos.services.orders.checkout import _insert_payment
from serialpos.services.orders.lines import _release_line
from serialpos.services.orders.reading import _editable, _find, _view
from serialpos.services.orders.views import OrderClosed, OrderView
from serialpos.services.orders.work import _Ctx, _row_total, _touch, _write


@dataclass(frozen=True)
class Refund:
    """Money handed back on a void: ``amount`` is positive (the payment row is negative)."""

    method: str
    amount: Decimal

    @property
    def text(self) -> str:
        return f"{self.method} {self.amount:.2f}"


@dataclass(frozen=True)
class CreditBack:
    """An exchange sale's credit given back to its refund note on a void (not a refund)."""

    refund_note: str
    amount: Decimal

    @property
    def text(self) -> str:
        return (
            f"exchange credit {self.amount:.2f} back on refund note {self.refund_note} "
            "(spend it on a new sale)"
        )


@dataclass(frozen=True)
class VoidResult:
    order: OrderView
    refunds: tuple[Refund, ...]
    credit_back: CreditBack | None = None

    @property
    def message(self) -> str:
        if self.order.status is OrderStatus.FULFILLED:
            said = [f"{self.order.order}: open lines cancelled, the fulfilled lines kept"]
        else:
            said = [f"{self.order.order} voided"]
        if self.refunds:
            said.append(f"refunded {refund_text(self.refunds)}")
        if self.credit_back is not None:
            said.append(self.credit_back.text)
        return "; ".join(said)


def refund_text(refunds: tuple[Refund, ...]) -> str:
    """ "cash 5.00 and card 20.00"."""
    texts = [r.text for r in refunds]
    return texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + " and " + texts[-1]


def refunds_for(view: OrderView) -> tuple[Refund, ...]:
    """What voiding this order would refund to the customer, per real tender (for the
    confirmation on screen); an exchange credit goes back to its note (:func:`credit_back_for`)."""
    kept = [ln.total for ln in view.lines if ln.status is LineStatus.FULFILLED]
    paid = [(p.method, p.amount) for p in view.payments]
    try:
        return _refunds(view.order, paid, sum(kept, Decimal("0.00")) if kept else None)
    except OrderClosed:
        return ()  # the void itself refuses, naming why


def _refunds(
    order: str, paid: list[tuple[str, Decimal]], kept: Decimal | None
) -> tuple[Refund, ...]:
    """The refunds of a void: every real tender's net (``kept`` None: nothing handed over
    is kept), or what was paid beyond ``kept``, the total of the lines the customer keeps."""
    if kept is None:
        return tuple(
            Refund(method, amount)
            for method, amount in refunds_on_void(paid)
            if method != EXCHANGE_CREDIT
        )
    over = sum((amount for _m, amount in paid), Decimal("0.00")) - kept
    if over < 0:
        raise OrderClosed(
            f"order {order} has {-over:.2f} still to pay on its fulfilled lines; "
            "take the payment first"
        )
    if over == 0:
        return ()
    tenders = [(m, a) for m, a in paid if m != EXCHANGE_CREDIT]
    refunds = tuple(Refund(m, a) for m, a in refunds_of_overpay(tenders, over))
    if sum((r.amount for r in refunds), Decimal("0.00")) != over:
        raise OrderClosed(
            f"order {order} holds exchange credit beyond the lines kept; "
            "return the fulfilled units, then void it"
        )
    return refunds


def credit_back_for(view: OrderView) -> CreditBack | None:
    """The exchange credit voiding this order would give back to its refund note, if any."""
    held = sum((p.amount for p in view.payments if p.method == EXCHANGE_CREDIT), Decimal("0.00"))
    kept = any(ln.status is LineStatus.FULFILLED for ln in view.lines)  # the void keeps it
    if view.exchange_of is None or held <= 0 or kept:
        return None
    return CreditBack(view.exchange_of, held)


def void_order(db: Database, actor: Actor, order: str) -> VoidResult:
    """Cancel an order, or the open rest of a partly fulfilled one: every unit reserved to
    its open lines goes back to stock and what was paid beyond the lines kept is refunded per
    tender, in one transaction (the module's docstring says when it ends voided or fulfilled)."""

    def work(conn: Connection) -> VoidResult:
        ctx = _Ctx(conn, db, actor, _editable(conn, order))
        rows = orepo.order_lines(conn, ctx.id)
        kept = [r for r in rows if r._mapping["status"] == LineStatus.FULFILLED]
        kept_total = sum((_row_total(r) for r in kept), Decimal("0.00")) if kept else None
        paid = [(p.method, orepo.money(p.amount)) for p in orepo.payments(conn, ctx.id)]
        refunds = _refunds(ctx.number, paid, kept_total)
        open_rows = [r for r in rows if r._mapping["status"] == LineStatus.OPEN]
        for row in open_rows:
            _release_line(ctx, row)
        for refund in refunds:
            _insert_payment(ctx, "refund", refund.method, -refund.amount)
        credit = None
        if kept:
            # The rest cancelled: the open lines leave the order; what is kept was paid.
            conn.execute(
                sa.update(orepo.line_t)
                .where(orepo.line_t.c.id.in_([r._mapping["id"] for r in open_rows]))
                .values(status=LineStatus.REMOVED.value)
            )
            _touch(conn, ctx.id, status=OrderStatus.FULFILLED.value)
        else:
            credit = credit_back_for(_view(conn, ctx.row))
            if credit is not None:
                # The credit leaves the voided sale for its note, which a new sale may carry
                # (services/exchanges.py carry_credit passes over a voided sale).
                _insert_payment(ctx, "refund", EXCHANGE_CREDIT, -credit.amount)
            _touch(conn, ctx.id, status=OrderStatus.VOIDED.value)
        if journal_sink.journaling(db) and journal.mentions(conn, ctx.number):
            # On a store terminal an order central knows (an ``apply`` line made it there)
            # is voided there too; an order only rung up here never left the terminal.
            # With the refunds this drawer paid: central fulfilled the order meanwhile, a
            # manager books them there by ``refund`` (services/conflict_closed_money.py).
            line: dict[str, object] = {"op": "order_void", "order": ctx.number}
            if refunds:
                line["refunds"] = [{"method": r.method, "amount": str(r.amount)} for r in refunds]
            journal_sink.record(db, conn, actor, line)
        return VoidResult(_view(conn, _find(conn, order)), refunds, credit)

    return _write(db, actor, work)
