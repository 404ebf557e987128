"""Quantities of an entry central did not take go back on the till (issue 16).

A till applied each entry locally when it was made. When central records the entry as a
conflict or refuses it, central kept nothing of it: an entry is applied at central in a
savepoint of its own, all of it or none (services/entries.py). Its units take central's
state from the verdict (terminal/central_state.py); a quantity (a product without serials,
or a unit sold by quantity where serials are not tracked) has no state a verdict could
carry, and central's stock of it cannot be taken outright while later entries still wait
here (their effect is here and not yet there). What the entry itself did is known instead:
its own ledger events (terminal/entry_events.py). So when the push settles the entry, in the
same local transaction, each quantity it moved is moved back where it was moved, one
``central_state`` event per product, store and document (the document the entry's events
name: the order, the receipt, the transfer...; the reason central's error). A quantity is a
sum, so undoing the entry's part leaves every later local act's part as it is.

Once: only an entry this push settled is put back, and settling and putting back are one
local transaction, so a verdict seen again after a crash (the entry already settled)
changes nothing. An entry made before migration 0027 is not tied to its events; only a
refused shipment of one is put back, when its copy is marked refused
(terminal/central_state.py ``put_back_quantities``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import journal, mirror_sql, repo
from serialpos.db.tables import utcnow
from serialpos.domain.products import SerialMode
from serialpos.terminal import entry_events

#: The local ledger's action for a quantity put back (as for a unit set to central's state).
ACTION = "central_state"

_e, _p, _s = repo.event_t.c, repo.product_t.c, repo.store_t.c


def moved(conn: Connection, entry: journal.Entry) -> list[dict[str, Any]]:
    """The quantities ``entry`` moved here, summed per product, store and document (its own
    ledger events without a unit): ``product_id``, ``store_id``, ``sku``, ``store``,
    ``document_type``, ``document``, ``quantity``; none for an entry not tied to its events."""
    own = entry_events.made_by(entry)
    if own is None:
        return []
    total = sa.func.sum(_e.quantity)
    q = (
        sa.select(
            _e.product_id, _e.store_id, _p.sku, _s.code, _e.document_type, _e.document_id, total
        )
        .join(repo.product_t, _p.id == _e.product_id)
        .join(repo.store_t, _s.id == _e.store_id)
        .where(
            own,
            _e.unit_id.is_(None),
            _e.quantity != 0,
        )
        .group_by(_e.product_id, _e.store_id, _p.sku, _s.code, _e.document_type, _e.document_id)
        .having(total != 0)
        .order_by(_p.sku, _s.code)
    )
    return [
        {
            "product_id": int(pid),
            "store_id": int(sid),
            "sku": str(sku),
            "store": str(code),
            "document_type": doc_type,
            "document": doc_id,
            "quantity": int(quantity),
        }
        for pid, sid, sku, code, doc_type, doc_id, quantity in conn.execute(q)
    ]


def shown(conn: Connection, entry: journal.Entry) -> list[dict[str, Any]]:
    """What was put back here for ``entry`` when central did not take it (``terminal
    refused``, ``conflicts list`` on a till): per product, store and document, the quantity
    put back on stock (negative: taken off again). None for an entry central took."""
    if entry.state not in ("conflict", "refused"):
        return []
    return [
        {
            "sku": m["sku"],
            "store": m["store"],
            "quantity": -m["quantity"],
            "document": m["document"],
        }
        for m in moved(conn, entry)
    ]


def _put(
    conn: Connection, entry: journal.Entry, moves: list[dict[str, Any]], reason: str | None
) -> int:
    """One ``central_state`` event per move (``quantity`` signed: what to add here)."""
    rows = [
        {
            "at": utcnow(),
            "action": ACTION,
            "user_name": entry.user_name[:32],
            "terminal": entry.terminal[:64],
            "store_id": m["store_id"],
            "product_id": m["product_id"],
            "unit_id": None,
            "serial": None,
            "from_state": None,
            "to_state": None,
            "quantity": m["quantity"],
            "document_type": m["document_type"],
            "document_id": m["document"],
            "document_line": None,
            "reason": None if reason is None else reason[:200],
        }
        for m in moves
        if m["quantity"]
    ]
    if rows:
        repo.add_events(conn, rows)
        for row in rows:
            repo.bump_stock(conn, row["product_id"], row["store_id"], row["quantity"])
    return len(rows)


def put_back(conn: Connection, answered: Sequence[tuple[journal.Entry, str | None]]) -> int:
    """Put back the quantities of ``answered`` (the entries this push settled as conflicts
    or refusals, each with central's error), inside the settling transaction; how many
    products were put back."""
    return sum(
        _put(conn, entry, [m | {"quantity": -m["quantity"]} for m in moved(conn, entry)], reason)
        for entry, reason in answered
    )


def follow_count(conn: Connection, entry: journal.Entry, verdict: dict[str, Any]) -> int:
    """A count central took: a count is absolute (counted, whatever was on hand), so central
    moved each product by its own on-hand's difference (the verdict's ``quantities``), not
    by the till's, when other moves reached it meanwhile (another till's sale). For each
    product without serials in the count, the till moves by what central moved less what it
    moved itself, in the settling transaction, once (a ``central_state`` event, the count
    its document, ``count applied at central as +N`` its reason); how many products moved.
    A product with serials moves by its units, which follow central's events."""
    if entry.events_after is None or not verdict.get("ok"):
        return 0
    line = json.loads(entry.line)
    number, store = verdict.get("count") or line.get("number"), line.get("store")
    central = {
        str(q.get("sku")): int(q.get("counted", 0)) - int(q.get("on_hand", 0))
        for q in verdict.get("quantities") or ()
        if isinstance(q, dict) and q.get("known_units") is None
    }
    stores = mirror_sql.store_ids(conn)
    if not isinstance(number, str) or store not in stores:
        return 0
    local: dict[str, int] = {}
    for m in moved(conn, entry):
        if m["document_type"] == "count" and m["document"] == number:
            local[m["sku"]] = local.get(m["sku"], 0) + m["quantity"]
    # Central lists only the products whose count differed from its on-hand: one the till
    # moved and central's answer leaves out, central found as counted and did not move.
    products = _without_serials(conn, sorted(set(central) | set(local)))
    done = 0
    for sku, product_id in products.items():
        change = central.get(sku, 0) - local.get(sku, 0)
        move = {
            "product_id": product_id,
            "store_id": stores[str(store)],
            "document_type": "count",
            "document": number,
            "quantity": change,
        }
        done += _put(conn, entry, [move], f"count applied at central as {central.get(sku, 0):+d}")
    return done


def _without_serials(conn: Connection, skus: list[str]) -> dict[str, int]:
    """SKU -> id of those of ``skus`` whose units carry no serials here."""
    q = sa.select(_p.sku, _p.id).where(
        _p.sku.in_(skus), _p.serial_mode == SerialMode.DISABLED.value
    )
    return {str(sku): int(pid) for sku, pid in conn.execute(q)}
