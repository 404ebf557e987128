"""The SQL of a store terminal's journal and its sync state (terminal/journaled.py,
terminal/sync.py). The local copy of central's events is in db/mirror_sql.py."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db.prepared import Prepared
from serialpos.db.sync_tables import FeedSeen, JournalEntry, SyncState
from serialpos.db.tables import utcnow

journal_t: sa.Table = JournalEntry.__table__  # type: ignore[attr-defined]
state_t: sa.Table = SyncState.__table__  # type: ignore[attr-defined]
seen_t: sa.Table = FeedSeen.__table__  # type: ignore[attr-defined]
journal_c, state_c, seen_c = journal_t.c, state_t.c, seen_t.c


@dataclass(frozen=True)
class Entry:
    id: str
    seq: int
    terminal: str
    user_name: str
    made_at: datetime
    line: str
    state: str
    answer: str | None
    #: The local ledger events the entry made: ids after ``events_after`` up to
    #: ``events_to`` (terminal/entry_events.py); None for an entry made before 0027.
    events_after: int | None = None
    events_to: int | None = None


def next_seq(conn: Connection) -> int:
    """The next local sequence number. Taken inside the writing transaction (SQLite has one
    writer at a time), so numbers follow commit order without gaps."""
    return (
        int(conn.execute(sa.select(sa.func.coalesce(sa.func.max(journal_c.seq), 0))).scalar_one())
        + 1
    )


#: Run as prepared driver SQL (db/prepared.py): one of every journaled act's statements.
_LAST_LINE = Prepared(sa.select(journal_c.line).order_by(journal_c.seq.desc()).limit(1))


def last_line(conn: Connection) -> str | None:
    """The newest entry's line (its seal is the next entry's ``prev``), or None."""
    found = _LAST_LINE.scalar(conn, {})
    return None if found is None else str(found)


def lines_between(conn: Connection, first: int, last: int) -> list[tuple[int, str, str, str]]:
    """``(seq, id, state, line)`` of the entries numbered ``first`` to ``last``, in order."""
    q = (
        sa.select(journal_c.seq, journal_c.id, journal_c.state, journal_c.line)
        .where(journal_c.seq.between(first, last))
        .order_by(journal_c.seq)
    )
    return [(int(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in conn.execute(q)]


def add(
    conn: Connection,
    *,
    entry_id: str,
    seq: int,
    terminal: str,
    user: str,
    line: str,
    events: tuple[int | None, int | None] = (None, None),
    made_at: datetime | None = None,
) -> None:
    conn.execute(
        journal_t.insert().values(
            id=entry_id,
            seq=seq,
            terminal=terminal,
            user_name=user,
            made_at=made_at or utcnow(),
            line=line,
            state="pending",
            events_after=events[0],
            events_to=events[1],
            order_number=order_named(line),
        )
    )


def order_named(line: str) -> str | None:
    """The order a journaled line names, by the number central knows it by: an order
    operation's ``order``, the order number the terminal gave a sale (``numbers.order``),
    or an ``order_create``'s ``number``; None for any other line."""
    try:
        data = json.loads(line)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    numbers = data.get("numbers")
    for found in (
        data.get("order"),
        numbers.get("order") if isinstance(numbers, dict) else None,
        data.get("number") if data.get("op") == "order_create" else None,
    ):
        if isinstance(found, str) and 0 < len(found) <= ORDER_NUMBER_MAX:
            return found
    return None


#: Longest order number ``journal_entry.order_number`` holds.
ORDER_NUMBER_MAX = 64


def _entries(conn: Connection, q: sa.Select[Any]) -> list[Entry]:
    return [
        Entry(
            r.id,
            r.seq,
            r.terminal,
            r.user_name,
            r.made_at,
            r.line,
            r.state,
            r.answer,
            r.events_after,
            r.events_to,
        )
        for r in conn.execute(q)
    ]


