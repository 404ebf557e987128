"""The conflicts of a till's own counts, as the till shows them (issue 16).

Central takes a till's count (the entry is accepted) and records a conflict for each of the
till's decisions it cannot carry out, each under the entry's id with ``#1``, ``#2``... after
it (services/counts/till_decisions.py). The till's own list of conflicts was read from the
entries settled as conflicts only, so offline it never showed the conflicts of its own
counts, and online it could not tell them from another till's. Here they are read from the
accepted count entries' answers (``central.conflicts``), one conflict each, shaped as central
lists them (services/conflict_views.py ``present``), with the same entry id as central's; and
central's status and resolution of each, as the till last heard them, are kept in that
answer (:func:`remember`), as the till keeps them for its other conflicts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy.engine import Connection

from serialpos.db import journal

#: The conflict id's separator after the entry's id (services/counts/till_decisions.py).
SEPARATOR = "#"
#: What central adds to a count conflict's message in the count's verdict.
RECORDED = ": recorded as conflict "


def _listed(answer: Mapping[str, Any]) -> list[dict[str, Any]]:
    central = answer.get("central")
    found = central.get("conflicts") if isinstance(central, Mapping) else None
    return [c for c in found if isinstance(c, dict)] if isinstance(found, list) else []


def entry_id(entry: journal.Entry, n: int, said: Mapping[str, Any]) -> str:
    """The id central records the ``n``-th conflict of ``entry`` under (1-based)."""
    given = said.get("entry")
    return given if isinstance(given, str) else f"{entry.id}{SEPARATOR}{n}"[:128]


def _line(line: Mapping[str, Any], said: Mapping[str, Any]) -> dict[str, Any]:
    """The conflict's entry line as central keeps it: the count without its scans, with the
    one decision it could not carry out."""
    kept = {k: v for k, v in line.items() if k not in ("batches", "decided", "id")}
    unit = {"sku": said.get("counted_as") or said.get("sku"), "serial": said.get("serial")}
    kept["decided"] = {str(said.get("decision") or "?"): [unit]}
    return kept


def _message(said: Mapping[str, Any]) -> str | None:
    message = said.get("message")
    if not isinstance(message, str):
        return None
    return message.rsplit(RECORDED, 1)[0] if RECORDED in message else message


def views(conn: Connection) -> list[tuple[journal.Entry, dict[str, Any]]]:
    """Each conflict of this till's counts, with the entry it came in, as central lists a
    conflict (the event that stood when central answered, as for the till's other
    conflicts; none from a central older than this)."""
    out: list[tuple[journal.Entry, dict[str, Any]]] = []
    for entry in journal.accepted_with_conflicts(conn):
        try:
            answer, line = json.loads(entry.answer or "{}"), json.loads(entry.line)
        except ValueError:
            continue
        if not isinstance(answer, dict) or not isinstance(line, dict):
            continue
        for n, said in enumerate(_listed(answer), start=1):
            out.append(
                (
                    entry,
                    {
                        "id": said.get("conflict"),
                        "serial": said.get("serial"),
                        "sku": said.get("sku"),
                        "store": line.get("store"),
                        "status": said.get("status") or "open",
                        "error": said.get("error"),
                        "message": _message(said),
                        "terminal": entry.terminal,
                        "first_event": said.get("first_event"),
                        "entry": {
                            "id": entry_id(entry, n, said),
                            "seq": entry.seq,
                            "line": _line(line, said),
                        },
                        "not_recorded": None,
                        "follows": None,
                        "resolution": said.get("resolution"),
                    },
                )
            )
    return out


def remember(conn: Connection, by_entry: Mapping[str, Mapping[str, Any]]) -> int:
    """Keep central's number, status, resolution and standing event of each count conflict
    ``by_entry`` names (central's conflicts by entry id) in its count entry's answer; how
    many entries changed."""
    changed = 0
    for entry in journal.accepted_with_conflicts(conn):
        answer = json.loads(entry.answer or "{}")
        listed = _listed(answer)
        dirty = False
        for n, said in enumerate(listed, start=1):
            central = by_entry.get(entry_id(entry, n, said))
            if central is None:
                continue
            fresh = {
                "conflict": central.get("id"),
                "status": central.get("status"),
                "resolution": central.get("resolution"),
                "first_event": central.get("first_event"),
            }
            if all(said.get(k) == v for k, v in fresh.items()):
                continue
            said.update(fresh)
            dirty = True
        if dirty:
            text = json.dumps(answer, ensure_ascii=False)
            changed += journal.answer_accepted_again(conn, entry.id, text)
    return changed
