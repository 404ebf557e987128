"""The pages a ledger event writes (migration 0033): ``ix_ledger_event_product_store`` is
gone, and on SQLite the event feed's ``seq`` is its table's rowid, so an event enters the
feed's table and its two indexes (event id, store and seq), not a third on ``seq``. The one
query that found events by product now finds them by the unit. And SQLite's sale tables test
their CHECKs by ``=`` terms: no temporary B-tree built for a row written."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from test_sale_pages import _written

from serialpos.db import conflict_sql, repo
from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import feed, ledger, products
from serialpos.services.context import Actor

on_sqlite_only = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def sqlite_file(db: Database) -> Path:
    assert db.dialect == "sqlite" and db.engine.url.database is not None
    return Path(db.engine.url.database)


@on_sqlite_only
def test_an_event_writes_the_feed_table_and_two_indexes(
    db: Database, admin: Actor, sqlite_file: Path
) -> None:
    products.create_product(db, admin, sku="PH1", name="Phone", serial_mode="required")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", serials=["E1"])
    written = _written(
        sqlite_file,
        lambda: ledger.move(db, admin, Action.SELL, store="S1", sku="PH1", serials=["E1"]),
    )
    with sqlite3.connect(sqlite_file) as raw:
        feed_indexes = {
            str(name) for (name,) in raw.execute("SELECT name FROM pragma_index_list('event_feed')")
        }
    assert "event_feed" in written and "ix_event_feed_store_seq" in written
    assert len(feed_indexes) == 2 and len(written & feed_indexes) == 2, (feed_indexes, written)
    assert "ix_ledger_event_product_store" not in written
    assert [e.serial for e in feed.events_after(db, 0, 10).events] == ["E1", "E1"]


@on_sqlite_only
def test_the_newest_event_of_a_unit_is_found_by_the_unit(db: Database, sqlite_file: Path) -> None:
    sql = str(conflict_sql._UNIT_EVENTS.statement.compile(dialect=db.engine.dialect))
    with sqlite3.connect(sqlite_file) as raw:
        bound = ("", "", "", "", "", 32)  # the unit's sku and serial twice over, the limit
        plan = " ".join(row[3] for row in raw.execute(f"EXPLAIN QUERY PLAN {sql}", bound))
    assert "ledger_event USING INDEX ix_ledger_event_unit" in plan, plan
    assert "SCAN ledger_event" not in plan, plan


def test_the_newest_event_of_a_unit_is_its_own(db: Database, admin: Actor) -> None:
    """The same serial on two products (the first sold before the second came in, a manager
    accepting it as shared): each (SKU, serial) names its own unit's last event."""
    for sku in ("PH1", "PH2"):
        products.create_product(db, admin, sku=sku, name=sku, serial_mode="required")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", serials=["SAME"])
    ledger.move(db, admin, Action.SELL, store="S1", sku="PH1", serials=["SAME"])
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH2", serials=["SAME"], shared_by=admin)
    ev = repo.event_t.c

    def newest(sku: str) -> int:
        q = (
            sa.select(sa.func.max(ev.id))
            .join(repo.product_t, repo.product_t.c.id == ev.product_id)
            .where(repo.product_t.c.sku == sku)
        )
        return int(db.read(lambda conn: conn.execute(q).scalar_one()))

    found = db.read(
        lambda conn: {
            sku: conflict_sql.last_unit_event(conn, sku, "SAME") for sku in ("PH1", "PH2", "PH3")
        }
    )
    assert found == {"PH1": newest("PH1"), "PH2": newest("PH2"), "PH3": None}
    assert found["PH1"] < found["PH2"]


def _feed_shape(db: Database) -> tuple[set[str], list[tuple[int, int]]]:
    inspector = sa.inspect(db.engine)
    indexes = {str(ix["name"]) for ix in inspector.get_indexes("ledger_event")}
    rows = db.read(
        lambda conn: [
            (int(seq), int(event))
            for seq, event in conn.exec_driver_sql(
                "SELECT seq, event_id FROM event_feed ORDER BY seq"
            )
        ]
    )
    return indexes, rows


