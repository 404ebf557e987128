"""Apply central's events for this store to the terminal's database: the terminal takes
central's state.

Every event of the store sets its unit to the state central gave it, in central's order,
whatever the local state was: after a conflict the unit shows what central decided. An event
this terminal made itself (central records it under the terminal's id) is already
here: it is skipped when the unit is in the state it gave (always, for a quantity) or when
the unit's newest local event is one of the till's own acts central took
(terminal/own_events.py: a counter sale's reserve, pulled when the unit is sold), and
applied again when another terminal's event, earlier at central but pulled after it, or an
entry of this till's central did not take (a conflict, a refusal), moved the unit locally
meanwhile, so the unit ends in central's last state. (The sync pulls only
when nothing is waiting to be pushed, so no local entry is overtaken by a pull.)
Each is copied as a local ledger event whose ``from`` is the local state before it, and the
stock moves by the local difference, so the local ledger still folds to the local state and
``db check`` holds on the terminal.

A unit set to central's state out of the feed's order (after a conflict or a refusal,
terminal/central_state.py) remembers central's event that gave it that state; the feed's
events of the unit up to that one are older and skipped (``older``), so the pull never puts
an older state over a newer one (a unit sold here after another store received it would
otherwise read in transit again when this store's older shipment of it comes through). Each
event carries central's id (``event``): one unit's ids follow the order its events happened.

Another till's entry that central lost in a restore and applied again when that till sent
it again (``terminal resend``) comes as a new event under a new number; this till counted
its quantities from the first one already. ``terminal resend`` keeps the echoes of the
events central lost (``feed_lost``, terminal/feed_memory.py ``echo``) and such an event,
matching one, moves nothing (``again``): each echo once.

A receipt at central (or at another till) of a transfer this till holds a copy of marks the
copy received (services/transfers/received_copy.py). A return at central of a sale this
till holds also marks the till's copy of the order line
returned (terminal/returned_lines.py); the unit or quantity moves by the event alone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from serialpos.db import feed_lost, mirror_sql, repo
from serialpos.db.tables import utcnow
from serialpos.domain.states import ON_HAND, UnitState
from serialpos.services.transfers.received_copy import follow_receipt
from serialpos.terminal import feed_memory, own_events, returned_lines

log = logging.getLogger(__name__)


@dataclass
class MirrorCount:
    applied: int = 0
    own: int = 0
    other_store: int = 0
    unknown_product: int = 0
    #: events older than the state a unit was set to after a conflict or a refusal
    older: int = 0
    #: marks of such states dropped once a whole pull passed them (terminal/pull.py)
    pruned: int = 0
    #: another till's quantities this till had counted from an event central lost in a
    #: restore, made again at central when that till sent its entry again: not counted twice
    again: int = 0
    #: lines of this till's orders marked returned by a return made at central
    #: (terminal/returned_lines.py)
    returned_lines: int = 0
    #: orders of this store made at another till or at central copied here with the pull,
    #: so their units may be returned at this till (terminal/order_copies.py)
    order_copies: int = 0
    #: receipts at central or at another till of a transfer this till holds a copy of,
    #: marked on the copy (services/transfers/received_copy.py)
    transfer_receipts: int = 0


def _at(text: Any) -> datetime:
    try:
        return datetime.fromisoformat(str(text).removesuffix("Z"))
    except ValueError:
        return utcnow()


def apply_events(
    conn: Connection,
    events: list[dict[str, Any]],
    *,
    store: str,
    central_terminal: str,
    count: MirrorCount,
) -> None:
    products = mirror_sql.product_ids(conn)
    stores = mirror_sql.store_ids(conn)
    taken = mirror_sql.unit_events(conn)
    lost = feed_lost.count(conn) > 0
    for event in events:
        if event.get("store") != store:
            count.other_store += 1
            continue
        count.returned_lines += int(returned_lines.mark_returned(conn, event))
        own = event.get("terminal") == central_terminal
        if own and (event.get("serial") is None or event.get("to") is None):
            count.own += 1  # a quantity this terminal moved: already counted here
            continue
        if lost and _counted_before(conn, event):
            count.again += 1
            continue
        product_id = products.get(str(event.get("sku")))
        if product_id is None:
            # A product created at central after this terminal's snapshot.
            log.warning(
                "event %s names product %s unknown here; skipped",
                event.get("seq"),
                event.get("sku"),
            )
            count.unknown_product += 1
            continue
        if not own:  # its copy of a transfer received elsewhere: received
            count.transfer_receipts += int(
                follow_receipt(conn, event, product_id, stores[store], _at(event.get("at")))
            )
        if _older(conn, event, product_id, taken):
            count.older += 1
        elif _apply_one(conn, event, product_id, stores[store], own=own, stores=stores):
            count.applied += 1
        else:
            count.own += 1


def _counted_before(conn: Connection, event: dict[str, Any]) -> bool:
    """Whether ``event`` is another till's entry applied again at central after a restore
    whose first event this till applied before central lost it (``feed_lost``, kept by
    ``terminal resend``): its quantities are here already. Each lost event matches one event
    made again, whichever till ran ``terminal resend`` first."""
    echo = feed_memory.echo(event)
    return echo is not None and feed_lost.take(conn, echo)


def _older(conn: Connection, event: dict[str, Any], product_id: int, taken: dict[int, int]) -> bool:
    """Whether ``event`` is older than the central event its unit's copy was set from (the
    mark is dropped once the feed reaches that event or passes it: the rest are newer)."""
    serial, central = event.get("serial"), event.get("event")
    if not taken or serial is None or not isinstance(central, int):
        return False
    found = mirror_sql.unit(conn, product_id, serial)
    mark = None if found is None else taken.get(found.id)
    if found is None or mark is None:
        return False
    if central >= mark:
        mirror_sql.drop_unit_event(conn, found.id)
        del taken[found.id]
    return central <= mark


def _apply_one(
    conn: Connection,
    event: dict[str, Any],
    product_id: int,
    store_id: int,
    *,
    own: bool,
    stores: dict[str, int],
) -> bool:
    document = event.get("document") or {}
    values: dict[str, object] = {
        "at": _at(event.get("at")),
        "action": str(event.get("action"))[:24],
        "user_name": str(event.get("user"))[:32],
        "terminal": str(event.get("terminal"))[:64],
        "store_id": store_id,
        "product_id": product_id,
        "unit_id": None,
        "serial": event.get("serial"),
        "from_state": event.get("from"),
        "to_state": event.get("to"),
        "quantity": int(event.get("quantity") or 0),
        "document_type": document.get("type"),
        "document_id": document.get("id"),
        "document_line": document.get("line"),
        "reason": event.get("reason"),
    }
    serial, to_state = event.get("serial"), event.get("to")
    if serial is not None and to_state is not None:
        found = mirror_sql.unit(conn, product_id, serial)
        if (
            own
            and found is not None
            and (found.state == to_state or own_events.newest_is_own(conn, found.id))
        ):
            return False
        held = None
        if to_state == UnitState.RESERVED:  # the till's open line of the order holds it
            held = mirror_sql.open_line_holding(conn, document.get("id"), product_id, serial)
        move_unit(
            conn,
            found,
            values,
            state=to_state,
            unit_store=_unit_store(event, to_state, store_id, stores),
            line=held,
        )
        return True
    repo.add_events(conn, [values])
    repo.bump_stock(conn, product_id, store_id, int(values["quantity"]))  # type: ignore[call-overload]
    return True


def move_unit(
    conn: Connection,
    found: mirror_sql.LocalUnit | None,
    values: dict[str, object],
    *,
    state: str,
    unit_store: int,
    line: int | None = None,
) -> int:
    """Set the unit of ``values`` (its ``product_id`` and ``serial``) to ``state`` at
    ``unit_store``, creating it if this terminal never held it, with a local ledger event at
    ``values``' store. Each store's stock moves by the local difference: the unit leaves the
    on-hand count of the store the terminal had it at and joins its new store's; a store
    other than the event's whose count moves gets an event of its own, so every store's
    events still add up to its stock and ``db check`` holds on the terminal (a unit the
    terminal had at another store, moved by a later event, included)."""
    product_id, serial, event_store = values["product_id"], values["serial"], values["store_id"]
    assert isinstance(product_id, int) and isinstance(serial, str)
    assert isinstance(event_store, int)
    deltas: dict[int, int] = {}
    if found is not None:
        deltas[found.store_id] = -int(UnitState(found.state) in ON_HAND)
    deltas[unit_store] = deltas.get(unit_store, 0) + int(UnitState(state) in ON_HAND)
    unit_id = mirror_sql.put_unit(
        conn,
        found,
        product_id=product_id,
        serial=serial,
        state=state,
        store_id=unit_store,
        now=utcnow(),
        line=line,
    )
    row = values | {
        "unit_id": unit_id,
        "from_state": None if found is None else found.state,
        "to_state": state,
    }
    rows = [
        row | {"store_id": store, "quantity": delta}
        for store, delta in deltas.items()
        if store != event_store and delta != 0
    ]
    rows.append(row | {"quantity": deltas.get(event_store, 0)})
    repo.add_events(conn, rows)
    for store, delta in deltas.items():
        repo.bump_stock(conn, product_id, store, delta)
    return unit_id


def _unit_store(event: dict[str, Any], to_state: str, store_id: int, stores: dict[str, int]) -> int:
    """Where the unit is after ``event``: a unit shipped on a transfer belongs to the
    destination store while in transit, as at central (the feed names it as ``to_store``);
    any other event leaves it at the event's store."""
    destination = event.get("to_store")
    if to_state == UnitState.IN_TRANSIT and isinstance(destination, str):
        return stores.get(destination, store_id)
    return store_id
