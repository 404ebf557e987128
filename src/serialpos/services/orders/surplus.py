"""Money a fulfilled order holds over its total, given back to the customer (issue 16).

A store terminal offline while central took a part payment on its layby took the balance
its copy showed at collection; central books the till's tenders and the change it gave,
never change of its own making (services/orders/checkout.py ``change_given``), so the order
holds what the customer paid twice: ``db check`` says ``order_overpaid`` ("refund it to the
customer"), and nothing could: a fulfilled order took no refund but a return's. Now
``order_refund`` (``serialpos apply``) pays it back by method, up to what the order holds
over its total, in the acting terminal's shift as any refund at its counter (its cash from
its drawer), by a manager: money leaves with no goods coming back.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.engine import Connection

from serialpos.db.engine import Database
from serialpos.domain.errors import PermissionDenied
from serialpos.domain.orders import PaymentMethod, parse_amount, surplus_refusal
from serialpos.domain.users import Permission
from serialpos.services.context import Actor
from serialpos.services.orders.checkout import _insert_payment
from serialpos.services.orders.reading import _find, _view
from serialpos.services.orders.views import OrderClosed, OrderView
from serialpos.services.orders.work import _Ctx, _touch, _write


def refund_surplus(
    db: Database, actor: Actor, order: str, refunds: list[tuple[str, Decimal]]
) -> OrderView:
    """Give ``refunds`` (method, amount > 0) back out of what fulfilled order ``order``
    holds over its total, in one transaction; refused ``order_closed`` naming the surplus
    when it holds less (domain/orders.py :func:`surplus_refusal`)."""
    try:
        actor.require(Permission.ADJUST)
    except PermissionDenied:  # its words say "adjust stock": say what this is
        raise PermissionDenied(
            f"{actor.user} ({actor.role.value}) may not give money back on an order; that "
            "needs the role manager or admin"
        ) from None
    wanted = [
        (PaymentMethod.parse(m).value, parse_amount(str(a), f"refunds[{n}].amount"))
        for n, (m, a) in enumerate(refunds, start=1)
    ]
    asked = sum((amount for _method, amount in wanted), Decimal(0))

    def work(conn: Connection) -> OrderView:
        row = _find(conn, order, lock=True)
        totals = _view(conn, row).totals
        refused = surplus_refusal(
            str(row._mapping["number"]),
            str(row._mapping["status"]),
            totals.total,
            totals.paid,
            asked,
        )
        if refused is not None:
            raise OrderClosed(refused)
        ctx = _Ctx(conn, db, actor, row)
        for method, amount in wanted:
            _insert_payment(ctx, "refund", method, -amount)
        _touch(conn, ctx.id)
        return _view(conn, ctx.row)

    return _write(db, actor, work)
