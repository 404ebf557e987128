"""A terminal's entry recorded at central as a conflict for a manager (issue 16).

An entry no longer legal when it arrives (services/conflict_codes.py) is kept, never dropped:
recorded with the unit it names and the event that stands for that unit, and stored as the
outcome of its id so a resend replays the same answer. An entry refused for naming a
document central never recorded follows the conflict of the entry that made it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import Connection

from serialpos.db import apply_outcomes, conflict_sql, order_units
from serialpos.db.engine import Database
from serialpos.domain.text import clip
from serialpos.services import follow_on_units
from serialpos.services.conflict_views import conflict_followed, present, with_follows
from serialpos.services.entry_checks import Entry
from serialpos.services.stock_lines import item_serials, item_sku

Result = dict[str, Any]


def _serials(data: Mapping[str, Any]) -> list[str]:
    found: list[str] = item_serials(data)  # a whole document's items
    for key in ("serial", "serials", "add", "remove"):
        value = data.get(key)
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, list):
            found += [v for v in value if isinstance(v, str)]
    found += [serial for _sku, serial in _order_lines(data)]
    return found


def _order_lines(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(sku, serial) of an ``order_create`` entry's lines that name a serial (a sale made
    at a terminal's counter: services/orders/sale_journal.py)."""
    lines = data.get("lines")
    if not isinstance(lines, list):
        return []
    return [
        (str(line["sku"]), str(line["serial"]))
        for line in lines
        if isinstance(line, dict)
        and isinstance(line.get("sku"), str)
        and isinstance(line.get("serial"), str)
    ]


def _units_on_lines(conn: Connection, data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(sku, serial) of the units on the lines an entry names by number on its order (a
    till's ``order_return``: central's lines hold them)."""
    order = data.get("order")
    numbers = [
        n
        for key in ("line_numbers", "damaged_line_numbers")
        if isinstance(data.get(key), list)
        for n in data[key]
        if isinstance(n, int) and not isinstance(n, bool)
    ]
    if not isinstance(order, str) or not numbers:
        return []
    return order_units.units_on_lines(conn, order, numbers)


#: Refusals of an entry naming a document central does not hold (pinned codes: they stay
#: the answer for a document that is really unknown).
_UNKNOWN_DOCUMENT = frozenset({"unknown_order", "unknown_refund"})


def follows_conflict(conn: Connection, entry: Entry, refusal: Mapping[str, Any]) -> int | None:
    """The conflict an entry refused for naming an unknown order or refund note follows:
    the conflict of this till's entry that made that document (an offline sale central did
    not record, and then the exchange of a unit from it). Such an entry is recorded as a
    conflict for a manager, naming that one, not refused: refused, the till would put back
    in stock units its customer took home, and no manager would be asked."""
    if refusal.get("error") not in _UNKNOWN_DOCUMENT:
        return None
    return conflict_followed(conn, entry.terminal, entry.data)


def record_conflict(
    conn: Connection,
    db: Database,
    entry: Entry,
    refusal: Result,
    follows: int | None = None,
    *,
    known: tuple[int, int] | None = None,
) -> Result:
    """Record ``entry``, refused with ``refusal`` because its unit moved meanwhile, as a
    conflict for a manager, and store that as the outcome of its id (claimed already in
    this transaction); the outcome, without ``ok``. ``follows``: the conflict whose
    unrecorded order or refund note this entry names (:func:`follows_conflict`).
    ``known``: the ids of the store and the product the entry names, when the caller holds
    them (a run of plain sales read them once for all its entries)."""
    outcome = record_line_conflict(
        conn, db, entry.data, entry.terminal, entry.seq, entry.key, refusal, follows, known=known
    )
    if follows is not None:
        outcome["follows"] = follows
    apply_outcomes.record(conn, entry.key, json.dumps(outcome, ensure_ascii=False))
    return outcome


def record_line_conflict(
    conn: Connection,
    db: Database,
    data: Mapping[str, Any],
    terminal: str,
    seq: int,
    key: str,
    refusal: Result,
    follows: int | None = None,
    *,
    known: tuple[int, int] | None = None,
) -> Result:
    message = str(refusal.get("message", ""))
    serials = _serials(data)
    on_lines = _units_on_lines(conn, data) if not serials else []
    if not serials and not on_lines:  # its order never held here: the sale it follows
        on_lines = follow_on_units.units_on_followed_lines(conn, data, follows)
    serials += [serial for _sku, serial in on_lines]
    serial = next((s for s in serials if s in message), serials[0] if serials else None)
    sku = data.get("sku") if isinstance(data.get("sku"), str) else item_sku(data, serial)
    if sku is None:  # an order's line: the product of the serial named
        sku = next((k for k, s in [*_order_lines(data), *on_lines] if s == serial), None)
    if sku is None and serial is not None and isinstance(data.get("order"), str):
        held = order_units.units_of(conn, [data["order"]]).get(data["order"], [])
        sku = next((k for k, s in held if s == serial), None)  # a return naming serials
    if sku is None and serial is not None:  # a document central never held: the unit's
        sku = follow_on_units.sku_of_serial(conn, serial)
    if refusal.get("error") == "not_in_transit":  # a quantity received meanwhile on the
        # transfer: the product the refusal names ("CAB: 3 to receive but …"), no unit, so
        # no return or write-off of a unit that arrived is offered.
        serial, sku = None, message.partition(":")[0] or sku
    store_code = data.get("store")
    product_id: int | None
    if known is not None and sku is not None:
        store_id, product_id = known  # the store and product the line names, read already
    else:
        store_id = conflict_sql.store_for(
            conn, store_code if isinstance(store_code, str) else None, terminal
        )
        product_id = conflict_sql.product_id(conn, sku) if sku else None
    first = conflict_sql.last_unit_event(conn, sku, serial) if sku and serial else None
    conflict_id = conflict_sql.add_conflict(
        conn,
        entry_id=key,
        terminal=terminal,
        entry_seq=seq,
        store_id=store_id,
        product_id=product_id,
        serial=serial,
        first_event_id=first,
        entry_line=json.dumps(dict(data), ensure_ascii=False, sort_keys=True),
        error=str(refusal.get("error"))[:32],
        message=clip(message, 400),
    )
    view = present(with_follows(conn, conflict_sql.conflicts(conn, conflict_id=conflict_id))[0])
    return {
        "op": data.get("op"),
        "error": "sync_conflict",
        "message": f"{message}: recorded as conflict {conflict_id} for a manager",
        "conflict": view,
    }
