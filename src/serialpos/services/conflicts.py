"""Central's authority over terminal entries, and the conflicts it records (issue 16).

A store terminal sells on while its link is down, then pushes its journal through the same
idempotent apply as any host (services/apply_ids.py), each line tagged with ``journal``
(``{"terminal", "seq"}``). Central applies each entry with the same guarded transitions as an
online sale. An entry no longer legal when it arrives (the unit was sold at another till
meanwhile, received elsewhere...) is not dropped and does not stop the entries after it: it is
**recorded as a conflict**, in the same transaction as its id, so a resend replays the same
answer. The unit keeps the state its first accepted event gave it; a manager resolves the
conflict by a new event (:func:`resolve`), never by editing one. Other refusals (a bad line, a
permission) are answered as usual and leave the id free.

A token's terminal is bound to one store and terminal id when the terminal is initialised
(services/snapshot.py): entries naming another terminal or another store are refused.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import apply_outcomes, conflict_sql
from serialpos.db.engine import Database, DatabaseError
from serialpos.db.joined import JoinedDatabase
from serialpos.db.tables import utcnow
from serialpos.domain.errors import BadRequest, DomainError, PermissionDenied
from serialpos.domain.text import clip
from serialpos.domain.users import Permission
from serialpos.services import users
from serialpos.services.apply_ids import ApplyObject, IdReused, fingerprint, first_cause, line_id
from serialpos.services.context import Actor

Result = dict[str, Any]

#: Refusals that mean "the unit moved since the terminal last knew it": recorded as conflicts.
CONFLICT_CODES = frozenset(
    {"already_sold", "not_in_stock", "invalid_state", "duplicate_serial", "reserved"}
)
#: How a manager resolves a conflict; each but ``accept`` is a new ledger event.
RESOLUTIONS = ("accept", "return", "write_off")


class NotLinked(DomainError):
    code = "terminal_not_linked"


class WrongStore(DomainError):
    code = "wrong_store"


class UnknownConflict(DomainError):
    code = "unknown_conflict"


class ConflictClosed(DomainError):
    code = "conflict_resolved"


def _origin(data: Mapping[str, Any]) -> tuple[str, int, str | None]:
    journal = data.get("journal")
    if not isinstance(journal, dict):
        raise BadRequest("'journal' must be an object with 'terminal' and 'seq'")
    terminal, seq, user = journal.get("terminal"), journal.get("seq"), journal.get("user")
    if not isinstance(terminal, str) or not terminal.strip() or len(terminal) > 64:
        raise BadRequest("'journal.terminal' must be the terminal id (text, at most 64)")
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        raise BadRequest("'journal.seq' must be a whole number from 1")
    if user is not None and (not isinstance(user, str) or not user.strip() or len(user) > 32):
        raise BadRequest("'journal.user' must be the user's name (text, at most 32)")
    return terminal, seq, user


def _serials(data: Mapping[str, Any]) -> list[str]:
    found: list[str] = []
    for key in ("serial", "serials", "add", "remove"):
        value = data.get(key)
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, list):
            found += [v for v in value if isinstance(v, str)]
    return found


#: Links found, per database URL and token terminal: a link is made once and never changes,
#: so a push of many entries reads it once per server process, not once per entry.
_LINKS: dict[tuple[str, str], tuple[str, str]] = {}


def _link(db: Database, api_terminal: str) -> tuple[str, str] | None:
    key = (str(db.url), api_terminal)
    found = _LINKS.get(key)
    if found is None:
        found = db.read(lambda conn: conflict_sql.link_of(conn, api_terminal))
        if found is not None:
            _LINKS[key] = found
    return found


def _check_link(db: Database, actor: Actor, terminal: str, data: Mapping[str, Any]) -> None:
    link = _link(db, actor.terminal)
    if link is None:
        raise NotLinked(
            f"the token {actor.terminal} belongs to no terminal: run 'serialpos "
            "terminal init' with it first"
        )
    linked_terminal, store = link
    if linked_terminal != terminal:
        raise WrongStore(f"this token belongs to terminal {linked_terminal}, not {clip(terminal)}")
    named = data.get("store")
    if isinstance(named, str) and named != store:
        raise WrongStore(
            f"terminal {terminal} belongs to store {store}; it may not record "
            f"at store {clip(named)}"
        )


def _entry_actor(db: Database, token: Actor, user: str | None, terminal: str) -> Actor:
    """Who an entry acts as: its cashier, never with more rights than the token's user (a
    terminal set up with a cashier's token cannot record a manager's adjustment)."""
    from serialpos.domain.users import ROLE_PERMISSIONS

    entry = users.actor_for(db, user or token.user, terminal)
    if not ROLE_PERMISSIONS[entry.role] <= ROLE_PERMISSIONS[token.role]:
        raise PermissionDenied(
            f"this terminal's token (user {token.user}) may not act for "
            f"{entry.user}, whose role may do more"
        )
    return entry


class _Refused(Exception):
    def __init__(self, result: Result) -> None:
        super().__init__(result.get("error"))
        self.result = result


def _replay(found: apply_outcomes.StoredOutcome, body_sha256: str, key: str) -> Result:
    if found.body_sha256 != body_sha256:
        raise IdReused(
            f"id {clip(key)} was already used for a different line; give a new line a new id"
        )
    stored: Result = json.loads(found.outcome)
    return {"ok": "conflict" not in stored, **stored, "replayed": True}


def apply_entry(
    db: Database, actor: Actor, data: Mapping[str, Any], apply_object: ApplyObject
) -> Result:
    """The verdict of one journal entry, sent with the token of the terminal ``actor``:
    applied, replayed, recorded as a conflict
    (``error`` ``sync_conflict``, with ``conflict`` and the event that stands), or refused
    with nothing recorded."""
    try:
        key = line_id(data.get("id"))
        body_sha256 = fingerprint(data)
        terminal, seq, user = _origin(data)
        _check_link(db, actor, terminal, data)
        # The entry acts as the cashier who made it at the till (the terminal checked the
        # PIN), with that user's role at central, and is recorded under the terminal's id.
        actor = _entry_actor(db, actor, user, terminal)
    except DomainError as exc:
        return {"ok": False, "error": exc.code, "message": exc.message}
    op = data.get("op")
    op_name = op[:32] if isinstance(op, str) else "?"

    def work(conn: Connection) -> Result:
        found = apply_outcomes.claim(
            conn,
            key=key,
            body_sha256=body_sha256,
            op=op_name,
            user=actor.user,
            terminal=actor.terminal,
        )
        if found is not None:
            return _replay(found, body_sha256, key)
        joined = JoinedDatabase(db, conn)
        savepoint = conn.begin_nested()
        result = apply_object(joined, actor, data)
        if joined.retryable is not None:
            raise joined.retryable  # the outer write retries the whole entry
        if result["ok"]:
            savepoint.commit()
            apply_outcomes.record(
                conn,
                key,
                json.dumps({k: v for k, v in result.items() if k != "ok"}, ensure_ascii=False),
            )
            return result
        savepoint.rollback()
        if result.get("error") not in CONFLICT_CODES:
            raise _Refused(result)
        outcome = _record_conflict(conn, db, data, terminal, seq, key, result)
        apply_outcomes.record(conn, key, json.dumps(outcome, ensure_ascii=False))
        return {"ok": False, **outcome}

    try:
        return db.write(work)
    except _Refused as refused:
        return refused.result
    except DomainError as exc:
        return {"ok": False, "error": exc.code, "message": exc.message}
    except (DatabaseError, sa.exc.SQLAlchemyError) as exc:
        return {
            "ok": False,
            "error": "database_error",
            "message": f"database error: {clip(first_cause(exc), 300)}",
        }


def _record_conflict(
    conn: Connection,
    db: Database,
    data: Mapping[str, Any],
    terminal: str,
    seq: int,
    key: str,
    refusal: Result,
) -> Result:
    message = str(refusal.get("message", ""))
    serials = _serials(data)
    serial = next((s for s in serials if s in message), serials[0] if serials else None)
    sku = data.get("sku") if isinstance(data.get("sku"), str) else None
    store_code = data.get("store")
    store_id = conflict_sql.store_for(
        conn, store_code if isinstance(store_code, str) else None, terminal
    )
    product_id = conflict_sql.product_id(conn, sku) if sku else None
    first = conflict_sql.last_unit_event(conn, sku, serial) if sku and serial else None
    conflict_id = conflict_sql.add_conflict(
        conn,
        entry_id=key,
        terminal=terminal,
        entry_seq=seq,
        store_id=store_id,
        product_id=product_id,
        serial=serial,
        first_event_id=first,
        entry_line=json.dumps(dict(data), ensure_ascii=False, sort_keys=True),
        error=str(refusal.get("error"))[:32],
        message=clip(message, 400),
    )
    view = present(conflict_sql.conflicts(conn, conflict_id=conflict_id)[0])
    return {
        "op": data.get("op"),
        "error": "sync_conflict",
        "message": f"{message}: recorded as conflict {conflict_id} for a manager",
        "conflict": view,
    }


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
            "line": json.loads(row["entry_line"]),
        },
        "resolution": None
        if row["resolution"] is None
        else {
            "action": row["resolution"],
            "by": row["resolved_by"],
            "at": when(row["resolved_at"]),
            "note": row["note"],
        },
    }


def list_conflicts(
    db: Database, *, status: str | None = None, store: str | None = None
) -> list[Result]:
    if status is not None and status not in ("open", "resolved"):
        raise BadRequest("status must be open or resolved")
    return [
        present(r)
        for r in db.read(lambda conn: conflict_sql.conflicts(conn, status=status, store=store))
    ]


def show(db: Database, conflict_id: int) -> Result:
    rows = db.read(lambda conn: conflict_sql.conflicts(conn, conflict_id=conflict_id))
    if not rows:
        raise UnknownConflict(f"there is no conflict {conflict_id}")
    return present(rows[0])


def resolve(
    db: Database,
    actor: Actor,
    conflict_id: int,
    action: str,
    note: str | None = None,
    apply_object: ApplyObject | None = None,
) -> Result:
    """Close a conflict by a new event, in one transaction with the mark: ``accept`` (the
    first event stands, nothing moves), ``return`` (the unit comes back to stock at the
    conflict's store: the sale that stands is voided and refunded) or ``write_off`` (the unit
    is written off where it is in stock)."""
    actor.require(Permission.ADJUST)
    if action not in RESOLUTIONS:
        raise BadRequest(f"resolve by one of {', '.join(RESOLUTIONS)}, not {clip(action)}")
    if note is not None and len(note) > 200:
        raise BadRequest("the note is longer than 200 characters")
    current = show(db, conflict_id)
    if current["status"] != "open":
        raise ConflictClosed(f"conflict {conflict_id} is already resolved")
    line: Result | None = None
    if action != "accept":
        if current["serial"] is None or current["sku"] is None:
            raise BadRequest(f"conflict {conflict_id} names no unit: resolve it by accept")
        reason = note or f"sync conflict {conflict_id}"
        line = (
            {"op": "return", "reason": reason}
            if action == "return"
            else {"op": "adjust", "remove": [current["serial"]], "reason": reason}
        )
        line |= {
            "store": current["store"],
            "sku": current["sku"],
            "document": f"CONFLICT-{conflict_id}",
        }
        if action == "return":
            line["serial"] = current["serial"]

    def work(conn: Connection) -> Result:
        verdict: Result = {"ok": True}
        if line is not None:
            assert apply_object is not None
            joined = JoinedDatabase(db, conn)
            verdict = apply_object(joined, actor, line)
            if joined.retryable is not None:
                raise joined.retryable
            if not verdict["ok"]:
                raise DomainError(str(verdict["message"]), code=str(verdict["error"]))
        if not conflict_sql.resolve(
            conn, conflict_id, by=actor.user, resolution=action, note=note, when=utcnow()
        ):
            raise ConflictClosed(f"conflict {conflict_id} is already resolved")
        return verdict

    db.write(work)
    return show(db, conflict_id)
