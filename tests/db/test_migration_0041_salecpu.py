"""Migration 0041 (a page fewer per counter sale on SQLite): an order enters an index on its
date only when it is a delivery (``ix_sale_order_delivery_day``, store and date, partial);
SQLite drops ``ix_sale_order_created_at``, PostgreSQL keeps it; the downgrade puts it back.
Every reader of an order's date still goes by an index on SQLite (EXPLAIN QUERY PLAN of the
statements the services send): the run sheet by the new one, the pick list and the
fulfilment report by store and status, the report without a store asked store by store."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import UTC, date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from serialpos.db import migrate
from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import fulfilment_report, ledger, picking, products
from serialpos.services.context import Actor
from serialpos.services.orders.header import open_order
from serialpos.services.orders.host import NewLine, create_order
from serialpos.services.orders.reading import get_order
from serialpos.services.report_filter import ReportFilter

on_sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
BY_DATE, DELIVERY_DAY = "ix_sale_order_created_at", "ix_sale_order_delivery_day"


def _indexes(db: Database) -> set[str]:
    return {ix["name"] for ix in sa.inspect(db.engine).get_indexes("sale_order") if ix["name"]}


def _downgrade(db: Database, revision: str) -> None:
    cfg = migrate._config()
    with db.engine.connect() as conn:
        conn.execution_options(serialpos_write=True)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
        conn.commit()


def test_0041_both_ways(db: Database, admin: Actor) -> None:
    on_sqlite = db.dialect == "sqlite"
    at_head = _indexes(db)
    assert DELIVERY_DAY in at_head and (BY_DATE in at_head) != on_sqlite, at_head
    _downgrade(db, "0040_till_last_seq")
    assert BY_DATE in _indexes(db) and DELIVERY_DAY not in _indexes(db)
    migrate.upgrade(db)
    assert _indexes(db) == at_head


def _plans(db: Database, call: Callable[[], Any]) -> list[str]:
    """EXPLAIN QUERY PLAN of each statement ``call`` sends that reads an order's date."""
    sent: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, sql: str, params: Any, *_rest: Any) -> None:
        if sql.lstrip().upper().startswith("SELECT") and "sale_order.created_at" in sql:
            sent.append((sql, params))

    sa.event.listen(db.engine, "before_cursor_execute", seen)
    try:
        call()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", seen)
    assert sent, "no statement read an order's date"
    assert db.engine.url.database is not None
    with sqlite3.connect(Path(db.engine.url.database)) as raw:
        return [
            " | ".join(row[3] for row in raw.execute(f"EXPLAIN QUERY PLAN {sql}", params))
            for sql, params in sent
        ]


@pytest.fixture
def orders(db: Database, admin: Actor) -> date:
    """A delivery and a counter sale at S1, an empty order at S2; the local day the delivery
    was opened, as the run sheet counts days."""
    products.create_product(db, admin, sku="PH1", name="Phone", serial_mode="required")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", serials=["D1", "C1"])
    made, _ = create_order(db, admin, "S1", "sale", "delivery", None, [NewLine("PH1", "D1")])
    create_order(db, admin, "S1", lines=[NewLine("PH1", "C1")])
    open_order(db, admin, "S2")
    return get_order(db, made.order).created_at.replace(tzinfo=UTC).astimezone().date()


@on_sqlite_only
def test_only_a_delivery_order_enters_the_delivery_index(db: Database, orders: date) -> None:
    assert db.engine.url.database is not None
    with sqlite3.connect(Path(db.engine.url.database)) as raw:
        (entries,) = raw.execute(
            "SELECT sum(ncell) FROM dbstat WHERE name = ? AND pagetype = 'leaf'", (DELIVERY_DAY,)
        ).fetchone()
        (deliveries,) = raw.execute(
            "SELECT count(*) FROM sale_order WHERE delivery = 'delivery'"
        ).fetchone()
    assert entries == deliveries == 1


@on_sqlite_only
def test_the_run_sheet_goes_by_the_delivery_index(db: Database, admin: Actor, orders: date) -> None:
    found: list[str] = []
    plan, *stops = _plans(
        db,
        lambda: found.extend(s.order for s in picking.run_sheet(db, admin, "S1", orders).stops),
    )
    assert all("SCAN sale_order" not in p for p in stops), stops  # each stop's order by number
    assert f"sale_order USING INDEX {DELIVERY_DAY} (store_id=? AND created_at>?" in plan, plan
    assert "SCAN sale_order" not in plan, plan
    assert len(found) == 1  # the delivery, not the counter sale nor S2's order


@on_sqlite_only
@pytest.mark.parametrize(
    "wanted",
    [
        ReportFilter(),
        ReportFilter(date_from=date(2026, 1, 1), date_to=date(2026, 12, 31)),
        ReportFilter(date_from=date(2026, 1, 1)),
        ReportFilter(sku="PH1"),
        ReportFilter(delivery="delivery"),
        ReportFilter(store="S1", date_from=date(2026, 1, 1), date_to=date(2026, 12, 31)),
    ],
)
def test_the_fulfilment_report_goes_by_store_and_status(
    db: Database, orders: date, wanted: ReportFilter
) -> None:
    """Waiting orders (open or parked) are few; with no store they are asked store by store,
    not by reading every order line (no filter, a SKU, a delivery mode) or every order of
    the dates (the index on the date alone, gone)."""
    [plan] = _plans(db, lambda: fulfilment_report.fulfilment_rows(db, wanted))
    assert "sale_order USING INDEX ix_sale_order_store_status (store_id=? AND status=?)" in plan
    assert "SCAN sale_order" not in plan and "SCAN order_line" not in plan, plan


@on_sqlite_only
def test_the_pick_list_of_a_day_goes_by_store_and_status(
    db: Database, admin: Actor, orders: date
) -> None:
    [plan] = _plans(db, lambda: picking.pick_list(db, admin, "S1", on=orders))
    assert "sale_order USING INDEX ix_sale_order_store_status (store_id=? AND status=?)" in plan
    assert "SCAN sale_order" not in plan, plan


def test_the_fulfilment_report_without_a_store_lists_every_store(
    db: Database, orders: date
) -> None:
    rows = fulfilment_report.fulfilment_rows(db, ReportFilter())
    assert sorted((r.store, r.serial) for r in rows) == [("S1", "C1"), ("S1", "D1")]
