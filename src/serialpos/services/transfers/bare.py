"""Units shipped to a store on no kept transfer, as its store terminals learn them.

A host may ship a unit by a bare ``transfer_out`` (an id serialpos does not keep, without
``"create": true``, or no id: docs/integration.md, Transfers): the ledger moves it in transit
to the destination, and no transfer document names it. The destination's tills read its
store's feed (the shipment is the sending store's event) and the kept transfers shipped to
it (``GET /v1/transfers/incoming``), so they never saw the unit: a ``transfer_in`` of it
there was refused ``unknown_unit``. ``GET /v1/transfers/incoming`` now names such units
too (``units_in_transit``, beside ``transfers``), and a till sets each in transit at its
store (:func:`keep_in_transit`), so it receives it by ``transfer_in`` (``apply``), offline
too; central takes that as the document reference it is. The console's Receiving screen
lists kept transfers only: a shipment to a store with tills is best made on a kept transfer
(``"create": true``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Connection

from serialpos.db import bare_shipments_sql, mirror_sql, repo
from serialpos.db.engine import Database


def in_transit_json(db: Database, store: str) -> list[dict[str, Any]]:
    """The units in transit to ``store`` on no kept transfer (``sku``, ``serial``, ``from``,
    ``document``: the id the shipment named, or null). The caller checked the reader."""

    def read(conn: Connection) -> list[dict[str, Any]]:
        return bare_shipments_sql.in_transit_bare(conn, repo.store_id(db, conn, store))

    return db.read(read)


def keep_in_transit(conn: Connection, units: list[dict[str, Any]], store: str) -> int:
    """On a store terminal, inside the caller's transaction: set each of ``units``
    (:func:`in_transit_json`'s) in transit at ``store`` unless it is there already, one
    local event each; how many were set. A product the terminal does not hold yet is left
    for a later sync (its card comes with the catalogue)."""
    from serialpos.services.transfers.incoming import in_transit_here

    products = mirror_sql.product_ids(conn)
    stores = mirror_sql.store_ids(conn)
    if store not in stores:
        return 0
    here, done = stores[store], 0
    for unit in units:
        pid = products.get(str(unit.get("sku")))
        serial = unit.get("serial")
        if pid is None or not isinstance(serial, str) or not serial:
            continue
        document = unit.get("document")
        done += in_transit_here(
            conn, pid, serial, here, document if isinstance(document, str) else None
        )
    return done
