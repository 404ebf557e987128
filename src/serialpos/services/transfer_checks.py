"""``db check`` rules for transfers: the phantom states a receipt beside a kept transfer
left before ``transfer_in`` was held to what is in transit (services/transfers/bare_receipts.py).

* ``transfer_unit_in_transit``: a kept transfer lists a unit as in transit (shipped, not
  received) while the ledger has it elsewhere: received without the transfer's id, the
  transfer then "shipped" for good and its receipt refused.
* ``transfer_received_once``: of a product without serial units, more taken in by bare
  ``transfer_in`` lines (no kept transfer) than bare ``transfer_out`` lines ever shipped,
  chain-wide: stock made out of nothing (a kept transfer's quantity received twice, or a
  receipt that nothing shipped).
* ``quantity_returned_once``: of a product, more taken back by quantity (``return`` lines,
  and order lines written off as damaged by their order's return) than was sold by
  quantity, chain-wide: a sale taken back twice, by its order and without it
  (services/quantity_returns.py).

``transfer_received_once`` and ``quantity_returned_once`` are not checked on a store
terminal: its ledger does not hold other stores' shipments and sales.
``transfer_unit_in_transit`` is, on the copies the till kept of transfers shipped to its
store: each follows a receipt made at central or at another till from the feed
(services/transfers/received_copy.py; before, the copy kept the units in transit for good
and the rule skipped tills). The till's own shipments follow central by
``GET /v1/transfers/sent`` and their units are at the other store: not checked here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import journal, repo
from serialpos.domain.document_status import TransferStatus
from serialpos.domain.states import Action, UnitState
from serialpos.services.transfers.views import transfer_c, transfer_t, unit_c, unit_t

_LIVE = (TransferStatus.SHIPPED, TransferStatus.RECEIVED)


def transfer_findings(
    conn: Connection, stores: dict[int, str], finding: Callable[..., Any]
) -> list[Any]:
    """The violations (made by ``finding(rule, store, sku, detail)``) of the three rules."""
    if journal.get_state(conn, "central_terminal") is not None:
        # A till: its ledger is not the whole chain's, and of the transfers only the copies
        # kept from central (shipped to its store) follow every receipt of them, its own
        # and central's or another till's from the feed (services/transfers/received_copy.py).
        return _units_left_listed(conn, stores, finding, kept_copies=True)
    return (
        _units_left_listed(conn, stores, finding)
        + _received_beyond_shipped(conn, finding)
        + _returned_beyond_sold(conn, finding)
    )


def _units_left_listed(
    conn: Connection,
    stores: dict[int, str],
    finding: Callable[..., Any],
    *,
    kept_copies: bool = False,
) -> list[Any]:
    u, p = repo.unit_t.c, repo.product_t.c
    q = (
        sa.select(
            transfer_c.number,
            transfer_c.to_store_id,
            p.sku,
            unit_c.serial,
            u.state,
            u.store_id,
        )
        .select_from(unit_t)
        .join(transfer_t, transfer_c.id == unit_c.transfer_id)
        .join(repo.product_t, p.id == unit_c.product_id)
        .outerjoin(
            repo.unit_t, sa.and_(u.product_id == unit_c.product_id, u.serial == unit_c.serial)
        )
        .where(
            unit_c.received.is_(False),
            transfer_c.status.in_(_LIVE),
            sa.or_(
                u.state.is_(None),
                u.state != UnitState.IN_TRANSIT.value,
                u.store_id != transfer_c.to_store_id,
            ),
        )
        .order_by(transfer_c.number, unit_c.serial)
    )
    if kept_copies:
        q = q.where(transfer_c.terminal == "central")
    found = []
    for number, to_id, sku, serial, state, store_id in conn.execute(q):
        to = stores.get(to_id, "?")
        label = None if state is None else UnitState(state).label
        where = "not known" if label is None else f"{label} at {stores.get(store_id, '?')}"
        found.append(
            finding(
                "transfer_unit_in_transit",
                to,
                sku,
                f"transfer {number} lists {serial} in transit to {to} but the ledger has it "
                f"{where}",
            )
        )
    return found


def _received_beyond_shipped(conn: Connection, finding: Callable[..., Any]) -> list[Any]:
    ev, p = repo.event_t.c, repo.product_t.c
    bare = sa.or_(ev.document_id.is_(None), ev.document_id.not_in(sa.select(transfer_c.number)))
    shipped = sa.func.sum(
        sa.case((ev.action == Action.TRANSFER_OUT.value, -ev.quantity), else_=0)
    ).label("shipped")
    taken = sa.func.sum(
        sa.case((ev.action == Action.TRANSFER_IN.value, ev.quantity), else_=0)
    ).label("taken")
    q = (
        sa.select(p.sku, shipped, taken)
        .select_from(repo.event_t)
        .join(repo.product_t, p.id == ev.product_id)
        .where(
            ev.unit_id.is_(None),
            ev.action.in_((Action.TRANSFER_OUT.value, Action.TRANSFER_IN.value)),
            bare,
        )
        .group_by(p.sku)
        .order_by(p.sku)
    )
    return [
        finding(
            "transfer_received_once",
            "",
            sku,
            f"{int(t)} taken in by transfer_in without a kept transfer but only {int(s)} "
            "shipped so: stock received twice or never shipped",
        )
        for sku, s, t in conn.execute(q)
        if int(t or 0) > int(s or 0)
    ]


def _returned_beyond_sold(conn: Connection, finding: Callable[..., Any]) -> list[Any]:
    from serialpos.services.quantity_returns import returned_beyond_sold

    ev, p = repo.event_t.c, repo.product_t.c
    taken_back = (
        sa.select(p.id, p.sku)
        .join(repo.event_t, ev.product_id == p.id)
        .where(
            ev.unit_id.is_(None),
            ev.action.in_((Action.RETURN.value, Action.RETURN_DAMAGED.value)),
        )
        .distinct()
        .order_by(p.sku)
    )
    found = []
    for product_id, sku in conn.execute(taken_back).all():
        beyond = returned_beyond_sold(conn, product_id)
        if beyond:
            found.append(
                finding(
                    "quantity_returned_once",
                    "",
                    sku,
                    f"{beyond} more taken back by quantity (returns, and order lines written "
                    "off as damaged) than sold so: a sale taken back twice, by its order and "
                    "without it",
                )
            )
    return found
