"""Transfers shipped to a store, as central tells its store terminals (issue 16).

A transfer is one document at two stores: shipped by one (at central, or journaled by a
store terminal as ``transfer_out`` with ``create``), received by the other. The receiving
store's terminal must know it to receive it, offline too, so its sync asks central for the
transfers shipped to its store (``GET /v1/transfers/incoming``) and keeps each one it does
not hold yet: the document with its units and quantities, and its units in transit to the
store (one local event each, so the local ledger still folds). Receiving it then works as
at central, and is journaled as ``transfer_in`` on the same number.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import journal, ledger_writes, mirror_sql
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.document_status import TransferStatus
from serialpos.domain.states import Action, UnitState, on_hand_delta
from serialpos.domain.users import Permission
from serialpos.services.context import Actor
from serialpos.services.transfers.views import (
    DOCUMENT_TYPE,
    TransferView,
    get_transfer,
    line_t,
    list_transfers,
    transfer_c,
    transfer_t,
    unit_t,
)


def incoming_json(db: Database, actor: Actor, store: str) -> list[dict[str, Any]]:
    """The transfers shipped to ``store`` with units still in transit, as JSON: number,
    stores, status, when shipped, and per product the units on it and those received.
    Any terminal's token may ask (the sell permission, as for the snapshot): a till whose
    token is a cashier's syncs too, and receiving is checked when it is done."""
    actor.require(Permission.SELL)
    out = []
    for summary in list_transfers(db, store, incoming=True):
        view = get_transfer(db, summary.number)
        out.append(
            {
                "number": view.number,
                "from": view.from_store,
                "to": view.to_store,
                "status": view.status,
                "created_by": view.created_by,
                "shipped_at": None if view.shipped_at is None else view.shipped_at.isoformat(),
                "lines": lines_json(view),
            }
        )
    return out


def lines_json(view: TransferView) -> list[dict[str, Any]]:
    """A transfer's products as terminals read them: units and quantities on it, received."""
    return [
        {
            "sku": ln.sku,
            "quantity": ln.quantity,
            "received": ln.received,
            "serials": list(ln.serials),
            "received_serials": list(ln.received_serials),
        }
        for ln in view.lines
    ]


def keep_incoming(conn: Connection, transfers: list[dict[str, Any]], store: str) -> list[str]:
    """Keep, on a store terminal, each transfer shipped to ``store`` it does not hold yet
    (inside the caller's transaction); the numbers kept. Its units still in transit are set
    in transit here, one local event each."""
    products = mirror_sql.product_ids(conn)
    stores = mirror_sql.store_ids(conn)
    here = stores[store]
    kept: list[str] = []
    for data in transfers:
        number = str(data["number"])
        known = conn.execute(sa.select(transfer_c.id).where(transfer_c.number == number)).first()
        if known is not None or data.get("to") != store or data.get("from") not in stores:
            continue
        if any(str(ln["sku"]) not in products for ln in data["lines"]):
            continue  # a product the terminal cannot hold yet: asked again at the next sync
        shipped = _at(data.get("shipped_at"))
        new_id = conn.execute(
            transfer_t.insert().values(
                number=number,
                from_store_id=stores[str(data["from"])],
                to_store_id=here,
                status=TransferStatus.SHIPPED,
                created_by=str(data.get("created_by") or "central")[:32],
                terminal="central",
                created_at=shipped,
                shipped_by=str(data.get("created_by") or "central")[:32],
                shipped_at=shipped,
            )
        ).inserted_primary_key
        assert new_id is not None
        transfer_id = int(new_id[0])
        for ln in data["lines"]:
            pid = products[str(ln["sku"])]
            serials = [str(s) for s in ln["serials"]]
            got = {str(s) for s in ln["received_serials"]}
            if serials:
                conn.execute(
                    unit_t.insert(),
                    [
                        {
                            "transfer_id": transfer_id,
                            "product_id": pid,
                            "serial": s,
                            "received": s in got,
                        }
                        for s in serials
                    ],
                )
                for serial in serials:
                    if serial not in got:
                        _in_transit(conn, pid, serial, here, number)
            rest = int(ln["quantity"]) - len(serials)
            if rest > 0:
                conn.execute(
                    line_t.insert().values(
                        transfer_id=transfer_id,
                        product_id=pid,
                        quantity=rest,
                        received=max(0, int(ln["received"]) - len(got)),
                    )
                )
        kept.append(number)
    return kept


def _in_transit(conn: Connection, product_id: int, serial: str, store_id: int, number: str) -> None:
    in_transit_here(conn, product_id, serial, store_id, number)


