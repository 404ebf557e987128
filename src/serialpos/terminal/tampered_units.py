"""The units of a journal entry the till refused unsent, changed after it was made (issue 16).

A till applies each act when it is made and journals it (services/journal_sink.py). An entry
whose line no longer matches its seal is refused here and never sent
(services/journal_seals.py): central never saw it, so what it did to units here must be
undone, or the sale is lost both ways (the unit sold here, in stock at central, and a new
sale of it refused here as ``already_sold``). Quantities go back from the entry's own ledger
events (terminal/quantities.py); units go back the same way: each unit the entry's events
moved (``events_after < id <= events_to``, terminal/entry_events.py) takes the state and
store it had before the entry's first event of it (that event's ``from_state``, at its
store: a till moves a unit by an event at the store it is at, a receipt of a transfer at
the store it was shipped to). A unit the entry made new (no ``from_state``) is held by
central as none, and written off where it is, as for a receipt central refused.

The result is the verdict's ``central_units`` (central's state is the state before: central
never saw the entry), so the units are taken by terminal/central_state.py ``take`` under its
rules: a unit a later waiting entry names is left alone, an open sale's unit too, stock
moves through the mirror, and each unit set is a ``central_state`` event naming the entry,
its reason ``entry_tampered``. The entry is read as the till recorded it (its events), not
as its edited line says, so the unit it really moved is the one put back, and named with
the document the till recorded (the order), for a manager to make the sale again.

**An earlier entry refused here unsent too** (a person who re-sealed the changed entry
breaks the link to the next one, and both are refused; or each was edited): the state
"before" this entry is then the till's own work central never saw. So, for each unit, the
unit's events just before the entry's first one are read back while they were made by an
entry refused unsent (in this push, or settled ``entry_tampered`` before), and the unit goes
back as it was before the earliest of them (:func:`_before_unsent`). Without it a sale and
its return, both refused, left the unit sold here and in stock at central.

An entry made before its events were tied to it (migration 0027) has none to undo, and an
entry central had already accepted once (pending again with its answer kept: ``terminal
resend``, or a hand that marked it so) is left as it is: central holds it (or answers
``replayed``), and undoing it here would part the till from central the other way.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import journal, repo
from serialpos.terminal import entry_events

_e, _p, _s = repo.event_t.c, repo.product_t.c, repo.store_t.c
_j = journal.journal_t.c


def units_before(
    conn: Connection, entry: journal.Entry, unsent: Collection[str] = ()
) -> list[dict[str, Any]]:
    """The units ``entry``'s own events moved, each as it was before the first of them:
    ``serial``, ``sku``, ``store``, ``state`` (None: the entry made it) and the
    ``document_type`` and ``document`` the till recorded, in the order the entry moved them;
    none for an entry not tied to its events. ``unsent``: the ids of the other entries this
    push refuses unsent; a unit an earlier one of them (or one settled ``entry_tampered``
    before) moved goes back as it was before that one."""
    own = entry_events.made_by(entry)
    if own is None or _taken_before(entry):
        return []
    q = (
        sa.select(
            _e.id,
            _e.unit_id,
            _e.serial,
            _p.sku,
            _s.code,
            _e.from_state,
            _e.document_type,
            _e.document_id,
        )
        .join(repo.product_t, _p.id == _e.product_id)
        .join(repo.store_t, _s.id == _e.store_id)
        .where(
            own,
            _e.unit_id.is_not(None),
            _e.serial.is_not(None),
        )
        .order_by(_e.id)
    )
    found: dict[int, dict[str, Any]] = {}
    for event_id, unit_id, serial, sku, store, from_state, doc_type, doc_id in conn.execute(q):
        if int(unit_id) in found:
            continue  # the first event of the unit says where it was before the entry
        store, from_state = _before_unsent(
            conn, int(unit_id), int(event_id), (store, from_state), set(unsent) - {entry.id}
        )
        found[int(unit_id)] = {
            "serial": str(serial),
            "sku": str(sku),
            "store": None if from_state is None else str(store),
            "state": from_state,
            "document_type": doc_type,
            "document": doc_id,
        }
    return list(found.values())


def _before_unsent(
    conn: Connection,
    unit_id: int,
    event_id: int,
    before: tuple[str, str | None],
    unsent: set[str],
) -> tuple[str, str | None]:
    """Where and in what state the unit was before event ``event_id``, going back over the
    unit's events just before it made by entries refused here unsent (central never saw
    them): ``before`` (its store and ``from_state``) when the event before it is none of
    theirs. Read only for an entry refused unsent, so a few reads."""
    while True:
        prior = conn.execute(
            sa.select(_e.id, _s.code, _e.from_state)
            .join(repo.store_t, _s.id == _e.store_id)
            .where(_e.unit_id == unit_id, _e.id < event_id)
            .order_by(_e.id.desc())
            .limit(1)
        ).first()
        if prior is None or not _made_unsent(conn, int(prior[0]), unsent):
            return before
        event_id, before = int(prior[0]), (str(prior[1]), prior[2])


def _made_unsent(conn: Connection, event_id: int, unsent: set[str]) -> bool:
    """Whether ledger event ``event_id`` was made by a journal entry refused here unsent:
    one of ``unsent``, or one settled before as ``entry_tampered`` (not one central took)."""
    row = conn.execute(
        sa.select(_j.id, _j.state, _j.answer)
        .where(_j.events_after < event_id, _j.events_to >= event_id)
        .limit(1)
    ).first()
    if row is None:
        return False
    if str(row[0]) in unsent:
        return True
    if row[1] != "refused":
        return False
    try:
        answer = json.loads(row[2] or "{}")
    except ValueError:
        return False
    return isinstance(answer, dict) and answer.get("error") == "entry_tampered"


def _taken_before(entry: journal.Entry) -> bool:
    """Whether central accepted ``entry`` once already (its kept answer says so)."""
    try:
        answer = json.loads(entry.answer or "{}")
    except ValueError:
        return False
    return isinstance(answer, dict) and answer.get("ok") is True


def words(units: list[dict[str, Any]]) -> str:
    """``PH1 TV002 on order S1-1A2B-000004 (in_stock at S1 before it)``, one per unit."""
    said = []
    for u in units:
        text = f"{u['sku']} {u['serial']}"
        if u.get("document"):
            text += f" on {u.get('document_type') or 'document'} {u['document']}"
        before = f"{u['state']} at {u['store']}" if u["state"] else "made by it"
        said.append(f"{text} ({before} before it)")
    return "; ".join(said)
