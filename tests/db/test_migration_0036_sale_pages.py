"""Migration 0036 (sale pages) on SQLite and PostgreSQL: ``ix_serial_unit_reserved_line``
dropped, on SQLite ``ix_invoice_issued_at`` dropped too; the downgrade puts them back; the
event feed keeps its UNIQUE (event_id) and its rows. The sales report's date range over
every store still goes by an index on SQLite (by store and date)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from serialpos.db import migrate
from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import ledger, products, reports
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger
from serialpos.services.report_filter import Where

on_sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _indexes(db: Database, table: str) -> set[str]:
    inspector = sa.inspect(db.engine)
    named = {ix["name"] for ix in inspector.get_indexes(table) if ix["name"]}
    uniques = {uq["name"] for uq in inspector.get_unique_constraints(table) if uq["name"]}
    if db.dialect == "sqlite":  # SQLite's automatic indexes, as dbstat names their pages
        with db.engine.connect() as conn:
            auto = conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? "
                "AND name LIKE 'sqlite_autoindex_%'",
                (table,),
            )
            named |= {str(name) for (name,) in auto}
    return named | uniques


def _feed(db: Database) -> list[tuple[int, int, int | None]]:
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT seq, event_id, store_id FROM event_feed ORDER BY seq")
        return [(int(s), int(e), None if st is None else int(st)) for s, e, st in rows]


def _downgrade(db: Database, revision: str) -> None:
    cfg = migrate._config()
    with db.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
        conn.commit()


def test_0036_both_ways(db: Database, admin: Actor) -> None:
    products.create_product(db, admin, sku="PH1", name="Phone", serial_mode="required")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", serials=["M1", "M2"])
    ledger.move(db, admin, Action.SELL, store="S1", sku="PH1", serials=["M1"])
    feed_unique = "event_feed_event_id_key" if db.dialect == "postgresql" else None
    at_head = _indexes(db, "event_feed")
    assert "ix_serial_unit_reserved_line" not in _indexes(db, "serial_unit")
    # The feed keeps the database's refusal of an event numbered twice.
    assert (feed_unique or "sqlite_autoindex_event_feed_1") in at_head, at_head
    feed = _feed(db)
    assert [seq for seq, _e, _s in feed] == [1, 2, 3]
    by_date = (db.dialect == "postgresql") == ("ix_invoice_issued_at" in _indexes(db, "invoice"))
    assert by_date and "ix_invoice_store_issued_at" in _indexes(db, "invoice")

    _downgrade(db, "0035_journal_orders")
    assert "ix_serial_unit_reserved_line" in _indexes(db, "serial_unit")
    assert {"ix_invoice_issued_at", "ix_invoice_store_issued_at"} <= _indexes(db, "invoice")
    before = _indexes(db, "event_feed")
    assert "ix_event_feed_store_seq" in before
    assert (feed_unique or "sqlite_autoindex_event_feed_1") in before
    assert _feed(db) == feed

    migrate.upgrade(db)
    assert _indexes(db, "event_feed") == at_head
    assert (db.dialect == "postgresql") == ("ix_invoice_issued_at" in _indexes(db, "invoice"))
    assert "ix_serial_unit_reserved_line" not in _indexes(db, "serial_unit")
    assert _feed(db) == feed
    # The feed numbers the next event next.
    ledger.move(db, admin, Action.SELL, store="S1", sku="PH1", serials=["M2"])
    assert [seq for seq, _e, _s in _feed(db)] == [1, 2, 3, 4]
    assert check_ledger(db) == []


@on_sqlite_only
@pytest.mark.parametrize(
    ("start", "end", "bounds"),
    [
        (datetime(2026, 11, 1), datetime(2026, 11, 2), "issued_at>? AND issued_at<?"),
        (datetime(2026, 11, 1), None, "issued_at>?"),
        (None, datetime(2026, 11, 2), "issued_at<?"),
    ],
)
def test_a_date_range_over_every_store_goes_by_store_and_date(
    db: Database, start: datetime | None, end: datetime | None, bounds: str
) -> None:
    """Without ``ix_invoice_issued_at`` the sales report (its rows, its totals and the
    export share these terms) still finds a date range's invoices by an index, one range
    of ``ix_invoice_store_issued_at`` per store, not by reading every invoice."""
    where = Where(None, start, end, None, None, None, False)
    query = reports._sales_select(where, "sqlite")
    sql = str(query.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))
    assert db.engine.url.database is not None
    with sqlite3.connect(Path(db.engine.url.database)) as raw:
        plan = " ".join(row[3] for row in raw.execute(f"EXPLAIN QUERY PLAN {sql}"))
    wanted = f"invoice USING INDEX ix_invoice_store_issued_at (store_id=? AND {bounds})"
    assert wanted in plan and "SCAN invoice" not in plan, plan
