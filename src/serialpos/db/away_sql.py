"""The SQL of the units a store's tills hold at other stores, as they move there
(services/transfers/away.py): the event feed's events at any other store of a serial that
was on a transfer shipped from the store, or that a conflict of an entry made at the store
names (its tills gave the unit up to the store central has it at), or that the till asking
names (a refusal gave it up: central records none), in feed order."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import feed as feed_sql
from serialpos.db import repo
from serialpos.db.sync_tables import SyncConflict
from serialpos.db.transfer_tables import Transfer, TransferUnit

_transfer: sa.Table = Transfer.__table__  # type: ignore[attr-defined]
_unit: sa.Table = TransferUnit.__table__  # type: ignore[attr-defined]
_conflict: sa.Table = SyncConflict.__table__  # type: ignore[attr-defined]
_feed, _event, _product = feed_sql.feed_c, repo.event_t.c, repo.product_t.c
_shipped = repo.event_t.alias("shipped")

#: One statement, built once: for each event of the feed after the cursor at a store other
#: than this one, whether its unit was ever shipped from this store (on a kept transfer, or
#: by a bare ``transfer_out`` event of this store's) or named by a conflict of this store's
#: (index probes of transfer_unit by product and serial, of ledger_event by unit, and of
#: sync_conflict by serial, per event of the window).
_AWAY = (
    sa.select(_feed.seq, _event.serial, _product.sku)
    .select_from(feed_sql.feed_t)
    .join(repo.event_t, _event.id == _feed.event_id)
    .join(repo.product_t, _product.id == _event.product_id)
    .where(
        _feed.seq > sa.bindparam("after"),
        _event.store_id != sa.bindparam("store_id"),
        _event.serial.is_not(None),
        sa.or_(
            sa.exists()
            .where(
                _unit.c.product_id == _event.product_id,
                _unit.c.serial == _event.serial,
                _transfer.c.id == _unit.c.transfer_id,
                _transfer.c.from_store_id == sa.bindparam("store_id"),
            )
            .correlate(repo.event_t),
            sa.exists()
            .where(
                _conflict.c.serial == _event.serial,
                _conflict.c.store_id == sa.bindparam("store_id"),
            )
            .correlate(repo.event_t),
            # Shipped from here on no kept transfer (a host's bare transfer_out): its
            # shipment is one of this store's events (index probe by unit).
            sa.exists()
            .where(
                _shipped.c.unit_id == _event.unit_id,
                _shipped.c.store_id == sa.bindparam("store_id"),
                _shipped.c.action == "transfer_out",
            )
            .correlate(repo.event_t),
            _event.serial.in_(sa.bindparam("follow", expanding=True)),
        ),
    )
    .order_by(_feed.seq)
    .limit(sa.bindparam("limit"))
)


def away_events(
    conn: Connection, store_id: int, after: int, limit: int, follow: Sequence[str] = ()
) -> list[tuple[int, str, str]]:
    """(feed number, serial, SKU) of at most ``limit`` events numbered after ``after`` at a
    store other than ``store_id`` whose unit was on a transfer shipped from ``store_id``, is
    named by a conflict of an entry made at ``store_id``, or is one of ``follow`` (serials
    the store's till asks for: units a refusal of its entries gave up to another store,
    which central keeps no record of)."""
    params = {"after": after, "store_id": store_id, "limit": limit, "follow": list(follow)}
    return [(int(a), str(b), str(c)) for a, b, c in conn.execute(_AWAY, params)]
