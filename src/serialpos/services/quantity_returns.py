"""The limits of a bare ``return`` (``serialpos apply``) that are not about one unit.

* A package opened at the sale (``exploded``) is never stocked: it sells as its components,
  so a return of it would add stock of a product no shelf holds and bring back none of the
  parts. Refused: it comes back through its order (``order_return``, which takes the
  package and its parts together) or as its components.
* A quantity goes back only up to what was sold of the SKU and not returned since,
  chain-wide (a sold unit may be handed in at any store): quantity ``sell`` events less
  quantity ``return`` events. The docs allowed a ledger-only return (no order), which then
  had no bound at all: ``quantity: 1000000`` made a million units of stock from nothing.
  A ``damaged`` return changes no stock and writes no quantity, so it is not counted.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Connection

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
    """How many more of the product were returned than sold, by quantity (no unit),
    chain-wide; 0 while the returns stay within the sales."""
    ev = repo.event_t.c
    net = conn.execute(
        sa.select(sa.func.coalesce(sa.func.sum(ev.quantity), 0)).where(
            ev.product_id == product_id,
            ev.unit_id.is_(None),
            ev.action.in_((Action.SELL.value, Action.RETURN.value)),
        )
    ).scalar_one()
    return max(0, int(net))


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
