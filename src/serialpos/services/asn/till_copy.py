"""A store terminal's copy of its store's ASNs follows central's (issue 16).

A till gets the store's open ASNs with its snapshot; one imported at central later reached
it only as ``expect`` events of its units (the store's feed), so the till knew the units as
"expected on ASN X" and no ASN X: ``asn_receive`` said "there is no ASN" while a blind
receipt said "receive it on that ASN". So the sync asks central for the store's open ASNs
(``GET /v1/asns/open``: :func:`open_json`) and keeps each one the till does not hold
(:func:`keep_open`): its header, lines and the scans saved so far; its units came with the
feed.

A till's ASN receipt central did not take (a conflict: a unit it scanned had moved at
central) left the till's copy reading "received" while central's stays open, and the ASN off
the Receiving screen: nothing could be received on it again. As a transfer's receipt does
(services/transfers/incoming.py ``refused_receipts``), the till's copy then takes central's
(:func:`refused_receipts`): open, with central's lines and scans, so it is received again
at the till. The units took central's state when the entry was settled
(terminal/central_state.py). An ASN central no longer holds open (received meanwhile by
another till of the store) keeps the till's "received": the units follow the feed.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import journal, mirror_sql, repo
from serialpos.db.asn_tables import asn_line_t, asn_scan_t, asn_t
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.document_status import AsnStatus
from serialpos.domain.event_files import EventType
from serialpos.domain.users import Permission
from serialpos.services.context import Actor
from serialpos.services.event_files import outbox_t

#: Journal states of an entry central did not apply (services/entries.py).
_NOT_APPLIED = ("conflict", "refused")
_asn, _line, _scan = asn_t.c, asn_line_t.c, asn_scan_t.c


def _when(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def open_json(db: Database, actor: Actor, store: str) -> list[dict[str, Any]]:
    """The open ASNs of ``store`` as JSON: number, vendor, who made it and when, its lines
    (``number``, ``sku``, ``quantity``, ``listed``, ``case_pack``, ``received``) and the
    scans of a receipt in progress (a case pack's count names its ``case_pack``). Any
    terminal's token may ask (the sell permission, as for the snapshot): receiving is checked
    when it is done."""
    actor.require(Permission.SELL)

    def read(conn: Connection) -> list[dict[str, Any]]:
        ids_by_code = {code: sid for sid, code in repo.store_codes(conn).items()}
        store_id = ids_by_code.get(store)
        if store_id is None:
            return []
        heads = conn.execute(
            sa.select(_asn.id, _asn.asn, _asn.vendor, _asn.created_at, _asn.created_by)
            .where(_asn.store_id == store_id, _asn.status == AsnStatus.OPEN)
            .order_by(_asn.id)
        ).all()
        ids = [h.id for h in heads]
        lines = conn.execute(
            sa.select(asn_line_t).where(_line.asn_id.in_(ids)).order_by(_line.asn_id, _line.number)
        ).all()
        scans = conn.execute(
            sa.select(asn_scan_t).where(_scan.asn_id.in_(ids)).order_by(_scan.id)
        ).all()
        return [
            {
                "asn": h.asn,
                "vendor": h.vendor,
                "store": store,
                "status": AsnStatus.OPEN.value,
                "created_at": _when(h.created_at),
                "created_by": h.created_by,
                "lines": [_line_json(ln) for ln in lines if ln.asn_id == h.id],
                "scans": [_scan_json(s) for s in scans if s.asn_id == h.id],
            }
            for h in heads
        ]

    return db.read(read)


def _line_json(row: Any) -> dict[str, Any]:
    return {
        "number": row.number,
        "sku": row.sku,
        "quantity": row.quantity,
        "listed": row.listed,
        "case_pack": row.case_pack,
        "received": row.received,
    }


def _scan_json(row: Any) -> dict[str, Any]:
    return {
        "sku": row.sku,
        "serial": row.serial,
        "quantity": row.quantity,
        "scanned_at": _when(row.scanned_at),
        "user_name": row.user_name,
        "case_pack": row.case_pack,
    }


def _case(value: Any) -> str | None:
    """A scan's case pack as central sent it (an older central sends none)."""
    return value if isinstance(value, str) and value else None


def _at(text: Any) -> datetime:
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return utcnow()


def keep_open(conn: Connection, found: list[dict[str, Any]], store: str) -> list[str]:
    """On a store terminal, inside the caller's transaction: keep each of central's open
    ASNs ``found`` that the till does not hold (its header, lines, scans); the numbers
    kept. A line whose product the till does not know is kept by its SKU only when the
    product is known: the caller takes new products first (terminal/pull.py)."""
    asked = [str(a["asn"]) for a in found]
    held_numbers = set(conn.execute(sa.select(_asn.asn).where(_asn.asn.in_(asked))).scalars())
    here = mirror_sql.store_ids(conn)[store]
    products = mirror_sql.product_ids(conn)
    kept: list[str] = []
    for data in found:
        if data["asn"] in held_numbers:
            continue
        if any(str(ln["sku"]) not in products for ln in data["lines"]):
            continue  # a product the till cannot know yet: asked again next round
        made = conn.execute(
            sa.insert(asn_t).values(
                asn=data["asn"],
                vendor=data["vendor"],
                store_id=here,
                status=AsnStatus.OPEN,
                created_at=_at(data.get("created_at")),
                created_by=str(data.get("created_by") or "central")[:32],
            )
        ).inserted_primary_key
        assert made is not None
        _put_lines(conn, int(made[0]), data, products)
        kept.append(str(data["asn"]))
    return kept


def _put_lines(
    conn: Connection, asn_id: int, data: dict[str, Any], products: dict[str, int]
) -> None:
    """The lines and scans of ``data`` (central's copy) as the till's copy of ``asn_id``."""
    for ln in data["lines"]:
        conn.execute(
            sa.insert(asn_line_t).values(
                asn_id=asn_id,
                number=int(ln["number"]),
                product_id=products[str(ln["sku"])],
                sku=str(ln["sku"]),
                quantity=int(ln["quantity"]),
                listed=int(ln["listed"]),
                case_pack=ln.get("case_pack"),
                received=int(ln["received"]),
            )
        )
    for scan in data.get("scans") or []:
        conn.execute(
            sa.insert(asn_scan_t).values(
                asn_id=asn_id,
                sku=str(scan["sku"]),
                serial=scan.get("serial"),
                quantity=int(scan.get("quantity") or 1),
                scanned_at=_at(scan.get("scanned_at")),
                user_name=str(scan.get("user_name") or "central")[:32],
                case_pack=_case(scan.get("case_pack")),
            )
        )


def refused_receipts(conn: Connection, found: list[dict[str, Any]], store: str) -> list[str]:
    """On a store terminal, inside the caller's transaction: make its copy of each ASN it
    holds as received, whose receipt here central did not take (the last journal entry
    naming it a conflict or refused) and central still holds open (in ``found``), read
    central's: open, central's lines and scans, no discrepancies, so it is received again.
    Read from the entries central did not take (few), never the store's history. The
    numbers changed."""
    central = {str(a["asn"]): a for a in found}
    numbers = {
        str(line["asn"])
        for state in _NOT_APPLIED
        for entry in journal.entries(conn, state)
        for line in [json.loads(entry.line)]
        if line.get("op") == "asn_receive" and isinstance(line.get("asn"), str)
    }
    wanted = sorted(numbers & set(central))
    if not wanted:
        return []
    here = mirror_sql.store_ids(conn)[store]
    products = mirror_sql.product_ids(conn)
    rows = conn.execute(
        sa.select(_asn.id, _asn.asn).where(
            _asn.asn.in_(wanted), _asn.store_id == here, _asn.status == AsnStatus.RECEIVED
        )
    ).all()
    changed: list[str] = []
    for asn_id, number in rows:
        last = journal.last_naming(conn, str(number))
        if last is None or last.state not in _NOT_APPLIED:
            continue  # a later receipt here was taken, or waits: not central's to undo
        data = central[str(number)]
        if any(str(ln["sku"]) not in products for ln in data["lines"]):
            continue
        conn.execute(sa.delete(asn_scan_t).where(_scan.asn_id == asn_id))
        # The event file of a receipt central never took is owed to no one; the receipt
        # made again here owes its own.
        conn.execute(
            sa.delete(outbox_t).where(
                outbox_t.c.event_type == EventType.ASN_RECEIPT.value,
                outbox_t.c.document_id == str(number),
            )
        )
        conn.execute(sa.delete(asn_line_t).where(_line.asn_id == asn_id))
        _put_lines(conn, asn_id, data, products)
        conn.execute(
            asn_t.update()
            .where(_asn.id == asn_id)
            .values(status=AsnStatus.OPEN, received_by=None, received_at=None, discrepancies=None)
        )
        changed.append(str(number))
    return changed
