"""A store terminal's count at central: the till's decisions applied where still legal, a
conflict for each one that is not (issue 16; the rules: domain/count_decisions.py).

A till approves a count against what it knew. Recomputed at central against central's stock,
the count wrote off units received at another till after this till's view (on the shelf,
never seen by it) and ignored a unit the till had added, so till and central disagreed for
good with no conflict. Central now posts the till's decisions, each one checked against the
unit's state there, and records a conflict naming the unit for each decision it cannot carry
out, in the entry's own transaction. The entry itself is accepted (what was legal is
posted); its verdict says what central did and carries ``central_units`` for every unit the
count named, so the till takes central's state of each (services/entry_units.py).

A conflict belongs to one journal entry (``sync_conflict.entry_id`` is unique): a count's
conflicts are recorded under the entry's id with ``#1``, ``#2``... after it, in the order of
its decisions, so a count naming several units has one conflict for each, and a whole-entry
conflict of the same entry (none: the count is accepted) could never clash with them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection

from serialpos.db import conflict_sql
from serialpos.domain.count_decisions import (
    FOUND,
    MISSING,
    Decided,
    Held,
    Illegal,
    Settled,
    settle,
)
from serialpos.domain.errors import BadRequest
from serialpos.domain.text import clip

#: The conflict id's separator after the entry's id.
SEPARATOR = "#"
#: Serials read at a time.
CHUNK = 500


@dataclass(frozen=True)
class Origin:
    """The journal entry a till's count came in: its id, terminal and local number."""

    key: str
    terminal: str
    seq: int


def origin_of(data: Mapping[str, Any]) -> Origin:
    """The entry a ``count`` line carrying ``decided`` belongs to: only a store terminal's
    journal entry carries decisions (central posts them unchecked against its own count)."""
    journal, key = data.get("journal"), data.get("id")
    if not isinstance(journal, Mapping) or not isinstance(key, str):
        raise BadRequest("'decided' is given by a store terminal's journal entry only")
    terminal, seq = journal.get("terminal"), journal.get("seq")
    if not isinstance(terminal, str) or isinstance(seq, bool) or not isinstance(seq, int):
        raise BadRequest("'decided' is given by a store terminal's journal entry only")
    return Origin(key, terminal, seq)


def settle_in(
    conn: Connection,
    decided: Decided,
    store: str,
    number: str,
    scanned: Iterable[tuple[str, str]] = (),
) -> Settled:
    """The till's decisions against central's units of the serials they name, now (read
    in chunks: a first count at a till may add thousands). ``scanned``: the till's scans
    central holds written off at ``store``, put back unless the till decided on them."""
    scanned = list(scanned)
    serials = sorted({serial for _sku, serial in [*decided.units(), *scanned]})
    held: dict[str, list[Held]] = {}
    for start in range(0, len(serials), CHUNK):
        chunk = serials[start : start + CHUNK]
        for serial, sku, at, state, _event in conflict_sql.unit_states(conn, chunk):
            held.setdefault(serial, []).append(Held(sku, at, state))
    return settle(decided, held, store, number, scanned)


def not_posted(settled: Settled, posted: set[str], store: str, number: str) -> list[Illegal]:
    """The legal decisions on products approval did not post by serial (central counts them
    by quantity at ``store`` now), each an :class:`Illegal` for a conflict."""
    out: list[Illegal] = []
    for kind, lists in ((MISSING, settled.remove), (FOUND, settled.restore), (FOUND, settled.add)):
        for sku in sorted(set(lists) - posted):
            out += [
                Illegal(
                    kind,
                    sku,
                    serial,
                    sku,
                    None,
                    "not_serialized",
                    f"count {number} at {store}: central counts {sku} by quantity there, not "
                    f"by serial: the till's decision on {serial} ({kind}) is not posted",
                )
                for serial in lists[sku]
            ]
    return out


def record_conflicts(
    conn: Connection, origin: Origin, store_id: int, line: Mapping[str, Any], illegal: list[Illegal]
) -> list[dict[str, Any]]:
    """A conflict for each illegal decision, in this transaction; what each says, as the
    count's verdict and its stored reconciliation list them."""
    from serialpos.services.conflict_views import present

    done: list[dict[str, Any]] = []
    for n, one in enumerate(illegal, start=1):
        kept = {k: v for k, v in line.items() if k not in ("batches", "decided", "id")}
        kept["decided"] = {one.decision: [{"sku": one.counted_as, "serial": one.serial}]}
        entry_id = f"{origin.key}{SEPARATOR}{n}"[:128]
        conflict_id = conflict_sql.add_conflict(
            conn,
            entry_id=entry_id,
            terminal=origin.terminal,
            entry_seq=origin.seq,
            store_id=store_id,
            product_id=conflict_sql.product_id(conn, one.sku),
            serial=one.serial,
            first_event_id=conflict_sql.last_unit_event(conn, one.sku, one.serial),
            entry_line=json.dumps(kept, ensure_ascii=False, sort_keys=True),
            error=one.error,
            message=clip(one.message, 400),
        )
        view = present(conflict_sql.conflicts(conn, conflict_id=conflict_id)[0])
        done.append(
            {
                "conflict": int(view["id"]),
                "decision": one.decision,
                "sku": one.sku,
                "serial": one.serial,
                "counted_as": one.counted_as,
                # The till lists it as its own (terminal/count_conflicts.py).
                "entry": entry_id,
                "error": one.error,
                "first_event": view["first_event"],
                "message": f"{one.message}: recorded as conflict {view['id']} for a manager",
            }
        )
    return done
