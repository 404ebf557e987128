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
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db import apply_outcomes, conflict_sql, order_units
from serialpos.db.engine import Database, DatabaseError
from serialpos.db.joined import JoinedDatabase
from serialpos.domain import entry_seal
from serialpos.domain.errors import BadRequest, DomainError
from serialpos.domain.text import clip
from serialpos.services import entry_units, follow_on_units, sale_dates, terminal_links, tokens
from serialpos.services.acting_at_till import acting_for
from serialpos.services.apply import home_store
from serialpos.services.apply_ids import ApplyObject, IdReused, fingerprint, first_cause, line_id
from serialpos.services.conflict_codes import is_conflict
from serialpos.services.conflict_views import conflict_followed, present, with_follows
from serialpos.services.context import Actor
from serialpos.services.shifts import checked_at_terminal
from serialpos.services.stock_lines import item_serials, item_sku
from serialpos.services.tokens import Bearer

Result = dict[str, Any]


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
    found: list[str] = item_serials(data)  # a whole document's items
    for key in ("serial", "serials", "add", "remove"):
        value = data.get(key)
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, list):
            found += [v for v in value if isinstance(v, str)]
    found += [serial for _sku, serial in _order_lines(data)]
    return found


def _order_lines(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(sku, serial) of an ``order_create`` entry's lines that name a serial (a sale made
    at a terminal's counter: services/orders/sale_journal.py)."""
    lines = data.get("lines")
    if not isinstance(lines, list):
        return []
    return [
        (str(line["sku"]), str(line["serial"]))
        for line in lines
        if isinstance(line, dict)
        and isinstance(line.get("sku"), str)
        and isinstance(line.get("serial"), str)
    ]


def _units_on_lines(conn: Connection, data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(sku, serial) of the units on the lines an entry names by number on its order (a
    till's ``order_return``: central's lines hold them)."""
    order = data.get("order")
    numbers = [
        n
        for key in ("line_numbers", "damaged_line_numbers")
        if isinstance(data.get(key), list)
        for n in data[key]
        if isinstance(n, int) and not isinstance(n, bool)
    ]
    if not isinstance(order, str) or not numbers:
        return []
    return order_units.units_on_lines(conn, order, numbers)


def _check_link(
    conn: Connection, db: Database, actor: Actor, terminal: str, data: Mapping[str, Any]
) -> None:
    link = terminal_links.link_in(conn, db, actor.terminal)
    if link is None:
        raise terminal_links.NotLinked(
            f"the token {actor.terminal} belongs to no terminal: run 'serialpos "
            "terminal init' with it first"
        )
    linked_terminal, store = link
    if linked_terminal != terminal:
        raise terminal_links.OtherTerminal(
            f"this token belongs to terminal {linked_terminal}, not {clip(terminal)}"
        )
    home_store.check_in(conn, terminal, store, data)  # every store the entry acts in


def _entry_actor(conn: Connection, token: Actor, user: str | None, terminal: str) -> Actor:
    """Who an entry acts as: its cashier, never with more rights than the token's user (a
    terminal set up with a cashier's token cannot record a manager's adjustment)."""
    return acting_for(conn, token, user, terminal)


class EntryTampered(DomainError):
    code = "entry_tampered"


class Refused(Exception):
    """Leaves an entry's savepoint: the line was refused and nothing of it is kept."""

    def __init__(self, result: Result) -> None:
        super().__init__(result.get("error"))
        self.result = result


@dataclass(frozen=True)
class Entry:
    """A journal entry checked before any transaction: its id, fingerprint, origin, and the
    cashier it acts as."""

    key: str
    body_sha256: str
    terminal: str
    seq: int
    actor: Actor
    op: str
    data: Mapping[str, Any]
    #: The till's time of the act, as central dates the sale's documents (None: the entry
    #: carries none, dated by central's clock), and the warning when its clock was off
    #: (domain/till_time.py).
    made_at: datetime | None = None
    clock_warning: str | None = None


def prepare(
    conn: Connection,
    db: Database,
    token: Actor,
    data: Mapping[str, Any],
    actors: dict[tuple[str | None, str], Actor] | None = None,
) -> Entry:
    """The entry ``data`` as sent with the terminal's ``token``, read in ``conn``'s open
    transaction (the one that applies it), or a :class:`DomainError` (bad id, wrong store or
    terminal, a cashier with more rights than the token). ``actors`` keeps the cashiers
    already read, so a batch reads each once."""
    key = line_id(data.get("id"))
    body_sha256 = fingerprint(data)
    terminal, seq, user = _origin(data)
    _check_link(conn, db, token, terminal, data)
    sealed = entry_seal.read(data)
    if sealed.present and not sealed.intact:
        # Changed after the till made it (domain/entry_seal.py): never applied. A till made
        # before seals sends none; its lines go on as before.
        raise EntryTampered(
            f"journal entry {seq} ({clip(key)}) of terminal {terminal} does not match its "
            "seal: it was changed after it was made; not applied"
        )
    # The entry acts as the cashier who made it at the till (the terminal checked the
    # PIN), with that user's role at central, and is recorded under the terminal's id.
    cached = None if actors is None else actors.get((user, terminal))
    actor = cached or _entry_actor(conn, token, user, terminal)
    if actors is not None:
        actors[(user, terminal)] = actor
    op = data.get("op")
    made_at, warning = sale_dates.of_entry(data)
    return Entry(
        key,
        body_sha256,
        terminal,
        seq,
        actor,
        op[:32] if isinstance(op, str) else "?",
        data,
        made_at,
        warning,
    )


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


#: Refusals of an entry naming a document central does not hold (pinned codes: they stay
#: the answer for a document that is really unknown).
_UNKNOWN_DOCUMENT = frozenset({"unknown_order", "unknown_refund"})


def follows_conflict(conn: Connection, entry: Entry, refusal: Mapping[str, Any]) -> int | None:
    """The conflict an entry refused for naming an unknown order or refund note follows:
    the conflict of this till's entry that made that document (an offline sale central did
    not record, and then the exchange of a unit from it). Such an entry is recorded as a
    conflict for a manager, naming that one, not refused: refused, the till would put back
    in stock units its customer took home, and no manager would be asked."""
    if refusal.get("error") not in _UNKNOWN_DOCUMENT:
        return None
    return conflict_followed(conn, entry.terminal, entry.data)


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
        return apply_in(conn, db, entry, apply_object)

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
            "message": f"database error: {clip(first_cause(exc), 300)}",
        }
    entry_units.add_units(db, [(data, verdict)])
    return verdict


