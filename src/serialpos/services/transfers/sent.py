"""The sender's copy of a transfer follows central (issue 16).

A store terminal that ships a transfer keeps the document ``shipped``; the other store
receives it, at its own till or at central, and the sending store's feed never carries
that receipt (it is the other store's event). So the sending terminal's sync asks central
for the transfers it holds as shipped from its store (``GET /v1/transfers/sent``) and copies
what central has: the status, who received it and when, which units and quantities were
received, and central's state of the transfer's units (they are at the other store now: set
here as after a conflict, terminal/central_state.py, so the pull never puts them back).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import conflict_sql, journal, mirror_sql, repo
from serialpos.db.engine import Database
from serialpos.domain.document_status import TransferStatus
from serialpos.domain.entry_text import identifier_refusal
from serialpos.domain.errors import BadRequest
from serialpos.domain.states import UnitState
from serialpos.domain.text import has_control_chars
from serialpos.domain.users import Permission
from serialpos.services.context import Actor
from serialpos.services.transfers.incoming import lines_json
from serialpos.services.transfers.views import (
    line_t,
    transfer_c,
    transfer_t,
    transfer_view,
    unit_t,
)

#: The most transfers one request may ask for.
MAX_ASKED = 100


def checked(numbers: list[str], key: str = "number") -> list[str]:
    if len(numbers) > MAX_ASKED:
        raise BadRequest(f"ask for at most {MAX_ASKED} at a time ('{key}')")
    for number in numbers:
        if not number or len(number) > 64 or has_control_chars(number):
            raise BadRequest(
                f"each '{key}' must be text of 1 to 64 characters, no control characters"
            )
        refusal = identifier_refusal(f"'{key}'", number, "send it again without it")
        if refusal is not None:  # found nothing without a word before
            raise BadRequest(refusal)
    return list(dict.fromkeys(numbers))


def _last_shipped(conn: Connection, store: str, serials: list[str]) -> list[str]:
    """The number of the last transfer shipped from ``store`` holding each of ``serials``."""
    last = (
        sa.select(sa.func.max(unit_t.c.transfer_id))
        .select_from(
            unit_t.join(transfer_t, transfer_c.id == unit_t.c.transfer_id).join(
                repo.store_t, repo.store_t.c.id == transfer_c.from_store_id
            )
        )
        .where(repo.store_t.c.code == store, unit_t.c.serial.in_(serials))
        .group_by(unit_t.c.serial)
    )
    q = sa.select(transfer_c.number).where(transfer_c.id.in_(last))
    return [str(n) for n in conn.execute(q).scalars()]


def sent_json(
    db: Database, actor: Actor, store: str, numbers: list[str], serials: list[str] | None = None
) -> list[dict[str, Any]]:
    """Central's copy of the transfers ``numbers`` shipped from ``store``, and of the last
    one shipped from ``store`` holding each of ``serials`` (others, and numbers central does
    not know, are left out): number, stores, status, who received it and when, per product
    the units and quantities on it and received, and ``central_units``, central's state of
    its units (as a conflict's verdict carries them). Any terminal's token may ask (the sell
    permission, as for incoming transfers)."""
    actor.require(Permission.SELL)
    asked = checked(numbers)
    by_serial = checked(serials or [], "serial")

    def read(conn: Connection) -> list[dict[str, Any]]:
        wanted = asked + (_last_shipped(conn, store, by_serial) if by_serial else [])
        rows = conn.execute(sa.select(transfer_t).where(transfer_c.number.in_(wanted))).all()
        out = []
        for row in rows:
            view = transfer_view(conn, row)
            if view.from_store != store:
                continue
            serials = [s for ln in view.lines for s in ln.serials]
            out.append(
                {
                    "number": view.number,
                    "from": view.from_store,
                    "to": view.to_store,
                    "status": view.status,
                    "received_by": row.received_by,
                    "received_at": _text(row.received_at),
                    "lines": lines_json(view),
                    "central_units": [
                        {"serial": s, "sku": k, "store": at, "state": state, "event": event}
                        for s, k, at, state, event in conflict_sql.unit_states(conn, serials)
                        if any(s in ln.serials and k == ln.sku for ln in view.lines)
                    ],
                }
            )
        return sorted(out, key=lambda t: str(t["number"]))

    return db.read(read)


def _text(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat()


def shipped_here(conn: Connection, store: str) -> list[str]:
    """On a store terminal: the transfers it holds as shipped from ``store``, oldest first
    (the ones whose receipt it has not seen)."""
    here = mirror_sql.store_ids(conn)[store]
    q = (
        sa.select(transfer_c.number)
        .where(transfer_c.from_store_id == here, transfer_c.status == TransferStatus.SHIPPED)
        .order_by(transfer_c.id)
    )
    return [str(n) for n in conn.execute(q).scalars()]


def in_transit_elsewhere(conn: Connection, store: str) -> list[str]:
    """On a store terminal: the serials of the units it has in transit at another store.
    Another till of the store (or central) shipped most of them: the terminal holds no copy
    of that transfer, only the units, from its store's feed, which never carries the other
    store's receipt (and a shipment of its own that central refused left it not even the
    number of the one central took). Central is asked for the last transfer from the store
    holding each (``serial``); they are asked until they are no longer in transit here, so
    the list is as long as the store's open shipments, never its history."""
    here = mirror_sql.store_ids(conn)[store]
    unit_c = repo.unit_t.c
    q = (
        sa.select(unit_c.serial)
        .where(unit_c.state == UnitState.IN_TRANSIT.value, unit_c.store_id != here)
        .order_by(unit_c.id)
    )
    return list(dict.fromkeys(str(s) for s in conn.execute(q).scalars()))


