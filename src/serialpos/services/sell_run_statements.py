"""The statements of a run of plain sales at central, one each for the whole run
(services/entry_sells.py decides the verdicts).

A run of thousands of sales is cheap only because each of these is one statement for all
its entries, not one per entry: the numbers the sales carry that a document already has,
the ids claimed (and given back when the run ends early), and the units locked. On
PostgreSQL each is built once and run prepared with arrays, so every run sends the same
text whatever its length.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from serialpos.db import apply_outcomes, repo
from serialpos.db import order_repo as orepo
from serialpos.db.one_of import any_param, one_of
from serialpos.db.prepared import Prepared
from serialpos.db.tables import utcnow
from serialpos.services.entry_sale_rows import Sell

#: The series a sale makes documents of, and the table whose numbers each must not reuse.
SERIES = {"order": orepo.order_t, "invoice": orepo.invoice_t}


def taken(conn: Connection, sells: Sequence[Sell]) -> set[tuple[str, str]]:
    """(series, number) of the numbers ``sells`` carry that a document already has, in one
    statement for the whole run (the one-by-one path asks once per document)."""
    asked = {
        series: sorted({s.numbers[series] for s in sells if series in s.numbers})
        for series in SERIES
    }
    if not any(asked.values()):
        return set()
    if conn.dialect.name == "postgresql":
        params = {f"n_{series}": numbers for series, numbers in asked.items()}
        return {(str(r[0]), str(r[1])) for r in _TAKEN.rows(conn, params)}
    selects = [
        sa.select(sa.literal(series).label("series"), table.c.number).where(
            one_of(conn, table.c.number, asked[series])
        )
        for series, table in SERIES.items()
        if asked[series]
    ]
    if not selects:
        return set()
    return {(str(r[0]), str(r[1])) for r in conn.execute(sa.union_all(*selects))}


#: :func:`taken` on PostgreSQL, built once and run prepared: both series' numbers as arrays
#: (an empty one matches nothing), so every run sends the same statement.
_TAKEN = Prepared(
    sa.union_all(
        *(
            sa.select(sa.literal(series).label("series"), table.c.number).where(
                any_param(table.c.number, f"n_{series}")
            )
            for series, table in SERIES.items()
        )
    )
)


_UNIT_COLUMNS = (
    repo.unit_t.c.id,
    repo.unit_t.c.serial,
    repo.unit_t.c.state,
    repo.unit_t.c.store_id,
    repo.unit_t.c.version,
    repo.unit_t.c.reserved_line_id,
)


def lock_units(conn: Connection, product_id: int, serials: list[str]) -> dict[str, repo.UnitRow]:
    """The product's units with these serials, locked until commit (PostgreSQL; SQLite's
    writer holds the database), in id order so two runs never wait on each other in a ring."""
    rows: Sequence[Any]
    if conn.dialect.name == "postgresql":
        rows = _LOCK_UNITS.rows(conn, {"product_id": product_id, "serials": serials})
    else:
        where = _lock_units_where(one_of(conn, repo.unit_t.c.serial, serials))
        rows = conn.execute(where, {"product_id": product_id}).all()
    return {
        r.serial: repo.UnitRow(r.id, r.state, r.store_id, r.version, r.reserved_line_id)
        for r in rows
    }


def _lock_units_where(serial_is: sa.ColumnElement[bool]) -> sa.Select[Any]:
    return (
        sa.select(*_UNIT_COLUMNS)
        .where(repo.unit_t.c.product_id == sa.bindparam("product_id"), serial_is)
        .order_by(repo.unit_t.c.id)
        .with_for_update()
    )


#: :func:`lock_units` on PostgreSQL, built once and run prepared.
_LOCK_UNITS = Prepared(_lock_units_where(any_param(repo.unit_t.c.serial, "serials")))


def _claim_statement(insert: Any) -> sa.Executable:
    claim: sa.Executable = (
        insert(apply_outcomes.outcome_t)
        .on_conflict_do_nothing(index_elements=["id"])
        .returning(apply_outcomes.outcome_t.c.id)
    )
    return claim


#: The claimed row's columns a run gives, one value per entry.
_CLAIM_KEYS = ("id", "body_sha256", "op", "user_name", "terminal")


def _claim_arrays() -> sa.Executable:
    """PostgreSQL's claim of a whole run: one array per column, the rows made by ``unnest``.
    Many rows in one VALUES (SQLAlchemy's "insertmanyvalues") made a new SQL text for each
    run's length, seven parameters a row: too long for psycopg's cache of parsed statements
    (parsed again with a regular expression every time: a tenth of a push's CPU at central)
    and never prepared. This text is the same for every run. The arrays' text type has no
    length, so a value too long for its column is refused, never cut."""
    outcome_t = apply_outcomes.outcome_t
    arrays: list[sa.BindParameter[Any]] = [
        sa.bindparam(k, type_=postgresql.ARRAY(sa.String())) for k in _CLAIM_KEYS
    ]
    # Each entry's journal number (migration 0040), claimed with its id.
    arrays.append(sa.bindparam("journal_seq", type_=postgresql.ARRAY(sa.BigInteger())))
    given = (
        sa.func.unnest(*arrays)
        .table_valued(*_CLAIM_KEYS, "journal_seq")
        .render_derived(name="given")
    )
    rows = sa.select(
        *(given.c[k] for k in (*_CLAIM_KEYS, "journal_seq")),
        sa.bindparam("applied_at", type_=outcome_t.c.applied_at.type),
        sa.literal("", sa.Text()),
    )
    claim: sa.Executable = (
        postgresql.insert(outcome_t)
        .from_select([*_CLAIM_KEYS, "journal_seq", "applied_at", "outcome"], rows)
        .on_conflict_do_nothing(index_elements=["id"])
        .returning(outcome_t.c.id)
    )
    return claim


#: Built once: on PostgreSQL one row per array element; on SQLite many rows in one
#: statement (SQLAlchemy's "insertmanyvalues"); the ids that were free returned.
_CLAIM = {
    "postgresql": _claim_arrays(),
    "sqlite": _claim_statement(sqlite.insert),
}


#: The claim on PostgreSQL, run prepared (its text is the same for every run).
_CLAIM_PG = Prepared(_CLAIM["postgresql"])


def claim_all(conn: Connection, sells: Sequence[Sell]) -> set[str]:
    """Claim the ids of ``sells`` in one statement (as apply_outcomes.claim does one):
    the ids claimed; an id missing landed meanwhile through another request."""
    if not sells:
        return set()
    now = utcnow()
    rows = [
        {
            "id": s.entry.key,
            "body_sha256": s.entry.body_sha256,
            "op": s.entry.op,
            "user_name": s.entry.actor.user,
            "terminal": s.entry.actor.terminal,
            "journal_seq": s.entry.seq,
        }
        for s in sells
    ]
    if conn.dialect.name == "postgresql":
        keys = (*_CLAIM_KEYS, "journal_seq")
        columns: dict[str, Any] = {k: [row[k] for row in rows] for k in keys}
        return {str(r[0]) for r in _CLAIM_PG.rows(conn, {**columns, "applied_at": now})}
    else:
        claimed = conn.execute(
            _CLAIM["sqlite"], [row | {"applied_at": now, "outcome": ""} for row in rows]
        )
    return {str(r[0]) for r in claimed}


def unclaim(conn: Connection, keys: list[str]) -> None:
    if not keys:
        return
    if conn.dialect.name == "postgresql":
        _UNCLAIM.run(conn, {"keys": keys})
        return
    outcome_c = apply_outcomes.outcome_t.c
    conn.execute(sa.delete(apply_outcomes.outcome_t).where(one_of(conn, outcome_c.id, keys)))


#: :func:`unclaim` on PostgreSQL, built once and run prepared.
_UNCLAIM = Prepared(
    sa.delete(apply_outcomes.outcome_t).where(any_param(apply_outcomes.outcome_t.c.id, "keys"))
)


#: The next order id taken and left unused (services/entry_sells.py ``_conflict``), run prepared.
ORDER_ID_TAKEN = Prepared(
    sa.select(sa.func.nextval(sa.func.pg_get_serial_sequence(orepo.order_t.name, "id")))
)
