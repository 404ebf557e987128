"""The ledger's check of a unit's lease (issue 16, item 5), called for each unit a ledger call
moves, inside the transaction of the guarded update that moves it.

A unit leased to a store terminal moves only by that terminal (its journal entries, or its
own local database): every other actor is refused with :class:`Leased` naming the holder —
another terminal's journal entry (recorded at central as a conflict, services/conflicts.py),
a host's apply line, and a sale or move made at central's own console alike, so the
holder's offline sale of the unit can never conflict. A manager who needs the unit releases
the lease first (``DELETE /v1/leases/{serial}``). The holder's move ends the lease; an
expired lease is ignored.

Why the check cannot race: a lease is taken with a conditional update of the unit's version
(db/lease_sql.py ``hold_unit``), and every move is a conditional update of the version read
before this check; whichever commits second fails its update and re-reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.engine import Connection

from serialpos.db import lease_sql
from serialpos.db.tables import utcnow
from serialpos.domain.errors import Leased


def check_lease(conn: Connection, terminal: str, unit_id: int, serial: str, sku: str) -> None:
    """Refuse the move of unit ``unit_id`` by ``terminal`` when another terminal holds it;
    the holder's own move ends its lease (in the same transaction as the move)."""
    check_held(conn, terminal, lease_sql.holder(conn, unit_id), serial, sku)


def check_held(
    conn: Connection,
    terminal: str,
    found: tuple[int, str, datetime] | None,
    serial: str,
    sku: str,
) -> None:
    """:func:`check_lease` with the unit's lease row (lease id, terminal, expiry; None: no
    lease) already read in this transaction, with the unit whose version the move claims
    (unit_sql.unit_by_serial reads both in one statement)."""
    if found is None:
        return
    lease_id, holder, expires_at = found
    if holder == terminal or expires_at <= utcnow():
        lease_sql.delete(conn, lease_id)
        return
    raise Leased(
        f"serial {serial} of {sku} is leased to terminal {holder} until "
        f"{expires_at.isoformat(timespec='minutes')} UTC: sell it at that till, or release "
        f"the lease first (serialpos leases release {serial})"
    )


def check_leases(
    conn: Connection, terminal: str, units: Sequence[tuple[int, str]], sku: str
) -> None:
    """:func:`check_lease` for many units of one product at once, ``units`` as (unit id,
    serial), in one query: for a set-based move of a run of units, called after the units
    were read and before their conditional update, in the same transaction."""
    held = lease_sql.holders(conn, [unit_id for unit_id, _serial in units])
    if not held:
        return
    serials = dict(units)
    now = utcnow()
    ended: list[int] = []
    for unit_id, (lease_id, holder, expires_at) in held.items():
        if holder == terminal or expires_at <= now:
            ended.append(lease_id)
            continue
        check_lease(conn, terminal, unit_id, serials[unit_id], sku)  # raises, naming it
    lease_sql.delete_ids(conn, ended)