def pending(conn: Connection, limit: int) -> list[Entry]:
    return _entries(
        conn,
        sa.select(journal_t)
        .where(journal_c.state == "pending")
        .order_by(journal_c.seq)
        .limit(limit),
    )


def entries(conn: Connection, state: str | None = None) -> list[Entry]:
    q = sa.select(journal_t).order_by(journal_c.seq)
    if state is not None:
        q = q.where(journal_c.state == state)
    return _entries(conn, q)


def entry(conn: Connection, entry_id: str) -> Entry | None:
    found = _entries(conn, sa.select(journal_t).where(journal_c.id == entry_id))
    return found[0] if found else None


def _naming(number: str) -> sa.ColumnElement[bool]:
    escaped = number.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return journal_c.line.like(f'%"{escaped}"%', escape="\\")


def mentions(conn: Connection, order: str) -> bool:
    """Whether an entry of the journal names the order ``order`` (:func:`order_named`): it
    was sent to central already. One probe of ``ix_journal_entry_order_number``: a scan of
    the journal's lines cost about 4 ms at 5,000 entries, and a till asks at every counter
    step of an order."""
    found = conn.execute(
        sa.select(journal_c.id).where(journal_c.order_number == order).limit(1)
    ).first()
    return found is not None


def last_naming(conn: Connection, number: str) -> Entry | None:
    """The latest entry naming the document ``number`` (the sale that issued an invoice)."""
    found = _entries(
        conn, sa.select(journal_t).where(_naming(number)).order_by(journal_c.seq.desc()).limit(1)
    )
    return found[0] if found else None


#: The states of an entry central did not take.
NOT_TAKEN_STATES = ("conflict", "refused")


#: Built once: every sales report reads it (on central, an empty journal).
_NOT_TAKEN = (
    sa.select(journal_c.seq, journal_c.line, journal_c.answer)
    .where(journal_c.state.in_(NOT_TAKEN_STATES))
    .order_by(journal_c.seq)
)


def not_taken_lines(conn: Connection) -> list[tuple[int, str, str | None]]:
    """``(seq, line, answer)`` of the entries central did not take (conflict or refused), in
    order: one read by the state index, nothing at all on central (its journal is empty)."""
    return [(int(r[0]), str(r[1]), r[2]) for r in conn.execute(_NOT_TAKEN)]


def taken_naming_any(conn: Connection, numbers: list[str], after: int) -> list[tuple[int, str]]:
    """``(seq, line)`` of the entries after local number ``after``, not a conflict nor
    refused, that name any of ``numbers`` as :func:`last_naming` matches one (one scan of
    the journal for them all, not one per number)."""
    if not numbers:
        return []
    q = sa.select(journal_c.seq, journal_c.line).where(
        journal_c.seq > after,
        journal_c.state.not_in(NOT_TAKEN_STATES),
        sa.or_(*(_naming(n) for n in numbers)),
    )
    return [(int(r[0]), str(r[1])) for r in conn.execute(q)]


#: Built once: a push settles hundreds of entries, and building the statement each time
#: cost more than running it (a day's catch-up of 5,000 entries spent 2 s of the terminal's
#: CPU there).
_SETTLE = Prepared(
    journal_t.update()
    .where(journal_c.id == sa.bindparam("entry_id"), journal_c.state == "pending")
    .values(
        state=sa.bindparam("new_state"),
        answer=sa.bindparam("new_answer"),
        settled_at=sa.bindparam("now"),
    )
)


def settle(conn: Connection, entry_id: str, state: str, answer: str) -> bool:
    """Record central's answer; only a pending entry changes (a settled one stays settled).
    True when this call settled it."""
    done = _SETTLE.run(
        conn, {"entry_id": entry_id, "new_state": state, "new_answer": answer, "now": utcnow()}
    )
    return done.rowcount == 1


def keep_waiting(conn: Connection, entry_id: str, answer: str) -> bool:
    """Keep central's answer on an entry that stays pending (a rewound journal's entry,
    terminal/push.py): ``terminal pending`` shows why it waits; its state does not change.
    True when the entry is pending."""
    done = conn.execute(
        journal_t.update()
        .where(journal_c.id == entry_id, journal_c.state == "pending")
        .values(answer=answer)
    )
    return done.rowcount == 1


