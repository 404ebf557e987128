"""Central's apply of a store terminal's journal entries (issue 16), one or a batch.

Each entry is applied with the same guarded transitions as an online sale, in a savepoint of
its own, with its id claimed and its outcome recorded in the same savepoint: applied,
replayed (it had landed before), or recorded as a conflict (services/conflicts.py) when the
unit moved meanwhile. A refusal keeps nothing of the entry and never stops the entries after
it. A terminal catching up pushes hundreds of entries in one request: :func:`apply_entries`
applies a run of them in one transaction (one commit, each cashier and link read once) instead
of one transaction each, which is what made a day's catch-up take minutes; if that
transaction fails as a whole (a lost connection, a deadlock after its retries), each entry of
the run is applied alone, so one entry's failure never costs the others.

An entry is checked before it is applied in services/entry_checks.py, and recorded as a
conflict in services/conflict_recording.py; their names are importable from here too.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import apply_outcomes
from serialpos.db.engine import Database, DatabaseError
from serialpos.db.joined import JoinedDatabase
from serialpos.domain.errors import DomainError
from serialpos.domain.text import clip
from serialpos.services import entry_units, journal_rewinds, sale_dates, tokens
from serialpos.services.apply_ids import ApplyObject, IdReused, database_message
from serialpos.services.conflict_codes import is_conflict
from serialpos.services.conflict_recording import follows_conflict as follows_conflict
from serialpos.services.conflict_recording import record_conflict as record_conflict
from serialpos.services.context import Actor
from serialpos.services.entry_checks import Entry as Entry
from serialpos.services.entry_checks import EntryTampered as EntryTampered
from serialpos.services.entry_checks import prepare as prepare
from serialpos.services.shifts import checked_at_terminal
from serialpos.services.tokens import Bearer

Result = dict[str, Any]


class Refused(Exception):
    """Leaves an entry's savepoint: the line was refused and nothing of it is kept."""

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


def _claim(conn: Connection, entry: Entry) -> apply_outcomes.StoredOutcome | None:
    return apply_outcomes.claim(
        conn,
        key=entry.key,
        body_sha256=entry.body_sha256,
        op=entry.op,
        user=entry.actor.user,
        terminal=entry.actor.terminal,
        journal_seq=entry.seq,
    )


def apply_in(conn: Connection, db: Database, entry: Entry, apply_object: ApplyObject) -> Result:
    """Apply one prepared entry inside ``conn``'s open transaction, in a savepoint of its own:
    applied with its id, replayed, or recorded as a conflict with its id. A refusal raises
    :class:`Refused` (or a :class:`DomainError`) with nothing of the entry kept, so the
    entries around it in the same transaction are untouched."""
    savepoint = conn.begin_nested()
    try:
        found = _claim(conn, entry)
        if found is not None:
            replayed = _replay(found, entry.body_sha256, entry.key)
            savepoint.commit()
            return entry_units.add_units_in(conn, entry.data, replayed)
        joined = JoinedDatabase(db, conn)
        # The till checked require_shift with its own shifts; the sale's documents are
        # dated by the till's time of the act (services/sale_dates.py).
        with checked_at_terminal(), sale_dates.by_till(entry.made_at):
            result = apply_object(joined, entry.actor, entry.data)
        if joined.retryable is not None:
            raise joined.retryable  # the outer write retries the whole transaction
        if result["ok"]:
            result = sale_dates.warned(entry.clock_warning, result)
            apply_outcomes.record(
                conn,
                entry.key,
                json.dumps({k: v for k, v in result.items() if k != "ok"}, ensure_ascii=False),
            )
            savepoint.commit()
            # An accepted count carries its units as it left them (services/entry_units.py).
            return entry_units.add_units_in(conn, entry.data, result)
    except BaseException:
        if savepoint.is_active:
            savepoint.rollback()
        raise
    savepoint.rollback()
    follows = follows_conflict(conn, entry, result)
    if follows is not None:
        result = {
            **result,
            "message": f"{result.get('message')}: it follows conflict {follows}, this "
            "till's entry that made it, which central did not record",
        }
    elif not is_conflict(entry.data, result):
        raise Refused(entry_units.add_units_in(conn, entry.data, result))
    # The unit moved meanwhile: the id is claimed again, with the conflict as its outcome.
    savepoint = conn.begin_nested()
    try:
        found = _claim(conn, entry)
        if found is not None:  # the same entry landed meanwhile through another request
            replayed = _replay(found, entry.body_sha256, entry.key)
            savepoint.commit()
            return entry_units.add_units_in(conn, entry.data, replayed)
        outcome = record_conflict(conn, db, entry, result, follows)
        savepoint.commit()
    except BaseException:
        if savepoint.is_active:
            savepoint.rollback()
        raise
    return entry_units.add_units_in(conn, entry.data, {"ok": False, **outcome})


