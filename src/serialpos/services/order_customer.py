"""A customer record attached to an order at the counter: the order's customer becomes the
record (its details copied onto the order, services/customers.py says why). Kept out of
services/orders/ so the order rooms and the customer records change apart."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from serialpos.db.engine import Database
from serialpos.services.context import Actor
from serialpos.services.customers import attach_in
from serialpos.services.orders.lines import NewOrder
from serialpos.services.orders.reading import _editable, _find, _view
from serialpos.services.orders.views import OrderView
from serialpos.services.orders.work import _write


def attach_customer(
    db: Database,
    actor: Actor,
    order: str | None,
    customer_id: int,
    *,
    start: NewOrder | None = None,
) -> OrderView:
    """Make record ``customer_id`` the customer of ``order`` (an open or parked order). With
    no order yet, ``start`` opens one in the same transaction."""

    def work(conn: Connection) -> OrderView:
        if order is None:
            from serialpos.services.orders.header import (
                _check_customer,
                _open_in,
                _parse_delivery,
                _parse_type,
            )

            if start is None:
                from serialpos.domain.errors import BadRequest

                raise BadRequest("no order to attach the customer to")
            row = _open_in(
                conn,
                db,
                actor,
                start.store,
                _parse_type(start.type),
                _parse_delivery(start.delivery),
                _check_customer(None),
            )
        else:
            row = _editable(conn, order)
        attach_in(conn, int(row._mapping["id"]), customer_id)
        if order is not None:  # an order central knows learns its customer now
            from serialpos.services.orders import sale_journal
            from serialpos.services.orders.work import _Ctx

            sale_journal.record_amend(_Ctx(conn, db, actor, row))
        return _view(conn, _find(conn, str(row._mapping["number"])))

    return _write(db, actor, work)
