"""The scans of a transfer's receipt in progress, saved as they are made (``transfer_scan``).

The console held a transfer's scans in memory until completion: a restart (a crash, a power
cut, a handheld's SSH link dropping) lost them, and a second terminal on the same transfer
saw none of them and could count the same units again. As an ASN's receipt does
(services/asn/receiving.py), each scan or count is now saved in its own transaction as it is
made, and opening the transfer again rebuilds the checklist from the saved rows
(:func:`restore`); completion receives exactly them and deletes them in its transaction.

A session remembers what it found received on the transfer when it opened (:class:`Mark`:
its status and how many units were received on it); each save checks it under the transfer
row's lock (:func:`require_unchanged`). A receipt completed meanwhile (on another terminal,
or by ``apply`` ``transfer_in``) changes it, so the session is told to open the transfer
again and saves nothing: what it showed was received there, or is saved to be read again.

On a store terminal these rows are the terminal's own, as ``asn_scan`` rows are: never
journaled one by one; the receipt completed here is journaled whole (``transfer_in``).
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db.transfer_tables import TransferScan
from serialpos.domain.checklist import Checklist
from serialpos.domain.errors import Conflict
from serialpos.services.transfers.views import line_c, transfer_c, unit_c, unit_t

transfer_scan_t: sa.Table = TransferScan.__table__  # type: ignore[attr-defined]
scan_c = transfer_scan_t.c


class SavedScan(NamedTuple):
    """One row of ``transfer_scan``: a serial, or (``serial`` None) a count of units."""

    sku: str
    serial: str | None
    quantity: int


class Mark(NamedTuple):
    """What a receiving session found on its transfer when it opened: its status and how many
    units were received on it (both only ever move on with a receipt)."""

    status: str
    received: int


def read_mark(conn: Connection, transfer_id: int) -> Mark:
    status = conn.execute(
        sa.select(transfer_c.status).where(transfer_c.id == transfer_id)
    ).scalar_one()
    units = conn.execute(
        sa.select(sa.func.count())
        .select_from(unit_t)
        .where(unit_c.transfer_id == transfer_id, unit_c.received.is_(True))
    ).scalar_one()
    counted = conn.execute(
        sa.select(sa.func.coalesce(sa.func.sum(line_c.received), 0)).where(
            line_c.transfer_id == transfer_id
        )
    ).scalar_one()
    return Mark(str(status), int(units) + int(counted))


def require_unchanged(
    conn: Connection, transfer_id: int, number: str, mark: Mark, *, exclusive: bool = False
) -> None:
    """Refuse to save on a transfer received since ``mark`` was read. The transfer row is
    locked first (PostgreSQL; a SQLite write holds the database): a share lock makes a
    completion on another terminal wait for this save's commit, so it is received, never
    lost; ``exclusive`` locks it for update, so no other terminal saves a scan on the
    transfer until this transaction ends (what it read of the saved scans stays true)."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            sa.select(transfer_c.id)
            .where(transfer_c.id == transfer_id)
            .with_for_update(read=not exclusive)
        )
    if read_mark(conn, transfer_id) != mark:
        raise Conflict(
            f"transfer {number} was received on another terminal meanwhile: nothing saved "
            "here; open it again to see what is left"
        )


def read(conn: Connection, transfer_id: int) -> list[SavedScan]:
    """The transfer's saved scans, in the order made."""
    return [
        SavedScan(sku, serial, int(quantity))
        for sku, serial, quantity in conn.execute(
            sa.select(scan_c.sku, scan_c.serial, scan_c.quantity)
            .where(scan_c.transfer_id == transfer_id)
            .order_by(scan_c.id)
        )
    ]


def insert(
    conn: Connection,
    transfer_id: int,
    scans: list[tuple[str, str | None, int]],
    at: datetime,
    user: str,
) -> None:
    """Save ``scans`` (SKU, serial or None, quantity) of the transfer, made at ``at`` by
    ``user``. A serial saved already (another terminal's) breaks the unique index."""
    conn.execute(
        sa.insert(transfer_scan_t),
        [
            {
                "transfer_id": transfer_id,
                "sku": sku,
                "serial": serial,
                "quantity": quantity,
                "scanned_at": at,
                "user_name": user,
            }
            for sku, serial, quantity in scans
        ],
    )


def delete(conn: Connection, transfer_id: int, sku: str | None = None) -> None:
    """Delete the transfer's saved scans (``sku``: of that product only, a Rescan)."""
    query = sa.delete(transfer_scan_t).where(scan_c.transfer_id == transfer_id)
    if sku is not None:
        query = query.where(scan_c.sku == sku)
    conn.execute(query)


def restore(checklist: Checklist, scans: list[SavedScan]) -> None:
    """Put the saved scans on the checklist, replacing what it held: serials in the order
    scanned, counts summed. A saved scan that no longer fits its line is left out: a serial
    no longer in transit on the transfer (``apply`` ``transfer_in`` took it in meanwhile),
    one of a line now counted (the store's serialized inventory setting changed since)."""
    for each in checklist.lines.values():
        each.clear()
    for scan in scans:
        line = checklist.lines.get(scan.sku)
        if line is None:
            continue
        listed = line.expected_serials
        if scan.serial is not None:
            fits = listed is None or scan.serial in listed
            if line.serialized and fits and not line.has(scan.serial):
                line.add(scan.serial)
        elif not line.must_scan:
            line.counted = max(0, line.counted + scan.quantity)
