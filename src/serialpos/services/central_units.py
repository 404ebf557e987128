"""Central's state of units a store terminal names by serial (``GET /v1/units``, issue 16).

A till that pulled an event setting a unit's state (its store's sale, receipt or shipment
made at central's console, by a host, or at another till) keeps that state when central,
restored from an older backup, lost the event: nothing makes it again, and the store's feed
carries no event saying so. ``serialpos terminal resend`` names the units such lost events
set (terminal/lost_units.py) and takes central's state of each, as a conflict's verdict
carries it (services/entry_units.py ``central_units``): serial, SKU, store, state and the
unit's last event, for every product's unit of each serial. A serial central holds no unit
of is simply absent: the till knows which product it asked about."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from serialpos.db import conflict_sql
from serialpos.db.engine import Database
from serialpos.domain.users import Permission
from serialpos.services import store_scope
from serialpos.services.context import Actor
from serialpos.services.transfers.sent import MAX_ASKED, checked

__all__ = ["MAX_ASKED", "units_json"]


def units_json(db: Database, actor: Actor, store: str, serials: list[str]) -> list[dict[str, Any]]:
    """``{serial, sku, store, state, event}`` of every unit central holds carrying one of
    ``serials`` (at most :data:`MAX_ASKED`), wherever it is: a unit the till's store lost to
    another store leaves the till's store too. The sell permission, as for the transfers;
    a store terminal's token asks for its own store (services/store_scope.py)."""
    actor.require(Permission.SELL)
    store_scope.require_own_store(db, actor, store, "the units")
    asked = checked(serials, "serial")

    def read(conn: Connection) -> list[dict[str, Any]]:
        return [
            {"serial": s, "sku": k, "store": at, "state": state, "event": event}
            for s, k, at, state, event in conflict_sql.unit_states(conn, asked)
        ]

    return db.read(read)