def answer_conflict_again(conn: Connection, entry_id: str, answer: str) -> bool:
    """Keep central's new answer for an entry settled as a conflict (its conflict recorded
    again after central's restore, under the number central gives it now:
    terminal/central_conflicts.py ``record_again``); its state and what settling it did here
    stay. True when the entry is one."""
    done = conn.execute(
        journal_t.update()
        .where(journal_c.id == entry_id, journal_c.state == "conflict")
        .values(answer=answer)
    )
    return done.rowcount == 1


def accepted_with_conflicts(conn: Connection) -> list[Entry]:
    """The accepted entries whose answer names conflicts (a till's count central took with
    some of its decisions refused: terminal/count_conflicts.py), by a filter on the answer's
    text; the caller parses each."""
    return _entries(
        conn,
        sa.select(journal_t)
        .where(journal_c.state == "accepted", journal_c.answer.like('%"conflicts": [{%'))
        .order_by(journal_c.seq),
    )


def answer_accepted_again(conn: Connection, entry_id: str, answer: str) -> bool:
    """Keep what central says now of an accepted entry's conflicts (their status and
    resolution) in its answer; its state and what it did here stay."""
    done = conn.execute(
        journal_t.update()
        .where(journal_c.id == entry_id, journal_c.state == "accepted")
        .values(answer=answer)
    )
    return done.rowcount == 1


def send_again(conn: Connection) -> int:
    """Mark every accepted entry pending again, its answer kept until central answers anew
    (terminal/resend.py: central restored from an older backup lost some of them); how many.
    Central applies an entry once by its id: one it still holds is answered ``replayed``."""
    done = conn.execute(
        journal_t.update()
        .where(journal_c.state == "accepted")
        .values(state="pending", settled_at=None)
    )
    return int(done.rowcount)


def pending_naming(conn: Connection, text: str, after: int) -> list[str]:
    """The lines of pending entries after local number ``after`` that hold ``text`` as a
    JSON string (a serial they may name; the caller reads each line to be sure)."""
    q = sa.select(journal_c.line).where(
        journal_c.state == "pending", journal_c.seq > after, _naming(text)
    )
    return [str(line) for line in conn.execute(q.order_by(journal_c.seq)).scalars()]


def newest_taken(conn: Connection) -> tuple[int, str] | None:
    """``(seq, id)`` of the newest entry central took (accepted, or recorded as a conflict:
    central keeps an outcome of both by the entry's id), or None: the one a till asks
    central whether it still holds (terminal/central_behind.py)."""
    row = conn.execute(
        sa.select(journal_c.seq, journal_c.id)
        .where(journal_c.state.in_(("accepted", "conflict")))
        .order_by(journal_c.seq.desc())
        .limit(1)
    ).first()
    return None if row is None else (int(row[0]), str(row[1]))


def counts(conn: Connection) -> tuple[int, datetime | None]:
    """How many entries wait, and when the oldest was made (terminal clock, for people)."""
    n, oldest = conn.execute(
        sa.select(sa.func.count(), sa.func.min(journal_c.made_at)).where(
            journal_c.state == "pending"
        )
    ).one()
    return int(n), oldest


def by_state(conn: Connection) -> dict[str, int]:
    """How many entries are in each state (one grouped count, not a read of every entry)."""
    rows = conn.execute(sa.select(journal_c.state, sa.func.count()).group_by(journal_c.state))
    return {str(state): int(n) for state, n in rows}


def get_state(conn: Connection, key: str) -> str | None:
    return conn.execute(sa.select(state_c.value).where(state_c.key == key)).scalar()


def set_state(conn: Connection, key: str, value: str) -> None:
    if conn.execute(state_t.update().where(state_c.key == key).values(value=value)).rowcount == 0:
        conn.execute(state_t.insert().values(key=key, value=value))
