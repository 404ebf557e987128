"""A till's copy of a count says what central did with it (issue 16).

A count approved at a till reads "approved" there from the moment it is made. Central then
posts the till's decisions where still legal, records a conflict for each it cannot carry
out, or does not take the count at all (a whole-entry conflict or refusal). The till's copy
of the count must not go on claiming what central did not do: when the push settles the
count's journal entry, in the same local transaction, the copy's stored reconciliation gets
central's answer under ``central`` (``state`` accepted, conflict or refused; what central
wrote off, added (new to it) and put back (written off there: once said "added"); each
conflict with its number; central's message when it did not take it). ``serialpos count
show`` says it. The units themselves take central's state from the verdict's
``central_units`` (terminal/central_state.py).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import journal
from serialpos.services.counts.views import count_c, count_t

Verdict = dict[str, Any]


def central_of(state: str, verdict: Verdict) -> dict[str, Any]:
    """Central's answer to a count's entry, as the till's copy keeps it."""
    if state != "accepted":
        conflict = verdict.get("conflict")
        return {
            "state": state,
            "error": verdict.get("error"),
            "message": verdict.get("message"),
            "conflict": conflict.get("id") if isinstance(conflict, dict) else None,
        }
    given = verdict.get("unexpected")
    unexpected: dict[str, Any] = given if isinstance(given, dict) else {}
    restored = [
        {"sku": e.get("sku"), "serial": e.get("serial")}
        for e in unexpected.get("elsewhere") or ()
        if isinstance(e, dict) and e.get("action") == "restore"
    ]
    said = verdict.get("central")
    central: dict[str, Any] = said if isinstance(said, dict) else {}
    # Put back (written off here and on the shelf) is not added (new to central): said
    # apart, as the count's words say them (domain/count_decisions.py ``central_words``).
    return {
        "state": "accepted",
        "written_off": list(verdict.get("missing") or ()),
        "added": list(unexpected.get("never_seen") or ()),
        "put_back": restored,
        "conflicts": list(central.get("conflicts") or ()),
    }


def note(conn: Connection, answered: Sequence[tuple[journal.Entry, str, Verdict]]) -> int:
    """Keep central's answer on the till's copy of each count ``answered`` settled; how
    many copies were noted."""
    done = 0
    for entry, state, verdict in answered:
        try:
            line = json.loads(entry.line)
        except ValueError:
            continue
        number = line.get("number") if isinstance(line, dict) else None
        if line.get("op") != "count" or not isinstance(number, str):
            continue
        row = conn.execute(
            sa.select(count_c.id, count_c.reconciliation).where(count_c.number == number)
        ).first()
        if row is None or row.reconciliation is None:
            continue
        stored = json.loads(row.reconciliation)
        stored["central"] = central_of(state, verdict)
        conn.execute(
            count_t.update()
            .where(count_c.id == row.id)
            .values(reconciliation=json.dumps(stored, separators=(",", ":")))
        )
        done += 1
    return done
