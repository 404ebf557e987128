"""Conflicts a restored central lost, recorded again from the till that made them (issue 16).

Central restored from a backup older than a conflict has lost the conflict's record and the
entry's stored outcome, and numbers its next conflicts afresh: the number the till kept for
its entry then names another till's sale. ``serialpos terminal resend`` sends this till's
entries settled ``conflict`` here (``POST /v1/conflicts``, terminal/central_conflicts.py
``record_again``), so every entry central did not take has its one conflict record again,
visible to managers (docs/offline.md), and the till takes the number central gives it now.

Each is **recorded, never applied**: when the till settled it it took central's state and put
its quantities back; applying it now (the sale that stood lost too, not yet sent again by
its till) would leave central and the till disagreeing, and which sale stands would depend
on which till ran ``resend`` first. An entry central still holds is answered from its stored
outcome, as a push is. The error and message are central's own words of its first answer,
as the till kept them; the event that stands is the unit's newest at central now. The entry
is checked as a push is (its id, its terminal's token and store, its seal).

A conflict of an act that **follows** a conflicted sale (its first answer ``unknown_order``
or ``unknown_refund``: the exchange of a unit from that sale, services/entries.py
``follows_conflict``) is recorded again too, once the conflict it follows is (the till sends
its entries in the order made, so the sale's comes first): it names that conflict by the
number central gives it now (``follows``, and in its message). Such an item was refused as
no unit's conflict, and the follow-on was lost for good. One that follows no conflict central
holds is refused, nothing recorded (its till's ``resend`` sends it again).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Connection

from serialpos.db import apply_outcomes
from serialpos.db.engine import Database
from serialpos.domain.errors import BadRequest, DomainError
from serialpos.domain.sale_not_recorded import FOLLOW_ERRORS
from serialpos.services.conflict_codes import CONFLICT_CODES, is_conflict
from serialpos.services.conflict_recording import record_line_conflict
from serialpos.services.conflict_views import conflict_followed
from serialpos.services.context import Actor
from serialpos.services.entries import _claim, _replay
from serialpos.services.entry_checks import prepare

Result = dict[str, Any]

#: Entries in one request at most (a till sends its conflicts in runs of this many).
MAX_ENTRIES = 100


#: The number of the conflict a follow-on's message names (services/entries.py).
_FOLLOWS = re.compile(r"it follows conflict \d+,")


class FollowsNothing(DomainError):
    code = "follows_no_conflict"


def record_again(db: Database, token: Actor, items: Sequence[Any]) -> list[Result]:
    """One verdict per item (``{"line": the entry as the till stores it, "error", "message":
    central's first answer}``), in order: the conflict recorded again (``recorded_again``),
    the stored outcome of an entry central still holds (``replayed``), or a refusal of that
    item alone."""
    if len(items) > MAX_ENTRIES:
        raise BadRequest(f"at most {MAX_ENTRIES} entries a request, not {len(items)}")
    return [_one(db, token, item) for item in items]


def _read(item: Any) -> tuple[Mapping[str, Any], str, str]:
    if not isinstance(item, dict) or not isinstance(item.get("line"), str):
        raise BadRequest("each entry is an object with 'line' (the entry as stored)")
    try:
        data = json.loads(item["line"])
    except (ValueError, RecursionError) as exc:
        raise BadRequest(f"'line' is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BadRequest("'line' is one JSON object")
    error, message = item.get("error"), item.get("message")
    if not is_conflict(data, {"error": error}) and error not in FOLLOW_ERRORS:
        codes = ", ".join(sorted(CONFLICT_CODES))
        raise BadRequest(
            f"'error' is one of {codes} (or conflict, for an ASN receipt; not_returnable, "
            "or not_on_order, for an order's return; sold_on_order, for a bare return; "
            "unknown_order or unknown_refund, for an act "
            "that follows a conflict)"
        )
    if not isinstance(message, str):
        raise BadRequest("'message' is central's first answer (text)")
    return data, str(error), message


def _one(db: Database, token: Actor, item: Any) -> Result:
    def work(conn: Connection) -> Result:
        entry = prepare(conn, db, token, data)
        found = _claim(conn, entry)
        if found is not None:  # central still holds it: its answer then
            return _replay(found, entry.body_sha256, entry.key)
        first = {"error": error, "message": message}
        follows = None
        if not is_conflict(entry.data, first):  # an act following a conflict (_read)
            follows = conflict_followed(conn, entry.terminal, entry.data)
            if follows is None:
                raise FollowsNothing(
                    f"the entry {entry.key} follows a conflict central does not hold (its "
                    "sale's conflict is not recorded again yet): nothing was recorded; "
                    "`serialpos terminal resend` at its till sends it again"
                )
            first["message"] = _FOLLOWS.sub(f"it follows conflict {follows},", message)
        outcome = record_line_conflict(
            conn, db, entry.data, entry.terminal, entry.seq, entry.key, first, follows
        )
        if follows is not None:
            outcome["follows"] = follows
        apply_outcomes.record(conn, entry.key, json.dumps(outcome, ensure_ascii=False))
        return {"ok": False, **outcome, "recorded_again": True}

    try:
        data, error, message = _read(item)
        return db.write(work)
    except DomainError as exc:
        return {"ok": False, "error": exc.code, "message": exc.message}