class _NotPrepared(Exception):
    """Leaves the transaction of an entry that failed its checks: nothing was written."""

    def __init__(self, exc: DomainError) -> None:
        super().__init__(exc.code)
        self.refusal: Result = {"ok": False, "error": exc.code, "message": exc.message}


def apply_entry(
    db: Database, token: Actor | Bearer, data: Mapping[str, Any], apply_object: ApplyObject
) -> Result:
    """The verdict of one journal entry, sent with the token of a terminal (its actor, or
    the request's :class:`~serialpos.services.tokens.Bearer`, checked in the same
    transaction: :class:`~serialpos.services.tokens.Unauthorized` is raised, not answered):
    applied, replayed, recorded as a conflict
    (``error`` ``sync_conflict``, with ``conflict`` and the event that stands), or refused
    with nothing recorded; a conflict or a refusal of an entry that passed its checks carries
    ``central_units``, central's state of the units it names (services/entry_units.py)."""

    def work(conn: Connection) -> Result:
        actor = tokens.actor_in(conn, token)
        try:
            entry = prepare(conn, db, actor, data)
        except DomainError as exc:
            raise _NotPrepared(exc) from None
        try:
            return apply_in(conn, db, entry, apply_object)
        except Refused as refused:
            raise Refused(journal_rewinds.told(conn, entry, refused.result)) from None
        except IdReused:
            raise
        except DomainError as exc:
            refusal = {"ok": False, "error": exc.code, "message": exc.message}
            told = journal_rewinds.told(conn, entry, refusal)
            if told is refusal:
                raise
            raise Refused(told) from None

    try:
        verdict = db.write(work)
    except _NotPrepared as refused:
        return refused.refusal
    except Refused as refused:
        verdict = refused.result
    except tokens.Unauthorized:
        raise
    except DomainError as exc:
        verdict = {"ok": False, "error": exc.code, "message": exc.message}
    except (DatabaseError, sa.exc.SQLAlchemyError) as exc:
        return {
            "ok": False,
            "error": "database_error",
            "message": database_message(db, exc),
        }
    entry_units.add_units(db, [(data, verdict)])
    return verdict


#: Entries applied in one transaction at most, and the seconds one transaction may go on
#: taking more: enough to spend one commit on many entries (20 or so at 5 ms an entry),
#: short enough that the units and the store's document counters it locks are soon free
#: again: an online sale at the same store waits for them, and its target is 50 ms p95.
BATCH = 100
BUDGET_SECONDS = 0.1


