"""The event feed of a bulk import (db/bulk_events.py, migration 0023) on SQLite and
PostgreSQL: the batch's feed numbers are the ones the trigger would have given (gap-free, in
id order, after the events before it), the trigger numbers every event after it, a batch that
fails leaves the trigger and the feed as they were, and ``db check`` sees a feed with a gap."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from stdnum import luhn

from serialpos.db import bulk, bulk_events, ledger_chain, repo
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.states import Action
from serialpos.services import feed, ledger, products
from serialpos.services.asn.importing import import_asn_data
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger


def imei(n: int) -> str:
    body = f"35693805{n:06d}"
    return body + luhn.calc_check_digit(body)


def asn_csv(asns: dict[str, list[list[str]]]) -> bytes:
    lines = ["ASN,Vendor,SKU,Quantity,Serials,CasePack"]
    for asn, rows in asns.items():
        lines += [f"{asn},V,PHONE,{len(s)},{'|'.join(s)}," for s in rows]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def phone(db: Database, admin: Actor) -> None:
    products.create_product(
        db, admin, sku="PHONE", name="Phone", serial_mode="required", serial_format="imei"
    )
    products.create_product(db, admin, sku="CAB", name="Cable")


def feed_rows(db: Database) -> list[tuple[int, int]]:
    return db.read(
        lambda conn: [
            (int(seq), int(event_id))
            for seq, event_id in conn.exec_driver_sql(
                "SELECT seq, event_id FROM event_feed ORDER BY seq"
            )
        ]
    )


def event_ids(db: Database) -> list[int]:
    query = "SELECT id FROM ledger_event ORDER BY id"
    return db.read(lambda conn: [int(i) for i in conn.exec_driver_sql(query).scalars()])


def test_an_import_is_numbered_as_the_trigger_would(
    db: Database, admin: Actor, phone: None
) -> None:
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="CAB", quantity=2)
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PHONE", serials=[imei(0)])
    listed = {
        "ASN-A": [[imei(n) for n in range(1, 40)], [imei(n) for n in range(40, 45)]],
        "ASN-B": [[imei(n) for n in range(45, 60)]],
    }
    result = import_asn_data(db, admin, "asn.csv", asn_csv(listed), "S1")
    assert result.serials == 59
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="CAB", quantity=1)
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PHONE", serials=[imei(99)])
    ids = event_ids(db)
    assert len(ids) == 2 + 59 + 2
    # Every event once, numbered 1..n in id order (one writer at a time here, so id order is
    # commit order): exactly what the trigger gives event by event.
    assert feed_rows(db) == list(enumerate(ids, start=1))
    page = feed.events_after(db, 2, 100)
    assert [e.serial for e in page.events[:59]] == [imei(n) for n in range(1, 60)]
    assert page.events[59].sku == "CAB" and page.events[60].serial == imei(99)
    assert feed.last_seq(db) == 63
    assert check_ledger(db) == []


def test_a_failed_batch_leaves_the_trigger_and_the_feed(
    db: Database, admin: Actor, phone: None
) -> None:
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="CAB", quantity=1)
    shared = {
        "at": utcnow(),
        "action": "expect",
        "user_name": "ada",
        "terminal": "t",
        "store_id": 1,
        "to_state": "expected",
        "quantity": 0,
    }

    def work(conn: Connection) -> None:
        pid = conn.execute(sa.select(repo.product_t.c.id).where(repo.product_t.c.sku == "CAB"))
        # The second has no such product: the insert fails on its foreign key.
        columns = {"product_id": [int(pid.scalar_one()), 999_999], "serial": ["G1", "B1"]}
        chained = ledger_chain.stamp_columns(conn, shared, columns)
        bulk_events.insert_events(conn, shared, {**columns, **chained})

    with pytest.raises(sa.exc.IntegrityError):
        db.write(work)
    assert len(event_ids(db)) == 1 and len(feed_rows(db)) == 1
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="CAB", quantity=1)
    assert feed_rows(db) == list(enumerate(event_ids(db), start=1))
    assert check_ledger(db) == []


def test_a_bulk_batch_of_two_chains_hashes_each_in_order(
    db: Database, admin: Actor, phone: None
) -> None:
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="CAB", quantity=1)
    shared = {"at": utcnow(), "action": "receive", "user_name": "ada", "quantity": 0}

    def work(conn: Connection) -> None:
        pid = conn.execute(sa.select(repo.product_t.c.id).where(repo.product_t.c.sku == "CAB"))
        cab = int(pid.scalar_one())
        columns: dict[str, list[object]] = {
            "terminal": [f"till-{n % 2}" for n in range(7)],
            "store_id": [1] * 7,
            "product_id": [cab] * 7,
            "reason": [f"r{n}" if n % 3 else None for n in range(7)],
        }
        chained = ledger_chain.stamp_columns(conn, shared, columns)
        assert chained["chain_seq"] == [1, 1, 2, 2, 3, 3, 4]  # each chain numbered on its own
        bulk_events.insert_events(conn, shared, {**columns, **chained})

    db.write(work)
    assert feed_rows(db) == list(enumerate(event_ids(db), start=1))
    assert check_ledger(db) == []  # every chain re-hashed from the rows as stored


def test_db_check_names_a_feed_with_a_gap(db: Database, admin: Actor, phone: None) -> None:
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="CAB", quantity=1)
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="CAB", quantity=1)
    assert check_ledger(db) == []
    db.write(lambda conn: conn.exec_driver_sql("DELETE FROM event_feed WHERE seq = 1"))
    findings = check_ledger(db)
    assert [(f.rule, f.detail) for f in findings] == [
        (
            "feed_numbers_every_event",
            "2 events, 1 numbered in the event feed, highest number 2",
        )
    ]


def ledger_triggers(conn: Connection) -> list[tuple[str, str]]:
    """The triggers on ``ledger_event`` with their text, as the database keeps them."""
    if conn.dialect.name == "sqlite":
        query = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
    else:
        query = (
            "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger "
            "WHERE tgrelid = 'ledger_event'::regclass ORDER BY tgname"
        )
    return [(str(name), str(text)) for name, text in conn.exec_driver_sql(query)]


def test_the_triggers_set_aside_are_back_after_a_batch(
    db: Database, admin: Actor, phone: None
) -> None:
    """SQLite sets the feed trigger and the no-replace guard aside for a batch: after an
    import and after a failed batch both are back, word for word, and still work."""
    before = db.read(ledger_triggers)
    names = {name for name, _sql in before}
    assert {"ledger_event_feed", "ledger_event_no_replace"} <= names or db.dialect != "sqlite"
    import_asn_data(db, admin, "a.csv", asn_csv({"ASN-T": [[imei(n) for n in range(5)]]}), "S1")
    assert db.read(ledger_triggers) == before

    def failing(conn: Connection) -> None:
        shared = {"at": utcnow(), "action": "expect", "user_name": "ada", "terminal": "t"}
        columns = {"store_id": [1], "product_id": [999_999], "quantity": [0]}
        chained = ledger_chain.stamp_columns(conn, shared, columns)
        bulk_events.insert_events(conn, shared, {**columns, **chained})

    with pytest.raises(sa.exc.IntegrityError):
        db.write(failing)
    assert db.read(ledger_triggers) == before
    if db.dialect == "sqlite":
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT OR REPLACE INTO ledger_event (id, at, action, user_name, terminal, "
                "store_id, product_id, quantity) SELECT id, at, action, 'mallory', terminal, "
                "store_id, product_id, quantity FROM ledger_event WHERE id = 1"
            )
    assert feed_rows(db) == list(enumerate(event_ids(db), start=1))
    assert check_ledger(db) == []


def test_rows_by_column_go_in_in_order_with_shared_values_typed(
    db: Database, admin: Actor, phone: None
) -> None:
    """``bulk.insert_columns``: one row per column value, in order (ids follow it), the
    shared values and a column of one value bound once with their column's type (a time
    read back as the time given), and no temporary table left behind."""
    now = utcnow()
    serials = [f"C{n:03d}" for n in range(300)]

    def work(conn: Connection) -> list[tuple[object, ...]]:
        pid = conn.execute(sa.select(repo.product_t.c.id).where(repo.product_t.c.sku == "PHONE"))
        product = int(pid.scalar_one())
        ids = bulk.insert_units(
            conn,
            {"state": "expected", "version": 1, "updated_at": now},
            {"product_id": [product] * 300, "store_id": [1] * 300, "serial": serials},
        )
        assert ids == list(range(ids[0], ids[0] + 300))
        if conn.dialect.name == "sqlite":
            left = conn.exec_driver_sql("SELECT name FROM sqlite_temp_master").all()
            assert left == []
        unit = repo.unit_t.c
        query = sa.select(unit.id, unit.serial, unit.store_id, unit.updated_at, unit.version)
        return [tuple(r) for r in conn.execute(query.where(unit.id >= ids[0]).order_by(unit.id))]

    rows = db.write(work)
    assert [r[1] for r in rows] == serials
    assert {r[2:] for r in rows} == {(1, now, 1)}
    with pytest.raises(ValueError, match="different lengths"):
        db.write(lambda conn: bulk.insert_columns(conn, repo.unit_t, {}, {"a": [1], "b": []}))


def test_every_feed_row_carries_its_events_store(db: Database, admin: Actor, phone: None) -> None:
    """Migration 0028: the trigger (an event at a time) and the bulk batch both copy the
    event's store onto its feed row, and a store's page is read by it."""
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="CAB", quantity=2)
    ledger.move(db, admin, Action.RECEIVE, store="S2", sku="PHONE", serials=[imei(0)])
    listed = {"ASN-C": [[imei(n) for n in range(1, 6)]]}
    assert import_asn_data(db, admin, "asn.csv", asn_csv(listed), "S2").serials == 5
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PHONE", serials=[imei(9)])
    rows = db.read(
        lambda conn: conn.exec_driver_sql(
            "SELECT f.store_id, e.store_id FROM event_feed f "
            "JOIN ledger_event e ON e.id = f.event_id ORDER BY f.seq"
        ).all()
    )
    assert len(rows) == 1 + 1 + 5 + 1
    assert all(feed_store == event_store for feed_store, event_store in rows), rows
    s2 = feed.events_after(db, 0, 100, store="S2").events
    assert [e.serial for e in s2] == [imei(n) for n in range(6)]
    assert {e.store for e in s2} == {"S2"}