def record_conflict(
    conn: Connection, db: Database, entry: Entry, refusal: Result, follows: int | None = None
) -> Result:
    """Record ``entry``, refused with ``refusal`` because its unit moved meanwhile, as a
    conflict for a manager, and store that as the outcome of its id (claimed already in
    this transaction); the outcome, without ``ok``. ``follows``: the conflict whose
    unrecorded order or refund note this entry names (:func:`follows_conflict`)."""
    outcome = _record_conflict(
        conn, db, entry.data, entry.terminal, entry.seq, entry.key, refusal, follows
    )
    if follows is not None:
        outcome["follows"] = follows
    apply_outcomes.record(conn, entry.key, json.dumps(outcome, ensure_ascii=False))
    return outcome


def _record_conflict(
    conn: Connection,
    db: Database,
    data: Mapping[str, Any],
    terminal: str,
    seq: int,
    key: str,
    refusal: Result,
    follows: int | None = None,
) -> Result:
    message = str(refusal.get("message", ""))
    serials = _serials(data)
    on_lines = _units_on_lines(conn, data) if not serials else []
    if not serials and not on_lines:  # its order never held here: the sale it follows
        on_lines = follow_on_units.units_on_followed_lines(conn, data, follows)
    serials += [serial for _sku, serial in on_lines]
    serial = next((s for s in serials if s in message), serials[0] if serials else None)
    sku = data.get("sku") if isinstance(data.get("sku"), str) else item_sku(data, serial)
    if sku is None:  # an order's line: the product of the serial named
        sku = next((k for k, s in [*_order_lines(data), *on_lines] if s == serial), None)
    if sku is None and serial is not None and isinstance(data.get("order"), str):
        held = order_units.units_of(conn, [data["order"]]).get(data["order"], [])
        sku = next((k for k, s in held if s == serial), None)  # a return naming serials
    if sku is None and serial is not None:  # a document central never held: the unit's
        sku = follow_on_units.sku_of_serial(conn, serial)
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
    view = present(with_follows(conn, conflict_sql.conflicts(conn, conflict_id=conflict_id))[0])
    return {
        "op": data.get("op"),
        "error": "sync_conflict",
        "message": f"{message}: recorded as conflict {conflict_id} for a manager",
        "conflict": view,
    }


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
                return {n: v for n, v in done.items() if n < prepared[at][0]}
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
        return done

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
