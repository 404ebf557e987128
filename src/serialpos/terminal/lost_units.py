"""Units whose state a till took from central's events that central lost in a restore, set
to central's state by ``serialpos terminal resend`` (issue 16's bad input: every till's
state equals central's for its store).

A till pulls its store's events and sets each unit to the state another's event gave it (a
sale, receipt or shipment made at central's console, by a host, or at another till).
Central restored from an older backup no longer has the events made after its backup, and
nothing makes central's own or a host's again: the unit kept here the state the lost event
gave it until its next event (a unit a host sold read sold here, in stock at central), with
``db check`` clean at both ends. So the pull remembers, with each such event of another's,
the unit it named (terminal/feed_memory.py ``UNIT``); the resend collects the units of the
remembered events past the point where the two histories part, asks central their state
now (``GET /v1/units``, services/central_units.py, before its local transaction), and takes
it in that transaction (terminal/central_state.py ``take_followed``), by the rules a
conflict's units follow:

* a unit a waiting entry of this till names (its own accepted entries among them, marked to
  send again by the same transaction) is left to that entry's verdict: its effect is here
  and central answers for it; a unit an open sale holds is left as it is;
* a unit an entry of this till central took as a conflict names is left as it is too: the
  till took central's state then (another's sale, say, that central has now lost), central
  records the conflict again (terminal/central_conflicts.py ``record_again``) and a
  manager's resolution is the unit's next event. Put back in stock here, a unit this till's
  customer walked out with could be sold a third time at this till; central's copy of it
  is the manager's to settle, and the other till's sale, sent again, comes back by the
  pull;
* a unit central holds none of (its receipt lost) is written off here with central's
  no-record reason, so the stockroom can receive it again (db/unrecorded_units.py).

Another till's entry among the lost events, sent again by that till, comes back as a new
event the pull applies as any other: the unit follows central either way. This till's own
events are not remembered so: its entries are sent again by the resend. Events pulled
before this was kept (no unit remembered) are not asked about.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Connection

from serialpos.db import feed_lost, journal, order_units
from serialpos.db.engine import Database
from serialpos.domain.entry_text import identifier_refusal
from serialpos.domain.text import has_control_chars
from serialpos.services.central_units import MAX_ASKED
from serialpos.services.entry_units import named_units, order_named
from serialpos.terminal import central_state
from serialpos.terminal.client import ROUTE_MISSING, CentralClient, CentralRefused

log = logging.getLogger(__name__)

Unit = tuple[str, str]


class UnitsUnreadable(CentralRefused):
    """Central's answer to ``GET /v1/units`` was not a list of units: nothing is taken from
    it (read as "central holds none of them", every unit asked would be written off here)."""

    code = "central_units_unreadable"


#: Order numbers asked for in one statement (SQLite's limit on parameters is far above it).
_NUMBERS_AT_ONCE = 500


def named_after(db: Database, seq: int) -> list[Unit]:
    """``(sku, serial)`` of the units the remembered events numbered after ``seq`` (central
    lost them) set here, once each, oldest first."""
    found: list[Unit] = []
    for kept in db.read(lambda conn: feed_lost.units_after(conn, seq)):
        try:
            sku, serial = json.loads(kept.removeprefix(feed_lost.UNIT))
        except (ValueError, TypeError):
            log.warning("a remembered unit event is unreadable, not asked about: %r", kept)
            continue
        if isinstance(sku, str) and isinstance(serial, str) and _askable(serial):
            found.append((sku, serial))
    return list(dict.fromkeys(found))


def _askable(serial: str) -> bool:
    """Whether central's ``GET /v1/units`` takes ``serial`` (services/transfers/sent.py
    ``checked``): one it refuses would refuse its whole page, and the resend with it, every
    time. Such a serial is left as it is here (none is captured so: scans with control or
    invisible characters are refused at the till) and logged."""
    fits = bool(serial) and len(serial) <= 64 and not has_control_chars(serial)
    if fits and identifier_refusal("'serial'", serial, "") is None:
        return True
    log.warning("serial %r of a lost event is not asked about: central would refuse it", serial)
    return False


def central_now(
    client: CentralClient, store: str, units: Sequence[Unit]
) -> list[dict[str, Any]] | None:
    """Central's state of ``units`` (``{serial, sku, store, state, event}``, all null but
    the serial and SKU for a unit central holds none of), read a hundred serials at a time;
    None when central is too old to say (no ``GET /v1/units``)."""
    serials = list(dict.fromkeys(serial for _sku, serial in units))
    held: dict[Unit, dict[str, Any]] = {}
    for at in range(0, len(serials), MAX_ASKED):
        try:
            page = client.get_json("/v1/units", store=store, serial=serials[at : at + MAX_ASKED])
        except CentralRefused as exc:
            if exc.code in ROUTE_MISSING:
                return None
            raise
        listed = page.get("units") if isinstance(page, dict) else None
        if not isinstance(listed, list):
            raise UnitsUnreadable(
                "central's answer to GET /v1/units holds no list of units: nothing was "
                "changed here; run `serialpos terminal resend` again once central answers"
            )
        for unit in listed:
            if isinstance(unit, dict):
                held[(str(unit.get("sku")), str(unit.get("serial")))] = unit
    none = {"store": None, "state": None, "event": None}
    return [held.get(unit) or {"serial": unit[1], "sku": unit[0], **none} for unit in units]


#: The entries of this till whose units are left as they are: those waiting (the accepted
#: ones marked to send again among them) and those central took as a conflict.
_OWN_STATES = ("pending", "conflict")


def _named_by_own(conn: Connection, serials: set[str]) -> set[str]:
    """Those of ``serials`` an entry of this till pending or settled as a conflict names (by
    the serial, or by the number of an order whose local lines hold it), as central_state's
    ``_waiting`` tells one unit, in one read of the lines: the resend has just marked every
    accepted entry pending, and a scan of the journal per unit cost 6.9 s of CPU for 500
    units at 20,000 entries."""
    datas = []
    for entry in [e for state in _OWN_STATES for e in journal.entries(conn, state)]:
        try:
            data = json.loads(entry.line)
        except ValueError:
            # Its units cannot be told, so it leaves none alone: say so.
            log.warning("journal entry %s is unreadable: its units are not left alone", entry.id)
            continue
        if isinstance(data, dict):
            datas.append(data)
    numbers = sorted({n for d in datas if (n := order_named(d)) is not None})
    orders: dict[str, list[tuple[str, str]]] = {}
    for at in range(0, len(numbers), _NUMBERS_AT_ONCE):
        orders.update(order_units.units_of(conn, numbers[at : at + _NUMBERS_AT_ONCE]))
    named = {serial for data in datas for _sku, serial in named_units(data, orders)}
    return serials & named


def take(
    conn: Connection, units: Sequence[dict[str, Any]], *, store: str, terminal: str, parting: int
) -> int:
    """Set ``units`` (:func:`central_now`) to central's state here, leaving those a waiting
    entry names (its verdict settles them), a conflict of this till's names (central
    records it again, and its resolution is the unit's next event) or an open sale holds;
    how many changed. Each is a ``central_state`` event naming the point where central's
    history and this till's part."""
    own = _named_by_own(conn, {str(u.get("serial")) for u in units})
    kept = [u for u in units if str(u.get("serial")) not in own]
    source = central_state.Source(
        "central",
        terminal,
        "feed",
        str(parting),
        f"central lost the event that set it here in a restore (after its event {parting})",
    )
    return central_state.take_units(conn, kept, store=store, source=source)
