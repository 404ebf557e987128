"""Idempotent ``apply``: a line sent with an ``id`` is applied at most once, ever.

Hosts resend after a timeout or a crash without knowing whether the first attempt landed, so
the id, a fingerprint of the line and its verdict are recorded in the same transaction as
the change (``apply_outcome``, db/apply_outcomes.py): a crash keeps both or neither. The id
is claimed first, so a second process sending the same id waits for the first and then
replays its verdict; a resend gets the first verdict back marked ``"replayed": true`` and
changes nothing. The same id with a different body is refused (``id_reused``): the host has
reused an id by mistake and must not be told the new line was applied.

Only applied lines are recorded. A refused line changed nothing, so its id stays free: the
host may fix the cause (create the product, say) and send the same id again. The services a
line calls run inside the line's one transaction (db/joined.py), so a refusal after a first
step also leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import apply_outcomes
from serialpos.db.engine import Database, DatabaseError, DiskFull
from serialpos.db.integration_tables import MAX_APPLY_ID
from serialpos.db.joined import JoinedDatabase
from serialpos.domain import entry_seal
from serialpos.domain.errors import BadRequest, DomainError
from serialpos.domain.text import clip, has_control_chars, invisible_character
from serialpos.services.context import Actor

Result = dict[str, Any]
ApplyObject = Callable[[Database, Actor, Mapping[str, Any]], Result]


class IdReused(DomainError):
    code = "id_reused"


def line_id(value: object) -> str:
    """The id a line carries, as stored: text as given, a whole number as its decimal text."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise BadRequest("'id' must be text or a whole number")
    if not value.strip():
        raise BadRequest("'id' is blank")
    if has_control_chars(value):
        raise BadRequest("'id' contains control characters")
    if len(value) > MAX_APPLY_ID:
        raise BadRequest(f"'id' is {len(value)} characters long; at most {MAX_APPLY_ID}")
    return _without_hidden_differences(value)


def _without_hidden_differences(value: str) -> str:
    """Refuse an id that would look like another one: ``"q-1 "`` and ``"q-1"`` are two ids,
    so a host whose library pads or trims would apply one line twice. Trimming instead would
    merge two ids a host may keep apart on purpose, so the id is refused, saying why. A space
    inside is kept (``"PO 77/1"``); case is kept too (``"Q-1"`` is another id)."""
    if value[0] == " " or value[-1] == " ":
        raise BadRequest(
            f"'id' {clip(value)!r} starts or ends with a space; send the id without it"
        )
    hidden = invisible_character(value)
    if hidden is not None:
        raise BadRequest(f"'id' holds an invisible character ({hidden}); send the id without it")
    return value


def fingerprint(data: Mapping[str, Any]) -> str:
    """sha256 of the line without its id, keys sorted: the same line always gives the same.
    A store terminal's seal (domain/entry_seal.py) is left out: an entry made before seals,
    sent again sealed, is the same line, and its stored outcome answers it."""
    body = {k: v for k, v in entry_seal.without_seal(data).items() if k != "id"}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def host_fingerprint(data: Mapping[str, Any]) -> str:
    """A host line's fingerprint: a key whose value is JSON ``null`` counts as left out, as
    docs/integration.md says of every line's keys, so a resend that spells an absent
    ``document`` as ``"document": null`` (or the reverse) is the same line and replayed,
    not refused ``id_reused``. Only the line's own keys: a ``null`` inside a value (a line
    of ``items``) is the value's business. A store terminal's journal entry keeps
    :func:`fingerprint` (its resends are byte for byte the entry it journaled)."""
    return fingerprint({k: v for k, v in data.items() if v is not None})


class _Refused(Exception):
    """Leaves the line's transaction, rolling it back: the line was refused."""

    def __init__(self, result: Result) -> None:
        super().__init__(result.get("error"))
        self.result = result