def test_migration_0033_both_ways(db: Database, admin: Actor) -> None:
    """On SQLite and PostgreSQL: the downgrade (to 0031) puts the product index back and
    SQLite's ``seq`` as it was, the feed's rows and its trigger kept each way."""
    from alembic import command

    from serialpos.db import migrate

    products.create_product(db, admin, sku="PH1", name="Phone", serial_mode="required")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", serials=["M1", "M2"])
    indexes, rows = _feed_shape(db)
    assert "ix_ledger_event_product_store" not in indexes and len(rows) == 2

    def seq_type() -> str:
        if db.dialect != "sqlite":
            return ""
        return str(
            db.read(
                lambda conn: conn.exec_driver_sql(
                    "SELECT type FROM pragma_table_info('event_feed') WHERE name = 'seq'"
                ).scalar_one()
            )
        )

    assert seq_type() in {"INTEGER", ""}

    def listed() -> bool:
        if db.dialect != "sqlite":
            return False
        sql = db.read(
            lambda conn: conn.exec_driver_sql(
                "SELECT group_concat(sql) FROM sqlite_master WHERE type = 'table' "
                "AND name IN ('sale_order', 'order_line', 'order_payment')"
            ).scalar_one()
        )
        return " IN (" in str(sql)

    assert not listed()
    cfg = migrate._config()
    with db.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0032_pull_dedup")
        conn.commit()
    before, kept = _feed_shape(db)
    assert "ix_ledger_event_product_store" in before and kept == rows
    assert seq_type() in {"BIGINT", ""}
    assert listed() == (db.dialect == "sqlite")
    migrate.upgrade(db)
    ledger.move(db, admin, Action.SELL, store="S1", sku="PH1", serials=["M1"])
    after, numbered = _feed_shape(db)
    assert after == indexes and numbered[:2] == rows and [s for s, _e in numbered] == [1, 2, 3]
    assert seq_type() in {"INTEGER", ""} and not listed()


#: A row of each sale table written with every listed column given, no RETURNING.
_WRITES = {
    "sale_order": "INSERT INTO sale_order (number, store_id, type, delivery, status, "
    "created_by, terminal, created_at, updated_at) VALUES ('N', 1, ?, ?, ?, 'u', 't', "
    "'2026-12-04 00:00:00', '2026-12-04 00:00:00')",
    "order_line": "UPDATE order_line SET status = ? WHERE id = 1",
    "order_payment": "INSERT INTO order_payment (order_id, kind, method, amount, at, "
    "user_name) VALUES (1, ?, 'cash', 1, '2026-12-04 00:00:00', 'u')",
}


@on_sqlite_only
@pytest.mark.parametrize("table", sorted(_WRITES))
def test_a_sale_row_written_builds_no_temporary_btree(
    db: Database, sqlite_file: Path, table: str
) -> None:
    sql = _WRITES[table]
    with sqlite3.connect(sqlite_file) as raw:
        ops = [row[1] for row in raw.execute(f"EXPLAIN {sql}", ("sale",) * sql.count("?"))]
    assert "OpenEphemeral" not in ops, table


@pytest.mark.parametrize(
    ("column", "good"),
    [("type", "layby"), ("delivery", "pickup"), ("status", "parked"), ("status", "nonsense")],
)
def test_the_sale_order_checks_refuse_and_accept_as_before(
    db: Database, column: str, good: str
) -> None:
    values = {"type": "sale", "delivery": "cash_and_carry", "status": "open", column: good}
    insert = sa.text(
        "INSERT INTO sale_order (number, store_id, type, delivery, status, created_by, "
        "terminal, created_at, updated_at) VALUES (:number, "
        "(SELECT id FROM store WHERE code = 'S1'), :type, :delivery, :status, 'u', 't', "
        "'2026-12-04 00:00:00', '2026-12-04 00:00:00')"
    )

    def write(conn: sa.Connection) -> None:
        conn.execute(insert, {"number": f"N-{column}-{good}", **values})

    if good == "nonsense":
        with pytest.raises(sa.exc.IntegrityError, match=r"ck_sale_order_status"):
            db.write(write)
    else:
        db.write(write)
