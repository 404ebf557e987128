"""The SQL of units leased to store terminals (db/lease_tables.py, services/leases.py and the
ledger's guard services/lease_guard.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import repo
from serialpos.db.lease_tables import lease_t
from serialpos.db.one_of import any_param, one_of
from serialpos.db.prepared import Prepared

lease_c, unit_c, product_c, store_c = lease_t.c, repo.unit_t.c, repo.product_t.c, repo.store_t.c


@dataclass(frozen=True)
class Lease:
    id: int
    unit_id: int
    serial: str
    sku: str
    store: str
    terminal: str
    taken_by: str
    taken_at: datetime
    expires_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {
            "serial": self.serial,
            "sku": self.sku,
            "store": self.store,
            "terminal": self.terminal,
            "taken_by": self.taken_by,
            "taken_at": self.taken_at.isoformat(timespec="seconds") + "Z",
            "expires_at": self.expires_at.isoformat(timespec="seconds") + "Z",
        }


#: Asked on every move of a unit: run as Prepared driver SQL.
_HOLDER = Prepared(
    sa.select(lease_c.id, lease_c.terminal_id, lease_c.expires_at).where(
        lease_c.unit_id == sa.bindparam("unit_id")
    )
)


def holder(conn: Connection, unit_id: int) -> tuple[int, str, datetime] | None:
    """(lease id, terminal, expiry) of the unit's lease row, expired or not."""
    row = _HOLDER.first(conn, {"unit_id": unit_id})
    return None if row is None else (row[0], row[1], row[2])


def holders(conn: Connection, unit_ids: list[int]) -> dict[int, tuple[int, str, datetime]]:
    """:func:`holder` of many units in one query: unit id -> (lease id, terminal, expiry)."""
    if not unit_ids:
        return {}
    if conn.dialect.name == "postgresql":
        rows: list[Any] = _HOLDERS.rows(conn, {"unit_ids": unit_ids})
    else:
        rows = list(conn.execute(_holders_of(one_of(conn, lease_c.unit_id, unit_ids))))
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


def _holders_of(where: sa.ColumnElement[bool]) -> sa.Select[Any]:
    return sa.select(lease_c.unit_id, lease_c.id, lease_c.terminal_id, lease_c.expires_at).where(
        where
    )


#: :func:`holders` on PostgreSQL, built once and run prepared (a run of entries asks once).
_HOLDERS = Prepared(_holders_of(any_param(lease_c.unit_id, "unit_ids")))


def delete(conn: Connection, lease_id: int) -> None:
    conn.execute(sa.delete(lease_t).where(lease_c.id == lease_id))


def delete_ids(conn: Connection, ids: list[int]) -> int:
    if not ids:
        return 0
    return int(conn.execute(sa.delete(lease_t).where(lease_c.id.in_(ids))).rowcount)


def clear_expired(conn: Connection, now: datetime) -> None:
    conn.execute(sa.delete(lease_t).where(lease_c.expires_at <= now))


_LISTED = (
    sa.select(
        lease_c.id,
        lease_c.unit_id,
        unit_c.serial,
        product_c.sku,
        store_c.code,
        lease_c.terminal_id,
        lease_c.taken_by,
        lease_c.taken_at,
        lease_c.expires_at,
    )
    .join(repo.unit_t, unit_c.id == lease_c.unit_id)
    .join(repo.product_t, product_c.id == unit_c.product_id)
    .join(repo.store_t, store_c.id == lease_c.store_id)
    .order_by(lease_c.terminal_id, product_c.sku, unit_c.serial)
)


def leases(
    conn: Connection,
    now: datetime,
    *,
    terminal: str | None = None,
    serials: list[str] | None = None,
    sku: str | None = None,
) -> list[Lease]:
    """Leases in force at ``now``, of one terminal and/or of these serials (and SKU)."""
    q = _LISTED.where(lease_c.expires_at > now)
    if terminal is not None:
        q = q.where(lease_c.terminal_id == terminal)
    if serials is not None:
        q = q.where(unit_c.serial.in_(serials))
    if sku is not None:
        q = q.where(product_c.sku == sku)
    return [Lease(*row) for row in conn.execute(q)]


def units_in_stock(
    conn: Connection, store_id: int, *, serials: list[str] | None = None, sku: str | None = None
) -> list[tuple[repo.UnitRow, str, str]]:
    """Units of the store with these serials (any state) or, with only ``sku``, its units in
    stock not reserved to an order: (unit, serial, sku), oldest first."""
    q = (
        sa.select(
            unit_c.id,
            unit_c.state,
            unit_c.store_id,
            unit_c.version,
            unit_c.reserved_line_id,
            unit_c.serial,
            product_c.sku,
        )
        .join(repo.product_t, product_c.id == unit_c.product_id)
        .order_by(unit_c.id)
    )
    if sku is not None:
        q = q.where(product_c.sku == sku)
    if serials is not None:
        q = q.where(unit_c.serial.in_(serials))
    else:
        q = q.where(unit_c.store_id == store_id, unit_c.state == "in_stock")
    return [(repo.UnitRow(*row[:5]), row[5], row[6]) for row in conn.execute(q)]


def hold_unit(conn: Connection, unit: repo.UnitRow, store_id: int) -> bool:
    """Claim the unit for a lease: its version moves on (no state change) only if nobody
    moved it since it was read and it is still in stock at the store, unreserved. A sale at
    another till that read the unit before then fails its own claim, re-reads, and meets the
    lease; so a lease and a sale never both win."""
    result = conn.execute(
        sa.update(repo.unit_t)
        .where(
            unit_c.id == unit.id,
            unit_c.version == unit.version,
            unit_c.state == "in_stock",
            unit_c.store_id == store_id,
            unit_c.reserved_line_id.is_(None),
        )
        .values(version=unit_c.version + 1)
    )
    return result.rowcount == 1


def add(
    conn: Connection,
    *,
    unit_id: int,
    store_id: int,
    terminal: str,
    user: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    conn.execute(
        lease_t.insert().values(
            unit_id=unit_id,
            store_id=store_id,
            terminal_id=terminal,
            taken_by=user,
            taken_at=now,
            expires_at=expires_at,
        )
    )


def renew(conn: Connection, lease_id: int, expires_at: datetime) -> None:
    conn.execute(sa.update(lease_t).where(lease_c.id == lease_id).values(expires_at=expires_at))


def replace_terminal(conn: Connection, terminal: str, rows: list[dict[str, Any]]) -> int:
    """On a store terminal: its local copy of its leases becomes ``rows`` (central's list);
    a unit not known here is left out. The number kept."""
    conn.execute(sa.delete(lease_t).where(lease_c.terminal_id == terminal))
    kept = 0
    for row in rows:
        found = conn.execute(
            sa.select(unit_c.id, unit_c.store_id)
            .join(repo.product_t, product_c.id == unit_c.product_id)
            .where(product_c.sku == row["sku"], unit_c.serial == row["serial"])
        ).first()
        if found is None:
            continue
        add(
            conn,
            unit_id=found[0],
            store_id=found[1],
            terminal=terminal,
            user=str(row.get("taken_by") or "?")[:32],
            now=datetime.fromisoformat(str(row["taken_at"]).removesuffix("Z")),
            expires_at=datetime.fromisoformat(str(row["expires_at"]).removesuffix("Z")),
        )
        kept += 1
    return kept
