"""The SQL of the units shipped to a store on no kept transfer (services/transfers/bare.py):
in transit to the store, their last event a ``transfer_out`` whose document is no transfer
serialpos keeps (an id a host gave without ``"create": true``, or none)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.transfer_tables import Transfer

_transfer: sa.Table = Transfer.__table__  # type: ignore[attr-defined]
_unit, _event, _product = repo.unit_t.c, repo.event_t.c, repo.product_t.c
_from = repo.store_t.alias("from_store")

#: The most units one answer names (a store has few units in transit at once).
MAX_UNITS = 1000


def in_transit_bare(conn: Connection, store_id: int) -> list[dict[str, Any]]:
    """(sku, serial, from, document) of each unit in transit to ``store_id`` shipped on no
    kept transfer, by serial; at most :data:`MAX_UNITS`. A unit on a kept transfer is
    listed with its transfer (``GET /v1/transfers/incoming``'s ``transfers``) instead."""
    last = (
        sa.select(sa.func.max(_event.id))
        .where(_event.unit_id == _unit.id)
        .correlate(repo.unit_t)
        .scalar_subquery()
    )
    kept = sa.exists().where(
        _event.document_type == "transfer", _transfer.c.number == _event.document_id
    )
    q = (
        sa.select(_product.sku, _unit.serial, _from.c.code, _event.document_id)
        .select_from(repo.unit_t)
        .join(repo.product_t, _product.id == _unit.product_id)
        .join(repo.event_t, _event.id == last)
        .join(_from, _from.c.id == _event.store_id)
        .where(
            _unit.store_id == store_id,
            _unit.state == "in_transit",
            _event.action == "transfer_out",
            ~kept,
        )
        .order_by(_unit.serial, _product.sku)
        .limit(MAX_UNITS)
    )
    return [
        {"sku": sku, "serial": serial, "from": source, "document": document}
        for sku, serial, source, document in conn.execute(q)
    ]