def apply_entries(
    db: Database,
    token: Actor | Bearer,
    entries: Sequence[Mapping[str, Any]],
    apply_object: ApplyObject,
    *,
    budget: float = BUDGET_SECONDS,
) -> list[Result]:
    """The verdicts of the first of ``entries`` (at least one, at most :data:`BATCH`, as
    many as ``budget`` seconds allow), applied in one transaction, each exactly as
    :func:`apply_entry` would answer it alone. The caller sends the rest in the next call.
    The token (a :class:`~serialpos.services.tokens.Bearer` not yet checked), the
    terminal's link and the cashiers are read in that same transaction: a push costs one
    transaction, not one for each of them. A token refused raises
    :class:`~serialpos.services.tokens.Unauthorized` with nothing applied."""
    run = entries[:BATCH]

    def work(conn: Connection) -> dict[int, Result]:
        actor = tokens.actor_in(conn, token)
        actors: dict[tuple[str | None, str], Actor] = {}
        done: dict[int, Result] = {}
        prepared: list[tuple[int, Entry]] = []
        for n, data in enumerate(run):
            try:
                prepared.append((n, prepare(conn, db, actor, data, actors)))
            except DomainError as exc:
                done[n] = {"ok": False, "error": exc.code, "message": exc.message}
        began = time.monotonic()
        at = 0
        while at < len(prepared):
            if at and time.monotonic() - began > budget:
                # The rest in the next call: only what was answered before it counts.
                answered = {n: v for n, v in done.items() if n < prepared[at][0]}
                return _told(conn, prepared, answered)
            # Plain sales set-based; the first entry they cannot settle, alone.
            settled = _plain_sales(conn, db, prepared[at:], apply_object)
            for k, verdict in enumerate(settled):
                done[prepared[at + k][0]] = verdict
            at += len(settled)
            if settled or at >= len(prepared):
                continue
            n, entry = prepared[at]
            at += 1
            try:
                done[n] = apply_in(conn, db, entry, apply_object)
            except Refused as refused:
                done[n] = refused.result
            except DomainError as exc:
                refusal = {"ok": False, "error": exc.code, "message": exc.message}
                done[n] = entry_units.add_units_in(conn, entry.data, refusal)
        return _told(conn, prepared, done)

    try:
        done = db.write(work)
    except (DatabaseError, sa.exc.SQLAlchemyError):
        # Nothing of the transaction was kept: the first entry alone, so that one entry's
        # failure costs only its own verdict; the rest come again in the next call.
        done = {0: apply_entry(db, token, run[0], apply_object)}
    # Central's state of the units of each conflict or refusal, read after the commit.
    entry_units.add_units(db, [(run[n], verdict) for n, verdict in done.items()])
    # The answered prefix: every entry up to the last one answered (refused ones included).
    answered = [done.get(n) for n in range(max(done) + 1)]
    assert all(v is not None for v in answered), "an entry before the last was skipped"
    return [v for v in answered if v is not None]


def _told(
    conn: Connection, prepared: Sequence[tuple[int, Entry]], done: dict[int, Result]
) -> dict[int, Result]:
    """``done`` with each refusal of a checked entry told apart as a rewound journal where it
    is one (services/journal_rewinds.py: a statement per refusal, none for the rest); an
    entry refused by its checks (tampered, another terminal's) is left as it is."""
    for n, entry in prepared:
        verdict = done.get(n)
        if verdict is not None and not verdict.get("ok"):
            done[n] = journal_rewinds.told(conn, entry, verdict)
    return done


def _plain_sales(
    conn: Connection, db: Database, run: Sequence[tuple[int, Entry]], apply_object: ApplyObject
) -> list[Result]:
    """The verdicts of the plain sales at the start of ``run``, applied set-based
    (services/entry_sells.py); none when the first entry is not one, or when the operations
    are not the standard ones (a test's stand-in ``apply_object``)."""
    from serialpos.services import entry_sells
    from serialpos.services.apply.dispatch import apply_object as standard

    if apply_object is not standard or not SET_BASED:
        return []
    return entry_sells.apply_sells(conn, db, [entry for _n, entry in run])


#: Whether plain sales are applied set-based (bench/offline_bench.py --compare turns it off
#: to measure the one-by-one path beside it).
SET_BASED = True