def given_away(conn: Connection, store: str) -> list[str]:
    """On a store terminal: the serials of the units it holds at another store that a
    **refusal** of one of its entries moved there (a ``central_state`` event whose document
    is the entry: terminal/central_state.py). Central follows for the store the units it
    shipped and those its conflicts named (services/transfers/away.py), but a refusal keeps
    nothing at central, so the till names these itself. A unit back at this store drops out
    (the store's feed carries it again): the list is as long as the units a refusal sent
    away and that are still away."""
    here = mirror_sql.store_ids(conn)[store]
    unit_c, event_c = repo.unit_t.c, repo.event_t.c
    refused = (
        sa.exists()
        .where(
            event_c.unit_id == unit_c.id,
            event_c.action == "central_state",
            event_c.document_type == "entry",
        )
        .correlate(repo.unit_t)
    )
    q = sa.select(unit_c.serial).where(unit_c.store_id != here, refused).order_by(unit_c.id)
    return list(dict.fromkeys(str(s) for s in conn.execute(q).scalars()))


def follow_sent(conn: Connection, found: list[dict[str, Any]], store: str) -> list[str]:
    """On a store terminal, inside the caller's transaction: make its copy of each transfer
    of ``found`` (central's, :func:`sent_json`) shipped from ``store`` what central has; the
    numbers whose copy changed. Units are the caller's (terminal/central_state.py)."""
    products = mirror_sql.product_ids(conn)
    here = mirror_sql.store_ids(conn)[store]
    changed: list[str] = []
    for data in found:
        row = conn.execute(
            sa.select(transfer_t).where(
                transfer_c.number == str(data["number"]), transfer_c.from_store_id == here
            )
        ).first()
        if row is None:
            continue
        moved = _follow_lines(conn, row.id, data["lines"], products)
        status = str(data["status"])
        if status != row.status:
            conn.execute(
                transfer_t.update()
                .where(transfer_c.id == row.id)
                .values(
                    status=status,
                    received_by=None
                    if data.get("received_by") is None
                    else str(data["received_by"])[:32],
                    received_at=None
                    if data.get("received_at") is None
                    else datetime.fromisoformat(str(data["received_at"])),
                )
            )
        if moved or status != row.status:
            changed.append(str(row.number))
    return changed


#: Journal states of an entry central did not apply (services/entries.py).
_NOT_APPLIED = frozenset({"conflict", "refused"})


def refuse_unknown(
    conn: Connection, asked: list[str], found: list[dict[str, Any]], store: str
) -> list[str]:
    """On a store terminal, inside the caller's transaction: mark ``refused`` its copy of
    each transfer of ``asked`` it holds as shipped from ``store`` that central does not know
    (absent from ``found``, central's answer) and whose last journal entry central did not
    apply (a conflict: a unit had moved; or a refusal). A terminal ships a transfer in one
    entry that creates it at central (services/transfers/sending.py), so such a shipment
    never happened there and never will; left ``shipped`` it would be asked for at every
    sync and read as in transit. Its units took central's state when the entry was settled
    (terminal/central_state.py); the conflict or refusal names the transfer. An entry still
    waiting, or one central applied, leaves the copy as it is. The numbers marked."""
    known = {str(data["number"]) for data in found}
    here = mirror_sql.store_ids(conn)[store]
    refused: list[str] = []
    for number in asked:
        if number in known:
            continue
        last = journal.last_naming(conn, number)
        if last is None or last.state not in _NOT_APPLIED:
            continue
        done = conn.execute(
            transfer_t.update()
            .where(
                transfer_c.number == number,
                transfer_c.from_store_id == here,
                transfer_c.status == TransferStatus.SHIPPED,
            )
            .values(status=TransferStatus.REFUSED)
        )
        if done.rowcount:
            refused.append(number)
    return refused


def _follow_lines(
    conn: Connection, transfer_id: int, lines: list[dict[str, Any]], products: dict[str, int]
) -> bool:
    """Mark the units and quantities central received; whether anything changed."""
    moved = False
    for ln in lines:
        pid = products.get(str(ln["sku"]))
        if pid is None:
            continue
        got = [str(s) for s in ln["received_serials"]]
        if got:
            done = conn.execute(
                unit_t.update()
                .where(
                    unit_t.c.transfer_id == transfer_id,
                    unit_t.c.product_id == pid,
                    unit_t.c.serial.in_(got),
                    unit_t.c.received.is_(False),
                )
                .values(received=True)
            )
            moved = moved or done.rowcount > 0
        rest = max(0, int(ln["received"]) - len(got))
        done = conn.execute(
            line_t.update()
            .where(
                line_t.c.transfer_id == transfer_id,
                line_t.c.product_id == pid,
                line_t.c.received != rest,
            )
            .values(received=rest)
        )
        moved = moved or done.rowcount > 0
    return moved
