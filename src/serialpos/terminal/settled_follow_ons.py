"""A till takes central's state of a follow-on act a manager settled without recording it
(issue 16).

An act that follows a sale central did not record (the exchange of a unit from it: its
return names the order, its new sale the return's refund note) is a conflict that follows
another (services/conflict_recording.py ``follows_conflict``). While it is open the till keeps its
units and quantities as the act left them (terminal/push.py ``_follows``): the customer has
them, and a manager may still record it (``record_sale``: terminal/recorded_sales.py then
takes central's rows). But a manager may settle it otherwise (``accept``: central's state
stands, nothing recorded), and then the till kept the act's state for good: the exchange's
new unit sold here while central and every other till had it in stock, sellable again (a
phantom unit), the cable gone here and on hand at central.

So at each sync round, for each conflict of this till that follows another and that central
says is resolved other than by ``record_sale`` (terminal/central_conflicts.py ``remember``),
the till does, in one local transaction, what the push does for any conflict central kept
nothing of: each unit the verdict names takes central's state (terminal/central_state.py),
each quantity the entry moved goes back (terminal/quantities.py), and the entry's answer is
marked (:data:`SETTLED`) so it is done once. A unit the feed moved here since the act (its
newest local event is no longer one of the entry's own) is central's already and left as
it is: the verdict's state is older than that.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import journal, mirror_sql, repo
from serialpos.db.engine import Database
from serialpos.terminal import central_state, quantities

#: The key of an entry's stored answer saying the till took central's state of its units.
SETTLED = "settled_from_central"


@dataclass(frozen=True)
class Settled:
    """One follow-on conflict of this till's a manager resolved without recording it."""

    entry: journal.Entry
    answer: dict[str, Any]


def due(conn: Connection) -> list[Settled]:
    """This till's follow-on conflicts resolved other than by ``record_sale``, not yet
    settled here."""
    out: list[Settled] = []
    for entry in journal.entries(conn, "conflict"):
        answer = json.loads(entry.answer or "{}")
        conflict = answer.get("conflict") or {}
        resolution = conflict.get("resolution") if isinstance(conflict, dict) else None
        if answer.get(SETTLED) or answer.get("follows") is None:
            continue
        if isinstance(resolution, dict) and resolution.get("action") not in (None, "record_sale"):
            out.append(Settled(entry, answer))
    return out


def _own_last(conn: Connection, entry: journal.Entry, units: list[dict[str, Any]]) -> list[Any]:
    """``units`` whose newest local event is one ``entry`` made: as the act left them."""
    if entry.events_after is None or entry.events_to is None:
        return []
    e = repo.event_t.c
    products = mirror_sql.product_ids(conn)
    kept = []
    for unit in units:
        product_id = products.get(str(unit.get("sku")))
        found = None if product_id is None else mirror_sql.unit(conn, product_id, unit["serial"])
        if found is None:
            continue
        newest = conn.execute(sa.select(sa.func.max(e.id)).where(e.unit_id == found.id)).scalar()
        if newest is not None and entry.events_after < int(newest) <= entry.events_to:
            kept.append(unit)
    return kept


def take_settled(db: Database, *, store: str) -> int:
    """Take central's state of each follow-on act settled without being recorded (module
    doc); how many units and quantities changed here."""
    changed = 0
    for found in db.read(due):

        def work(conn: Connection, found: Settled = found) -> int:
            entry, answer = found.entry, found.answer
            units = [
                u
                for u in answer.get("central_units") or ()
                if isinstance(u, dict) and isinstance(u.get("serial"), str)
            ]
            verdict = {**answer, "central_units": _own_last(conn, entry, units)}
            done = central_state.take(conn, store=store, answered=[(entry, verdict)])
            done += quantities.put_back(conn, [(entry, str(answer.get("error") or "") or None)])
            marked = json.dumps({**answer, SETTLED: True}, ensure_ascii=False)
            journal.answer_conflict_again(conn, entry.id, marked)
            return done

        changed += db.write(work)
    return changed
