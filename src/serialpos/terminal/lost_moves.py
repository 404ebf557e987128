"""Quantities a till counted from central's events that central lost in a restore, taken
back by ``serialpos terminal resend`` (issue 16's bad input, the new-user walk).

A till pulls its store's events and moves its stock by each quantity event another made.
Central restored from an older backup no longer has the events made after its backup; the
till still had their quantities in its stock. Two kinds, told apart by what the pull kept
with each event (terminal/feed_memory.py):

* an event with an **echo** (another till's entry naming a document that till numbered) is
  made again when that till sends its entry again, and the pull that meets it moves nothing
  (``feed_lost``, terminal/mirror.py): kept as before;
* **any other** quantity event (central's own work at its console, a host's line, or a
  till's entry naming a document it did not number, such as a transfer a host line named)
  is taken back here, in the resend's one local transaction: central's stock no longer has
  it, and if its entry is sent again central makes it anew, under a new number, which the
  pull counts as any event. Before, the first kind stayed counted for good (2 cables
  received at central and lost read on hand at the till forever), and the second was counted
  twice (a shipment of 3 cables sent again left the other till 3 below central), with
  ``db check`` clean at both ends.

Each is put back as a ``central_state`` event of the till's store (as a conflict's
quantities are, terminal/quantities.py) naming the event's document, its reason the feed
number central lost. A unit's event sets a state and is not taken back here; events pulled
before this was kept (no record of what they moved) are not either.
"""

from __future__ import annotations

import json

from sqlalchemy.engine import Connection

from serialpos.db import feed_lost, mirror_sql, repo
from serialpos.db.tables import utcnow
from serialpos.terminal.quantities import ACTION


def take_back_after(conn: Connection, seq: int, *, store: str, terminal: str) -> int:
    """Take back what the pull moved here for the remembered events numbered after ``seq``
    (central lost them) that no echo ties to an entry, before they are forgotten; how many
    events were taken back. ``terminal``: this till's id, recorded on the events."""
    products = mirror_sql.product_ids(conn)
    store_id = mirror_sql.store_ids(conn).get(store)
    rows = []
    for number, kept in feed_lost.moved_after(conn, seq):
        try:
            sku, quantity, kind, document = json.loads(kept.removeprefix(feed_lost.MOVED))
        except ValueError:
            continue
        product_id = products.get(str(sku))
        if product_id is None or store_id is None or not isinstance(quantity, int):
            continue
        rows.append(
            {
                "at": utcnow(),
                "action": ACTION,
                "user_name": "central",
                "terminal": terminal[:64],
                "store_id": store_id,
                "product_id": product_id,
                "unit_id": None,
                "serial": None,
                "from_state": None,
                "to_state": None,
                "quantity": -quantity,
                "document_type": kind,
                "document_id": document,
                "document_line": None,
                "reason": f"central lost its event {number} in a restore: taken back",
            }
        )
    if rows:
        repo.add_events(conn, rows)
        for row in rows:
            repo.bump_stock(conn, row["product_id"], row["store_id"], row["quantity"])
    return len(rows)
