"""The terminal takes central's state of the units of an entry central did not apply.

The terminal applied each entry locally when it was made. When central records the entry as
a conflict, or refuses it, its verdict carries ``central_units``: central's state of each unit the
line names (services/entry_units.py). The push settles the entry and, in the same local
transaction, sets each such unit to central's state here (:func:`take`): a unit central
has at another store leaves this store (the same new serial received at two stores offline;
a unit sold here after another till shipped it away), a unit at this store takes central's
state. The store's own feed could not do this: it never carries another store's events.
An entry the till refuses itself, unsent (changed after it was made: terminal/push.py), gets
a verdict of the till's own whose ``central_units`` are its units as they were before it
(terminal/tampered_units.py): central never saw it; they are taken by the same rules.

A unit central holds none of (a receipt it refused outright: ``state`` null) is written off
where the till had it: its row cannot go (its events refer to it), and written off it is
neither on hand nor live, so the store's stock is central's and ``db check`` stays clean.
That write-off's reason says central has no record of it (db/unrecorded_units.py), so the
unit can be received again at the till: the stockroom redoes the receipt.

Each unit set keeps central's ``event`` that gave it the state (``mirror_sql.set_unit_event``):
the pull skips the unit's feed events up to that one (terminal/mirror.py), so an older
shipment of this store's never puts back a state central has moved on from.

Three rules keep it right:

* Only an entry this push settled takes a state: a verdict sent again for a settled entry
  (a replay) changes nothing, and a unit already in central's state is left alone.
* A unit named by a later local entry that was waiting when the push began (by its serial,
  or by the number of an order whose local lines hold it) is left as it is:
  that entry's effect is here and central applies it (or answers for it) after the verdict
  was read, so taking the older state would undo it. When that later entry is itself a
  conflict or refused, its own verdict carries the unit.
* A unit an open sale of this till holds (a reserved order line, never journaled yet) is
  left as it is; the sale's entry meets central when it is fulfilled.

Each unit set is a local ledger event (``central_state``, its reason central's error, its
document the conflict), with each store's stock moved by the local difference
(terminal/mirror.py ``move_unit``), so ``db check`` stays clean here. The pull that follows
skips this store's older events of the unit and applies the newer; it ends where central's
feed for the store ends: central's state for every unit at this store. A transfer shipped
from this store takes its units' state the same way (:func:`take_units`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import journal, mirror_sql, order_units, repo
from serialpos.db.tables import utcnow
from serialpos.db.unrecorded_units import no_record_reason
from serialpos.domain.states import UnitState
from serialpos.services.entry_units import named_units, order_named
from serialpos.services.transfers.views import line_t, transfer_c
from serialpos.terminal.mirror import move_unit

log = logging.getLogger(__name__)

#: The local ledger's action for a unit set to central's state after a verdict.
ACTION = "central_state"

Verdict = dict[str, Any]
Key = tuple[str | None, str]


def _data(line: str) -> dict[str, Any]:
    try:
        data = json.loads(line)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _names(conn: Connection, lines: Sequence[str]) -> list[set[str]]:
    """The serials each line names, an order named by number standing for the units its
    local lines hold (one read for all the orders the lines name)."""
    datas = [_data(line) for line in lines]
    numbers = [n for data in datas if (n := order_named(data)) is not None]
    orders = order_units.units_of(conn, numbers)
    return [{serial for _sku, serial in named_units(data, orders)} for data in datas]


def _waiting(conn: Connection, serial: str, after: int) -> bool:
    """Whether a pending entry after local number ``after`` names ``serial``: by the serial,
    or by the number of an order whose local lines hold it."""
    lines = journal.pending_naming(conn, serial, after)
    for number in order_units.orders_of(conn, serial):
        lines += journal.pending_naming(conn, number, after)
    return any(serial in names for names in _names(conn, lines))


def take(conn: Connection, *, store: str, answered: Sequence[tuple[journal.Entry, Verdict]]) -> int:
    """Set the units of ``answered`` (the entries this push settled, each pending until now,
    in local order, with central's verdicts) to central's state; how many changed here."""
    latest: dict[Key, tuple[journal.Entry, Verdict, Verdict]] = {}
    for entry, verdict in answered:
        for unit in verdict.get("central_units") or ():
            if isinstance(unit, dict) and isinstance(unit.get("serial"), str):
                latest[(unit.get("sku"), unit["serial"])] = (entry, verdict, unit)
    if not latest:
        return 0
    named = dict(
        zip(
            (entry.seq for entry, _v in answered),
            _names(conn, [entry.line for entry, _v in answered]),
            strict=True,
        )
    )
    products = mirror_sql.product_ids(conn)
    stores = mirror_sql.store_ids(conn)
    changed = 0
    for (_sku, serial), (entry, verdict, unit) in latest.items():
        later = [seq for seq, serials in named.items() if seq > entry.seq and serial in serials]
        if later or _waiting(conn, serial, entry.seq):
            continue  # a later local entry moved it: its own answer settles it
        if _take_one(conn, unit, _source(entry, verdict), products, stores, here=store):
            changed += 1
    return changed


@dataclass(frozen=True)
class Source:
    """Why a unit is set to central's state here, as its local ledger event says: who and
    which till (the entry's, or the sync's), the document (the conflict, the entry, the
    transfer) and the reason (central's error, if any)."""

    user: str
    terminal: str
    document_type: str
    document_id: str
    reason: str | None = None


def _source(entry: journal.Entry, verdict: Verdict) -> Source:
    conflict = verdict.get("conflict") if isinstance(verdict.get("conflict"), dict) else None
    return Source(
        entry.user_name,
        entry.terminal,
        "conflict" if conflict else "entry",
        str(conflict["id"] if conflict else entry.id),
        str(verdict.get("error") or "") or None,
    )


def take_units(conn: Connection, units: Sequence[Verdict], *, store: str, source: Source) -> int:
    """Set ``units`` (central's ``{serial, sku, store, state, event}``, read from central
    outside any entry's verdict: a transfer's units, terminal/sent_transfers.py) to central's
    state here, by the same rules; how many changed."""
    products = mirror_sql.product_ids(conn)
    stores = mirror_sql.store_ids(conn)
    return sum(
        _take_one(conn, unit, source, products, stores, here=store)
        for unit in units
        if isinstance(unit, dict) and isinstance(unit.get("serial"), str)
    )


def keep_units(conn: Connection, units: Sequence[Verdict]) -> None:
    """Leave ``units`` (a verdict's ``central_units``) as this till's act left them, with
    central's events of each up to the verdict's ``event`` older than that act, so the pull
    never moves them over it: a fulfilment of lines central changed meanwhile
    (services/handed_over.py) keeps the units its customer took sold, and a unit central put
    on the line meanwhile is not reserved here on a line the till fulfilled with another,
    while a manager settles the conflict."""
    products = mirror_sql.product_ids(conn)
    for unit in units:
        if not isinstance(unit, dict) or not isinstance(unit.get("serial"), str):
            continue
        product_id, event = products.get(str(unit.get("sku"))), unit.get("event")
        found = None if product_id is None else mirror_sql.unit(conn, product_id, unit["serial"])
        if found is not None and isinstance(event, int):
            mirror_sql.set_unit_event(conn, found.id, event)


def take_followed(conn: Connection, units: Sequence[Verdict], *, store: str, source: Source) -> int:
    """:func:`take_units` for units central reports outside any verdict of this till's (the
    units its store shipped, moved at another store since: services/transfers/away.py),
    leaving alone a unit an entry still waiting here names: that entry's effect is here and
    central has not seen it yet (its own verdict settles the unit). How many changed."""
    kept = [
        unit
        for unit in units
        if isinstance(unit, dict)
        and isinstance(unit.get("serial"), str)
        and not _waiting(conn, unit["serial"], 0)
    ]
    return take_units(conn, kept, store=store, source=source)


def _take_one(
    conn: Connection,
    unit: Verdict,
    source: Source,
    products: dict[str, int],
    stores: dict[str, int],
    *,
    here: str,
) -> bool:
    serial, state, at = unit["serial"], unit.get("state"), unit.get("store")
    product_id = products.get(str(unit.get("sku")))
    if product_id is None or (at is not None and at not in stores):
        # A product or store this terminal does not know: the local copy stays.
        log.info("%s: central's state of %s not taken here: %s", source.document_id, serial, unit)
        return False
    found = mirror_sql.unit(conn, product_id, serial)
    if found is not None and found.reserved_line is not None:
        return False  # an open sale of this till holds it
    if state is None or at is None:
        # Central holds no such unit (a receipt it refused): the local copy is written off
        # where it was (not on hand, not live: no rule of `db check` can count it, whatever
        # became of its product's serials), the event naming the refusal; `terminal
        # refused` shows it with the entry. It comes back by a receipt at central (the
        # feed brings it) or an adjustment here.
        if found is None or found.state == UnitState.WRITTEN_OFF:
            return False
        state, unit_store = UnitState.WRITTEN_OFF.value, found.store_id
        # Marked so the till may receive it again (db/unrecorded_units.py): central never
        # had it, and redoing the receipt is how the stockroom recovers it.
        source = replace(source, reason=no_record_reason(source.reason))
    else:
        unit_store = stores[at]
        if found is None and at != here:
            return False  # never here, and not here at central either
    event = unit.get("event")
    if found is not None and (found.state, found.store_id) == (state, unit_store):
        if isinstance(event, int):
            mirror_sql.set_unit_event(conn, found.id, event)
        return False
    values: dict[str, object] = {
        "at": utcnow(),
        "action": ACTION,
        "user_name": source.user[:32],
        "terminal": source.terminal[:64],
        "store_id": stores[here],
        "product_id": product_id,
        "unit_id": None,
        "serial": serial,
        "from_state": None,
        "to_state": state,
        "quantity": 0,
        "document_type": source.document_type,
        "document_id": source.document_id[:64],
        "document_line": None,
        "reason": None if source.reason is None else source.reason[:200],
    }
    unit_id = move_unit(conn, found, values, state=state, unit_store=unit_store)
    if isinstance(event, int):
        mirror_sql.set_unit_event(conn, unit_id, event)
    return True


def put_back_quantities(conn: Connection, numbers: Sequence[str], *, store: str) -> int:
    """Put back on ``store``'s stock the quantities (products without serials) that the
    transfers ``numbers``, shipped from here and just marked refused (central did not take
    them: services/transfers/sent.py ``refuse_unknown``), took off it when they shipped.
    Central never moved them, so the till's stock of them is central's again. A unit takes
    central's state with the verdict; a quantity has no state a verdict could carry, so it
    comes back here, once: a transfer is marked refused once. Only a shipment journaled
    before migration 0027 is put back here: a later one's entry is tied to its events and
    its quantities went back when the entry was settled. Each product put back is a
    local ledger event (``central_state``, the transfer its document, central's error of
    the entry its reason), so ``db check`` stays clean; how many lines were put back."""
    here = mirror_sql.store_ids(conn)[store]
    rows = conn.execute(
        sa.select(transfer_c.number, line_t.c.product_id, line_t.c.quantity, line_t.c.received)
        .join(line_t, line_t.c.transfer_id == transfer_c.id)
        .where(transfer_c.number.in_(list(numbers)), transfer_c.from_store_id == here)
        .order_by(transfer_c.number, line_t.c.product_id)
    ).all()
    done = 0
    for number, product_id, quantity, received in rows:
        back = int(quantity) - int(received)
        if back <= 0:
            continue
        last = journal.last_naming(conn, str(number))
        if last is not None and last.events_to is not None:
            continue  # put back when its entry was settled (terminal/quantities.py)
        verdict = _data(last.answer or "") if last is not None else {}
        values: dict[str, object] = {
            "at": utcnow(),
            "action": ACTION,
            "user_name": (last.user_name if last is not None else "sync")[:32],
            "terminal": (last.terminal if last is not None else "central")[:64],
            "store_id": here,
            "product_id": int(product_id),
            "unit_id": None,
            "serial": None,
            "from_state": None,
            "to_state": None,
            "quantity": back,
            "document_type": "transfer",
            "document_id": str(number)[:64],
            "document_line": None,
            "reason": str(verdict.get("error") or "")[:200] or None,
        }
        repo.add_events(conn, [values])
        repo.bump_stock(conn, int(product_id), here, back)
        done += 1
    return done