def in_transit_here(
    conn: Connection, product_id: int, serial: str, store_id: int, number: str | None
) -> int:
    """Set the unit in transit to ``store_id`` on the terminal, shipped on transfer
    ``number`` (None: a shipment on no kept transfer, services/transfers/bare.py), one local
    event; 0 when it is on its way here already, else 1."""
    found = mirror_sql.unit(conn, product_id, serial)
    before = None if found is None else found.state
    if before == UnitState.IN_TRANSIT.value and found is not None and found.store_id == store_id:
        return 0  # the snapshot or the feed already has it on its way here
    now = utcnow()
    unit_id = mirror_sql.put_unit(
        conn,
        found,
        product_id=product_id,
        serial=serial,
        state=UnitState.IN_TRANSIT.value,
        store_id=store_id,
        now=now,
    )
    delta = on_hand_delta(None if before is None else UnitState(before), UnitState.IN_TRANSIT)
    # The unit leaves the on-hand count of the store the terminal had it at: another store
    # for a unit this store shipped there and now gets back (its copy follows central).
    at = store_id if found is None else found.store_id
    ledger_writes.add_events(
        conn,
        [
            {
                "at": now,
                "action": Action.TRANSFER_OUT.value,
                "user_name": "system",
                "terminal": "central",
                "store_id": at,
                "product_id": product_id,
                "unit_id": unit_id,
                "serial": serial,
                "from_state": before,
                "to_state": UnitState.IN_TRANSIT.value,
                "quantity": delta,
                "document_type": DOCUMENT_TYPE if number is not None else None,
                "document_id": number,
                "document_line": None,
                "reason": "shipped here: taken from central",
            }
        ],
    )
    if delta:
        ledger_writes.bump_stock(conn, product_id, at, delta)
    return 1


def _at(text: Any) -> datetime:
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return utcnow()


#: Journal states of an entry central did not apply (services/entries.py).
_NOT_APPLIED = frozenset({"conflict", "refused"})


def refused_receipts(conn: Connection, found: list[dict[str, Any]], store: str) -> list[str]:
    """On a store terminal, inside the caller's transaction: make its copy of each transfer
    to ``store`` it holds as received, whose receipt here central did not take (the last
    journal entry naming it a conflict or refused: another till received it first, a unit
    had moved), read what central says. Still in transit at central (in ``found``, central's
    incoming transfers): central's copy (shipped, what central received), so it can be
    received again. Else (received at central by another till, or unknown there):
    ``refused``, nothing of this receipt stands. The units took central's state when the
    entry was settled (terminal/central_state.py) and its quantities came back
    (terminal/quantities.py); only the document was left reading "received". The numbers
    changed."""
    here = mirror_sql.store_ids(conn)[store]
    products = mirror_sql.product_ids(conn)
    central = {str(t["number"]): t for t in found}
    # Read from the entries central did not take (few), not the store's received transfers
    # (its whole history): each sync pays for the conflicts, never for the history.
    numbers = {
        str(line["transfer"])
        for state in _NOT_APPLIED
        for entry in journal.entries(conn, state)
        for line in [json.loads(entry.line)]
        if line.get("op") == "transfer_in" and isinstance(line.get("transfer"), str)
    }
    rows = conn.execute(
        sa.select(transfer_c.id, transfer_c.number).where(
            transfer_c.number.in_(sorted(numbers)),
            transfer_c.to_store_id == here,
            transfer_c.status == TransferStatus.RECEIVED,
        )
    ).all()
    changed: list[str] = []
    for transfer_id, number in rows:
        last = journal.last_naming(conn, str(number))
        if last is None or last.state not in _NOT_APPLIED:
            continue
        data = central.get(str(number))
        if data is None:
            status = TransferStatus.REFUSED
        else:
            status = TransferStatus(str(data["status"]))
            _take_lines(conn, transfer_id, data["lines"], products)
        conn.execute(
            transfer_t.update()
            .where(transfer_c.id == transfer_id)
            .values(status=status, received_by=None, received_at=None)
        )
        changed.append(str(number))
    return changed


def _take_lines(
    conn: Connection, transfer_id: int, lines: list[dict[str, Any]], products: dict[str, int]
) -> None:
    """Units and quantities received on the transfer as central has them."""
    for ln in lines:
        pid = products.get(str(ln["sku"]))
        if pid is None:
            continue
        got = [str(s) for s in ln["received_serials"]]
        mine = sa.and_(unit_t.c.transfer_id == transfer_id, unit_t.c.product_id == pid)
        conn.execute(unit_t.update().where(mine).values(received=unit_t.c.serial.in_(got)))
        rest = max(0, int(ln["received"]) - len(got))
        conn.execute(
            line_t.update()
            .where(line_t.c.transfer_id == transfer_id, line_t.c.product_id == pid)
            .values(received=rest)
        )