def _replay(
    found: apply_outcomes.StoredOutcome, body_sha256: str, key: str, before: str | None = None
) -> Result:
    """The first verdict of ``key``, or ``id_reused``. ``before``: the line's fingerprint as
    taken before ``null`` counted as absent, which an outcome stored then holds."""
    if found.body_sha256 not in (body_sha256, before):
        raise IdReused(
            f"id {clip(key)} was already used for a different line "
            f"({found.op}, applied {found.applied_at:%Y-%m-%d %H:%M:%S}); give a "
            "new line a new id"
        )
    stored: Result = json.loads(found.outcome)
    return {"ok": True, **stored, "replayed": True}


def apply_once(
    db: Database, actor: Actor, data: Mapping[str, Any], apply_object: ApplyObject
) -> Result:
    """The verdict of a line carrying an ``id``: applied now (and recorded), replayed, or
    refused with nothing changed. ``apply_object`` applies the line itself."""
    try:
        key = line_id(data.get("id"))
        body_sha256 = host_fingerprint(data)
        before = fingerprint(data)
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
            return _replay(found, body_sha256, key, before)
        joined = JoinedDatabase(db, conn)
        result = apply_object(joined, actor, data)
        if joined.retryable is not None:
            raise joined.retryable  # the outer write retries the whole line
        if not result["ok"]:
            raise _Refused(result)
        apply_outcomes.record(
            conn,
            key,
            json.dumps({k: v for k, v in result.items() if k != "ok"}, ensure_ascii=False),
        )
        return result

    try:
        return db.write(work)
    except _Refused as refused:
        return refused.result
    except DomainError as exc:
        return {"ok": False, "error": exc.code, "message": exc.message}
    except (DatabaseError, sa.exc.SQLAlchemyError) as exc:
        # The line and its outcome were rolled back together; say the first failure.
        return {
            "ok": False,
            "error": "database_error",
            "message": database_message(db, exc),
        }


def database_message(db: Database, exc: BaseException) -> str:
    """The message of a line's ``database_error``: a full disk said as every command says it
    (the disk is full, not recorded, which file), else the first failure of the chain."""
    said = db.refusal(exc)
    if isinstance(said, DiskFull):
        return clip(str(said), 300)
    return f"database error: {clip(first_cause(exc), 300)}"


def first_cause(exc: BaseException) -> str:
    """The first failure of a chain, in words. SQLite rolls a whole transaction back itself
    when the disk is full, so the savepoint's rollback then fails too ("no such savepoint")
    and would hide the reason behind a message nobody can act on."""
    seen: BaseException = exc
    while True:
        nxt = seen.__cause__ or seen.__context__
        if nxt is None or nxt is seen:
            break
        seen = nxt
    lines = str(seen).strip().splitlines()
    return lines[0] if lines else type(seen).__name__


def status(db: Database, ids: Sequence[object]) -> list[Result]:
    """What became of each id, in the order asked: ``applied`` with the verdict first
    returned, or ``not_applied`` (never received, refused, or still in flight: nothing
    changed, and sending the line again is safe). A malformed id is ``bad_request``."""
    keys: list[str | None] = []
    answers: list[Result] = []
    for value in ids:
        try:
            keys.append(line_id(value))
            answers.append({})
        except BadRequest as exc:
            keys.append(None)
            answers.append({"id": value, "status": "bad_request", "message": exc.message})
    wanted = [k for k in keys if k is not None]
    found = (
        {row.id: row for row in db.read(lambda c: apply_outcomes.find(c, wanted))} if wanted else {}
    )
    for n, key in enumerate(keys):
        if key is None:
            continue
        row = found.get(key)
        if row is None:
            answers[n] = {"id": key, "status": "not_applied"}
        else:
            answers[n] = {
                "id": key,
                "status": "applied",
                "op": row.op,
                "user": row.user_name,
                "terminal": row.terminal,
                "applied_at": row.applied_at.isoformat(timespec="seconds") + "Z",
                "outcome": json.loads(row.outcome),
            }
    return answers
