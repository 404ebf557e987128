"""Conflicts as a manager and a till read them (issue 16): listed, shown, and each with the
event that stands now and the conflict it follows.

Reading is kept apart from resolving (services/conflicts.py): a till's console, the CLI and
``GET /v1/conflicts`` list and show conflicts many times for each one resolved, and a
resolution reads the conflict exactly as it was shown.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from sqlalchemy.engine import Connection

from serialpos.db import conflict_sql
from serialpos.db.engine import Database
from serialpos.domain.document_not_recorded import not_recorded as document_not_recorded
from serialpos.domain.errors import BadRequest, DomainError
from serialpos.domain.sale_not_recorded import FOLLOW_ERRORS, not_recorded
from serialpos.services.acting_at_till import require_manager
from serialpos.services.context import Actor

Result = dict[str, Any]


class UnknownConflict(DomainError):
    code = "unknown_conflict"


def present(row: Mapping[str, Any]) -> Result:
    """One conflict as JSON: who, what, and the two events (the one that stands, and the
    terminal's entry that could not be applied)."""
    first = None
    if row.get("ev_id") is not None:
        first = {
            "id": row["ev_id"],
            "action": row["ev_action"],
            "at": row["ev_at"].isoformat(timespec="seconds") + "Z",
            "user": row["ev_user_name"],
            "terminal": row["ev_terminal"],
            "serial": row["ev_serial"],
            "from": row["ev_from_state"],
            "to": row["ev_to_state"],
            "document": row["ev_document_id"],
        }

    def when(value: Any) -> str | None:
        return None if value is None else value.isoformat(timespec="seconds") + "Z"

    line = json.loads(row["entry_line"])

    return {
        "id": row["id"],
        "serial": row["serial"],
        "sku": row["sku"],
        "store": row["store"],
        "status": row["status"],
        "error": row["error"],
        "message": row["message"],
        "terminal": row["terminal"],
        "created_at": when(row["created_at"]),
        "first_event": first,
        "entry": {
            "id": row["entry_id"],
            "seq": row["entry_seq"],
            "line": line,
        },
        # A sale's entry, or a stockroom document's, is applied whole or not at all: what
        # central did not record.
        "not_recorded": not_recorded(line, row["serial"], row["error"])
        or document_not_recorded(line, row["serial"], row["error"], sku=row["sku"]),
        # The conflict whose unrecorded document this entry names (null for the others):
        # worked out when listed, so it names that conflict's number now.
        "follows": row.get("follows"),
        "resolution": None
        if row["resolution"] is None
        else {
            "action": row["resolution"],
            "by": row["resolved_by"],
            "at": when(row["resolved_at"]),
            "note": row["note"],
        },
    }


#: The keys of an entry that name a document an earlier entry of the till made.
NAMED_DOCUMENT = ("order", "exchange_of")


def conflict_followed(conn: Connection, terminal: str, data: Mapping[str, Any]) -> int | None:
    """The conflict of ``terminal``'s entry that made the order or refund note ``data``
    names (``order``, ``exchange_of``), if central holds one: the conflict an entry refused
    for naming it follows (services/conflict_recording.py ``follows_conflict``)."""
    for key in NAMED_DOCUMENT:
        number = data.get(key)
        if isinstance(number, str) and number:
            found = conflict_sql.conflict_making(conn, terminal, number)
            if found is not None:
                return found
    return None


def with_follows(conn: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` each with ``follows``: for a conflict of a follow-on act (its entry named a
    document central did not hold, FOLLOW_ERRORS), the conflict of the entry that made it,
    as the push answered it; None for the others (one read per follow-on conflict only)."""
    for row in rows:
        row["follows"] = None
        if row.get("error") not in FOLLOW_ERRORS or not row.get("terminal"):
            continue
        try:
            line = json.loads(row["entry_line"])
        except ValueError:
            continue
        if isinstance(line, dict):
            found = conflict_followed(conn, str(row["terminal"]), line)
            row["follows"] = found if found != row["id"] else None
    return rows


def list_conflicts(
    db: Database,
    *,
    status: str | None = None,
    store: str | None = None,
    offers: bool = True,
    entries: Sequence[str] | None = None,
) -> list[Result]:
    """Conflicts, oldest first, each with ``resolutions`` (the resolutions it offers now:
    :func:`with_offers`) unless ``offers`` is False (a resolution's own reads). ``entries``:
    only the conflicts of these journal entries (a till following its own)."""
    if status is not None and status not in ("open", "resolved"):
        raise BadRequest("status must be open or resolved")

    def work(conn: Connection) -> list[Result]:
        rows = with_follows(
            conn,
            standing(
                conn, conflict_sql.conflicts(conn, status=status, store=store, entries=entries)
            ),
        )
        found = [with_money(conn, present(r)) for r in rows]
        return with_offers(conn, found) if offers else found

    return db.read(work)


def with_money(conn: Connection, found: Result) -> Result:
    """``found`` with ``return_money`` when its entry is a till's return (what money the
    return moved: services/return_money.py), as listed and as shown: a till shows a
    conflict from central's list (terminal/central_conflicts.py), and its ``conflicts
    show`` lacked what central's said. One read of the order per return only."""
    from serialpos.services.return_money import of_return

    money = of_return(conn, found["entry"]["line"])
    return {**found, "return_money": money} if money else found


def standing(conn: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` with the event that stands now for each open conflict: the unit's newest
    event at central, which gave it the state the entry could not be applied to. The one
    recorded can be stale: a conflict recorded again after central was restored from an
    older backup (services/lost_conflicts.py) names the unit's newest event then, and the
    sale that stands may reach central again only after it, when its till resends. A
    resolved conflict keeps the one that stood when it was resolved (:func:`resolve`)."""
    for row in rows:
        if row["status"] != "open" or row["sku"] is None or row["serial"] is None:
            continue
        now = conflict_sql.last_unit_event(conn, row["sku"], row["serial"])
        if now is not None and now != row["ev_id"]:
            row |= conflict_sql.event_as_listed(conn, now)
            row["first_event_id"] = now
    return rows


def list_for(
    db: Database,
    actor: Actor,
    *,
    status: str | None = None,
    asked: str | None = None,
    entries: Sequence[str] | None = None,
) -> list[Result]:
    """``GET /v1/conflicts`` for ``actor``'s token. A store terminal's token, whatever the
    role of its user (a cashier's till too), lists its own store's conflicts, asked or not
    (another store's is refused), as it reads its own store's feed: its till shows them, and
    only a manager may resolve one. Any other token needs a manager's rights, and lists
    every store's or the one asked for."""
    from serialpos.services import terminal_links
    from serialpos.services.feed import store_of_reader

    if db.read(lambda conn: terminal_links.link_in(conn, db, actor.terminal)) is None:
        require_manager(actor, "list sync conflicts")
    store = store_of_reader(db, actor, asked)
    return list_conflicts(db, status=status, store=store, entries=entries)


def show(db: Database, conflict_id: int, *, offers: bool = True) -> Result:
    """Conflict ``conflict_id`` as listed (with ``resolutions`` unless ``offers`` is
    False); :class:`UnknownConflict` when there is none."""

    def work(conn: Connection) -> list[Result]:
        rows = with_follows(
            conn, standing(conn, conflict_sql.conflicts(conn, conflict_id=conflict_id))
        )
        found = [with_money(conn, present(r)) for r in rows]
        return with_offers(conn, found) if offers else found

    found = db.read(work)
    if not found:
        raise UnknownConflict(f"there is no conflict {conflict_id}")
    return found[0]


def with_offers(conn: Connection, found: list[Result]) -> list[Result]:
    """``found`` each with ``resolutions``: the resolutions that can go through for it now
    (services/conflict_checks.py ``offered``; none once resolved), so ``conflicts show``
    offers only what ``resolve`` then accepts. One read of the unit per open conflict; the
    conflicts following one are read once, and only for a sale's ``refund``."""
    from serialpos.services.conflict_checks import offered
    from serialpos.services.conflict_closed_money import closed_order_status
    from serialpos.services.conflicts import unit_now

    by_id = {c["id"]: c for c in found}
    every: list[Result] = []

    def lookup(number: int) -> Result:
        if number not in by_id:
            rows = with_follows(
                conn, standing(conn, conflict_sql.conflicts(conn, conflict_id=number))
            )
            if not rows:
                raise UnknownConflict(f"there is no conflict {number}")
            by_id[number] = present(rows[0])
        return by_id[number]

    def following(number: int) -> list[Result]:
        if not every:
            every.extend(present(r) for r in with_follows(conn, conflict_sql.conflicts(conn)))
        return [c for c in every if c.get("follows") == number]

    for c in found:
        unit = unit_now(conn, c) if c.get("status") == "open" else None
        c["resolutions"] = offered(
            c,
            unit=unit,
            lookup=lookup,
            followers=partial(following, int(c["id"])),
            order_status=closed_order_status(conn, c),
        )
    return found
