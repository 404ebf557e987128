"""Reading and claiming ``apply_outcome`` rows (the SQL behind services/apply_ids.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from serialpos.db.integration_tables import ApplyOutcome
from serialpos.db.one_of import any_param, one_of
from serialpos.db.prepared import Prepared
from serialpos.db.tables import utcnow

outcome_t: sa.Table = ApplyOutcome.__table__  # type: ignore[attr-defined]
outcome_c = outcome_t.c


@dataclass(frozen=True)
class StoredOutcome:
    id: str
    body_sha256: str
    op: str
    user_name: str
    terminal: str
    applied_at: datetime
    outcome: str


def claim(
    conn: Connection,
    *,
    key: str,
    body_sha256: str,
    op: str,
    user: str,
    terminal: str,
    journal_seq: int | None = None,
) -> StoredOutcome | None:
    """Claim ``key`` for this transaction, or return the row that already holds it.
    ``journal_seq``: the store terminal's entry number the line carries (None: a host's
    line), kept with the id (migration 0040: services/journal_rewinds.py).

    ``ON CONFLICT DO NOTHING`` waits, on PostgreSQL, for a transaction that inserted the same
    key and has not yet finished: if that one commits, this claim yields its row (the caller
    replays it); if it rolls back, this claim succeeds. SQLite has one writer at a time."""
    params = {
        "id": key,
        "body_sha256": body_sha256,
        "op": op,
        "user_name": user,
        "terminal": terminal,
        "applied_at": utcnow(),
        "journal_seq": journal_seq,
    }
    claimed = _CLAIM[conn.dialect.name].scalar(conn, params)
    if claimed is not None:
        return None
    found = find(conn, [key])
    return found[0]


def _claim(insert: Any) -> Prepared:
    """The claim of one id, built once per dialect and run prepared: every line with an id
    claims it (a host's, a terminal's entry applied alone, a conflict's)."""
    keys = ("id", "body_sha256", "op", "user_name", "terminal", "applied_at", "journal_seq")
    values: dict[str, Any] = {k: sa.bindparam(k, type_=outcome_c[k].type) for k in keys}
    return Prepared(
        insert(outcome_t)
        .values(**values, outcome="")
        .on_conflict_do_nothing(index_elements=["id"])
        .returning(outcome_c.id)
    )


_CLAIM = {"postgresql": _claim(postgresql.insert), "sqlite": _claim(sqlite.insert)}


def record(conn: Connection, key: str, outcome: str) -> None:
    """Store the verdict of the line that claimed ``key`` (in the same transaction)."""
    _RECORD_ONE_PREPARED.run(conn, {"key": key, "text": outcome})


#: record() for many keys in one statement on PostgreSQL: the keys and verdicts as two arrays.
#: The keys are named again with ``= ANY``: joined only to ``unnest``, whose length the
#: planner does not know, PostgreSQL hashes the join over a scan of the whole table.
RECORD_MANY = sa.text(
    f"UPDATE {outcome_t.name} SET outcome = given.outcome "
    "FROM unnest(CAST(:keys AS TEXT[]), CAST(:outcomes AS TEXT[])) AS given(id, outcome) "
    f"WHERE {outcome_t.name}.id = given.id AND {outcome_t.name}.id = ANY(CAST(:keys AS TEXT[]))"
)
_RECORD_ONE = (
    outcome_t.update()
    .where(outcome_c.id == sa.bindparam("key"))
    .values(outcome=sa.bindparam("text"))
)

_RECORD_ONE_PREPARED = Prepared(_RECORD_ONE)


def record_many(conn: Connection, outcomes: Sequence[tuple[str, str]]) -> None:
    """:func:`record` for many (key, verdict) pairs: one statement on PostgreSQL (not one
    per key, each run and planned by the server), one prepared statement run for each on
    SQLite."""
    if not outcomes:
        return
    if conn.dialect.name == "postgresql":
        _RECORD_MANY.run(
            conn, {"keys": [k for k, _ in outcomes], "outcomes": [text for _, text in outcomes]}
        )
    else:
        conn.execute(_RECORD_ONE, [{"key": k, "text": text} for k, text in outcomes])


#: :data:`RECORD_MANY` and :func:`find` on PostgreSQL, built once and run prepared: a run of
#: entries asks each once, and SQLAlchemy's per-call build and set-up cost more than the run.
_RECORD_MANY = Prepared(
    RECORD_MANY.bindparams(
        sa.bindparam("keys", type_=postgresql.ARRAY(sa.Text())),
        sa.bindparam("outcomes", type_=postgresql.ARRAY(sa.Text())),
    )
)
_FIND = Prepared(sa.select(outcome_t).where(any_param(outcome_c.id, "keys")))


def find(conn: Connection, keys: Sequence[str]) -> list[StoredOutcome]:
    """The stored outcomes of ``keys`` that exist, in no particular order."""
    if conn.dialect.name == "postgresql":
        rows: Sequence[Any] = _FIND.rows(conn, {"keys": list(keys)})
    else:
        rows = conn.execute(sa.select(outcome_t).where(one_of(conn, outcome_c.id, keys))).all()
    return [
        StoredOutcome(r.id, r.body_sha256, r.op, r.user_name, r.terminal, r.applied_at, r.outcome)
        for r in rows
    ]


def holds(conn: Connection, key: str, terminal: str | None) -> bool:
    """Whether an outcome is kept under ``key`` (of ``terminal``'s entries, when given): a
    store terminal asks for the newest of its journal entries central took; a central
    restored from an older backup holds it no more (services/feed.py)."""
    q = sa.select(outcome_c.terminal).where(outcome_c.id == key)
    found = conn.execute(q).first()
    return found is not None and (terminal is None or found[0] == terminal)
