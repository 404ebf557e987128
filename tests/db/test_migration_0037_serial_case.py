"""Migration 0037 (serial case) on SQLite and PostgreSQL: ``ix_serial_unit_serial_folded`` on
the serial folded as domain/serial_case.py folds it, made and dropped both ways; the look-ups
by folded serial (a new unit's check, the ASN's bulk check, ``db check``'s rule) go by it
(EXPLAIN QUERY PLAN / EXPLAIN), and both databases fold only ASCII letters."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import command

from serialpos.db import migrate, repo, serial_case_sql
from serialpos.db.engine import Database
from serialpos.domain.serial_case import fold
from serialpos.domain.states import Action
from serialpos.services import ledger, products, scan_resolver
from serialpos.services.context import Actor

INDEX = serial_case_sql.INDEX


def _indexes(db: Database) -> set[str]:
    """The table's index names (the inspector leaves SQLite's expression indexes out)."""
    if db.dialect == "postgresql":
        sql = (
            "SELECT indexname FROM pg_indexes "
            "WHERE tablename = 'serial_unit' AND schemaname = current_schema()"
        )
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'serial_unit'"
    with db.engine.connect() as conn:
        return {str(name) for (name,) in conn.exec_driver_sql(sql)}


def _downgrade(db: Database, revision: str) -> None:
    cfg = migrate._config()
    with db.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
        conn.commit()


def _plan(db: Database, query: Any, params: dict[str, Any]) -> str:
    """The plan of ``query`` as the database would run it (index use forced visible on
    PostgreSQL, whose planner scans a table of a few rows whatever the indexes)."""
    explain = "EXPLAIN" if db.dialect == "postgresql" else "EXPLAIN QUERY PLAN"
    with db.engine.connect() as conn:
        if db.dialect == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")
        if isinstance(query, str):  # driver SQL, as db/serial_case_sql.py runs it
            rows = conn.exec_driver_sql(f"{explain} {query}", tuple(params.values()))
        else:
            compiled = query.compile(dialect=conn.dialect)
            values = compiled.construct_params(params)
            args: Any = values
            if compiled.positiontup is not None:
                args = tuple(values[name] for name in compiled.positiontup)
            rows = conn.exec_driver_sql(f"{explain} {compiled}", args)
        return "\n".join(str(r[-1]) for r in rows)


def test_0037_both_ways(db: Database, admin: Actor) -> None:
    products.create_product(db, admin, sku="PH1", name="Phone", serial_mode="required")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", serials=["W2D-9"])
    assert INDEX in _indexes(db)
    _downgrade(db, "0036_sale_pages")
    assert INDEX not in _indexes(db)
    migrate.upgrade(db)
    assert INDEX in _indexes(db)
    with db.engine.connect() as conn:
        twins = scan_resolver.case_twins(conn, "w2d-9")
    assert [(u.serial, u.product.sku) for u in twins] == [("W2D-9", "PH1")]


def test_both_databases_fold_ascii_letters_only(db: Database) -> None:
    """The index's expression folds as the domain does: A-Z only, never É (PostgreSQL's plain
    lower() would, following the collation)."""
    texts = ["W2D-9", "ÉCLAIR-Ä1", "straße", "İI"]
    expr = serial_case_sql.folded(db.dialect, sa.bindparam("t", type_=sa.String()))
    with db.engine.connect() as conn:
        got = [conn.execute(sa.select(expr), {"t": t}).scalar_one() for t in texts]
    assert got == [fold(t) for t in texts] == ["w2d-9", "Éclair-Ä1", "straße", "İi"]


def test_the_folded_lookups_use_the_index(db: Database, admin: Actor) -> None:
    products.create_product(db, admin, sku="PH1", name="Phone", serial_mode="required")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", serials=["W2D-9", "X-1"])
    one = scan_resolver._FOLDED_QUERIES[db.dialect]
    assert INDEX in _plan(db, one, {"key": "w2d-9", "serial": "w2d-9"})
    u = repo.unit_t.c
    if db.dialect == "postgresql":
        bulk: Any = sa.select(u.serial).where(
            serial_case_sql.folded("postgresql") == sa.any_(sa.bindparam("keys"))
        )
        assert INDEX in _plan(db, bulk, {"keys": ["w2d-9", "x-1"]})
    else:  # the ASN check's driver SQL (db/serial_case_sql.units_folded)
        bulk = (
            "SELECT serial, product_id, state, store_id FROM serial_unit "
            "WHERE lower(serial) IN (?, ?)"
        )
        assert f"USING INDEX {INDEX}" in _plan(db, bulk, {"a": "w2d-9", "b": "x-1"})
