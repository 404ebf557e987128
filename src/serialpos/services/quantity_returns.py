"""The limits of a bare ``return`` (``serialpos apply``) that are not about one unit.

* A package opened at the sale (``exploded``) is never stocked: it sells as its components,
  so a return of it would add stock of a product no shelf holds and bring back none of the
  parts. Refused: it comes back through its order (``order_return``, which takes the
  package and its parts together) or as its components.
* A quantity goes back only up to what was sold of the SKU and not returned since,
  chain-wide (a sold unit may be handed in at any store): quantity ``sell`` events less
  quantity ``return`` events. The docs allowed a ledger-only return (no order), which then
  had no bound at all: ``quantity: 1000000`` made a million units of stock from nothing.
  A bare ``damaged`` return changes no stock and writes no quantity, so it is not counted.
* An order's return counts as taken back too, damaged or not. A damaged line written off by
  ``order_return`` writes no quantity either: before, the sale stayed "not returned" in the
  ledger's sum, so a lay-by's 2 cables refunded as damaged came back a second time by a bare
  ``return`` (2 sold, 4 taken back, 2 in stock from nothing). Its quantity is read off the
  order line its event names. And an ``order_return`` of a quantity is held to the same
  limit: after a bare ``return`` took the order's 2 back (no refund), ``order_return`` put
  2 more in stock. It is refused, naming the numbers; a manager refunds the customer's
  money on the order another way (``order_return`` marked ``damaged`` moves no stock).
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import order_repo as orepo
from serialpos.db import repo
from serialpos.domain.errors import BadRequest, InvalidTransition
from serialpos.domain.products import PackageType
from serialpos.domain.states import Action


def refuse_package(conn: Connection, sku: str, *, selling: bool = False) -> None:
    """Refuse a bare return (or, ``selling``, a bare ``sell``) of a package opened at the
    sale (``bad_request``): it is never in stock, so a sale of it by the ledger alone took
    the package itself below zero and moved none of its parts (walk of session seventeen)."""
    p = repo.product_t.c
    kind = conn.execute(sa.select(p.package_type).where(p.sku == sku)).scalar_one_or_none()
    if kind != PackageType.EXPLODED.value:
        return
    if selling:
        raise BadRequest(
            f"{sku} is a package opened at the sale: it is never in stock and sells as its "
            'components; sell it with order_create ("fulfil": true), which sells its parts'
        )
    raise BadRequest(
        f"{sku} is a package opened at the sale: it is never in stock and sells as its "
        "components; take it back with order_return on its order (the package and its "
        "parts together), or return its components"
    )


def returned_beyond_sold(conn: Connection, product_id: int) -> int:
    """How many more of the product were taken back than sold, by quantity (no unit),
    chain-wide; 0 while the returns stay within the sales. Taken back: quantity ``return``
    events, and the order lines written off as damaged by their order's return
    (:func:`damaged_on_orders`)."""
    ev = repo.event_t.c
    net = conn.execute(
        sa.select(sa.func.coalesce(sa.func.sum(ev.quantity), 0)).where(
            ev.product_id == product_id,
            ev.unit_id.is_(None),
            ev.action.in_((Action.SELL.value, Action.RETURN.value)),
        )
    ).scalar_one()
    return max(0, int(net) + damaged_on_orders(conn, product_id))


def damaged_on_orders(conn: Connection, product_id: int) -> int:
    """The quantity of the product that order returns wrote off as damaged: their events
    write no quantity (no stock moves), so it is read off the order line each names."""
    ev, o, ln = repo.event_t.c, orepo.order_t.c, orepo.line_t.c
    total = conn.execute(
        sa.select(sa.func.coalesce(sa.func.sum(ln.quantity), 0))
        .select_from(repo.event_t)
        .join(orepo.order_t, o.number == ev.document_id)
        .join(
            orepo.line_t,
            sa.and_(ln.order_id == o.id, sa.cast(ln.number, sa.String) == ev.document_line),
        )
        .where(
            ev.product_id == product_id,
            ev.unit_id.is_(None),
            ev.action == Action.RETURN_DAMAGED.value,
            ev.document_type == "order",
        )
    ).scalar_one()
    return int(total)


def quantity_check(sku: str, quantity: int) -> Callable[[Connection], None]:
    """The check a bare quantity ``return`` runs in its transaction, after its move (its
    refusal undoes it): the quantity returned, this one included, may not pass what was
    sold (``invalid_state``)."""

    def check(conn: Connection) -> None:
        beyond = returned_beyond_sold(conn, repo.product_by_sku(conn, sku).id)
        if beyond:
            raise InvalidTransition(
                f"{sku}: {quantity} to take back but only {max(0, quantity - beyond)} sold "
                "and not returned yet (all stores): a return puts back what was sold; stock "
                "that was never sold comes in by receive or adjust"
            )

    return check


def refuse_order_return_beyond_sold(
    conn: Connection, product_id: int, sku: str, order: str, quantity: int
) -> None:
    """After an order's return put ``quantity`` of a product back in stock, inside its
    transaction: refused (``invalid_state``) when more is now taken back than was sold,
    chain-wide (a bare ``return`` took the order's units back already)."""
    beyond = returned_beyond_sold(conn, product_id)
    if beyond:
        raise InvalidTransition(
            f"{sku}: {quantity} to take back on order {order} but only "
            f"{max(0, quantity - beyond)} sold and not returned yet (all stores): a return "
            "without the order took them back already; refund the order with 'damaged' "
            "(no stock moves) or ask a manager"
        )
