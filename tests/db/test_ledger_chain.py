"""The tamper-evident ledger: every event is hashed into its (store, terminal) chain as it
is recorded, by every path that records events; ``db check`` re-computes the chains and
names the first event that breaks one; REPLACE (SQLite) and TRUNCATE (PostgreSQL) are
refused like UPDATE and DELETE."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from serialpos.db.engine import Database
from serialpos.domain.states import Action
from serialpos.services import ledger, products
from serialpos.services.asn.importing import import_asn_data
from serialpos.services.context import Actor
from serialpos.services.integrity import check_ledger


def shop(db: Database, admin: Actor) -> None:
    products.create_product(db, admin, sku="PH1", name="Phone", serial_mode="required")
    products.create_product(db, admin, sku="CB1", name="Cable")
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="PH1", serials=["A1", "A2", "A3"])
    ledger.move(db, admin, Action.SELL, store="S1", sku="PH1", serials=["A1"])
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="CB1", quantity=5)
    ledger.move(
        db, admin, Action.TRANSFER_OUT, store="S1", sku="PH1", serials=["A2"], to_store="S2"
    )
    ledger.move(db, admin, Action.TRANSFER_IN, store="S2", sku="PH1", serials=["A2"])
    import_asn_data(
        db, admin, "asn.csv", b"ASN,Vendor,SKU,Quantity,Serials\nN1,V,PH1,2,B1|B2\n", "S1"
    )


def chain_findings(db: Database) -> list[str]:
    return [f.detail for f in check_ledger(db) if f.rule == "ledger_chain"]


@contextmanager
def triggers_off(db: Database) -> Iterator[Connection]:
    """What an attacker with the database file or superuser rights can do."""
    with db.engine.begin() as conn:
        if db.dialect == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS ledger_event_no_update")
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS ledger_event_no_delete")
        else:
            conn.exec_driver_sql("ALTER TABLE ledger_event DISABLE TRIGGER USER")
        yield conn


def delete_events(conn: Connection, where: str) -> None:
    """Delete events as an attacker would: with the event feed rows that point at them."""
    conn.exec_driver_sql(
        f"DELETE FROM event_feed WHERE event_id IN (SELECT id FROM ledger_event WHERE {where})"
    )
    conn.exec_driver_sql(f"DELETE FROM ledger_event WHERE {where}")


def test_every_path_hashes_its_events_and_the_check_passes(db: Database, admin: Actor) -> None:
    shop(db, admin)
    with db.engine.connect() as conn:
        unhashed = conn.exec_driver_sql(
            "SELECT count(*) FROM ledger_event WHERE hash IS NULL OR chain_id IS NULL"
        ).scalar()
        chains = conn.exec_driver_sql(
            "SELECT s.code, c.terminal, c.seq FROM ledger_chain c JOIN store s "
            "ON s.id = c.store_id ORDER BY s.code"
        ).all()
        events = conn.exec_driver_sql("SELECT count(*) FROM ledger_event").scalar()
    assert unhashed == 0
    assert [(code, terminal) for code, terminal, _ in chains] == [
        ("S1", "test-terminal"),
        ("S2", "test-terminal"),
    ]
    assert sum(seq for _, _, seq in chains) == events
    assert check_ledger(db) == []


@pytest.mark.parametrize("change", ["user_name = 'mallory'", "at = at", "reason = 'oops'"])
def test_an_event_changed_afterwards_is_named(db: Database, admin: Actor, change: str) -> None:
    shop(db, admin)
    with triggers_off(db) as conn:
        if change == "at = at":  # moved in time by a second
            change = (
                "at = datetime(at, '+1 second')"
                if db.dialect == "sqlite"
                else "at = at + interval '1 second'"
            )
        conn.exec_driver_sql(f"UPDATE ledger_event SET {change} WHERE id = 3")
    assert chain_findings(db) == [
        "event 3 does not match its hash (changed after it was "
        "recorded) (chain of terminal test-terminal)"
    ]


def test_removed_events_are_named(db: Database, admin: Actor) -> None:
    shop(db, admin)
    ledger.move(db, admin, Action.RECEIVE, store="S1", sku="CB1", quantity=1)
    with db.engine.connect() as conn:
        last = conn.exec_driver_sql(
            "SELECT max(e.id) FROM ledger_event e JOIN store s ON s.id = e.store_id "
            "WHERE s.code = 'S1'"
        ).scalar()
    with triggers_off(db) as conn:
        delete_events(conn, "id = 2")
        delete_events(conn, f"id = {last}")
    found = chain_findings(db)
    assert found[0].startswith("event 3: event 2 of its chain is missing")
    assert found[1:] == []  # one chain, its first break named
    with triggers_off(db) as conn:
        delete_events(conn, "store_id = (SELECT id FROM store WHERE code = 'S2')")
    assert "all 1 event(s) of the chain are missing" in chain_findings(db)[1]


def test_an_event_slipped_in_is_named(db: Database, admin: Actor) -> None:
    shop(db, admin)
    with db.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO ledger_event (at, action, user_name, terminal, store_id, product_id, "
            "quantity) SELECT at, action, user_name, terminal, store_id, product_id, 7 "
            "FROM ledger_event WHERE id = 1"
        )
        new_id = conn.exec_driver_sql("SELECT max(id) FROM ledger_event").scalar()
    assert chain_findings(db) == [
        f"event {new_id} has no hash (1 event(s) outside the hash chain: inserted around serialpos)"
    ]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)  # REPLACE is SQLite's
def test_replace_of_an_event_is_refused_on_sqlite(db: Database, admin: Actor) -> None:
    shop(db, admin)
    for verb in ("REPLACE INTO", "INSERT OR REPLACE INTO"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.exec_driver_sql(
                f"{verb} ledger_event (id, at, action, user_name, terminal, store_id, "
                "product_id, unit_id, serial, from_state, to_state, quantity, chain_id, "
                "chain_seq, hash) SELECT id, at, action, 'mallory', terminal, store_id, "
                "product_id, unit_id, serial, from_state, to_state, quantity, chain_id, "
                "chain_seq, hash FROM ledger_event WHERE id = 2"
            )
    assert check_ledger(db) == []


@pytest.mark.parametrize(  # TRUNCATE triggers are PostgreSQL's
    "db_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_truncate_is_refused_on_postgres(db: Database, admin: Actor) -> None:
    shop(db, admin)
    for statement in (
        "TRUNCATE ledger_event, event_feed, sync_conflict",
        "TRUNCATE ledger_event CASCADE",
        "TRUNCATE store CASCADE",
    ):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.exec_driver_sql(statement)
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM ledger_event").scalar() == 9
    assert check_ledger(db) == []


def test_a_rolled_back_transaction_leaves_the_chain_whole(db: Database, admin: Actor) -> None:
    """The head cached for a transaction is not reused after it rolled back."""
    shop(db, admin)
    with pytest.raises(Exception, match="already sold"):
        ledger.move(db, admin, Action.SELL, store="S1", sku="PH1", serials=["A3", "A1"])
    ledger.move(db, admin, Action.SELL, store="S1", sku="PH1", serials=["A3"])
    assert check_ledger(db) == []


def test_events_removed_from_the_end_show_at_the_head(db: Database, admin: Actor) -> None:
    shop(db, admin)
    with db.engine.connect() as conn:
        last = conn.exec_driver_sql(
            "SELECT max(e.id) FROM ledger_event e JOIN store s ON s.id = e.store_id "
            "WHERE s.code = 'S1'"
        ).scalar()
    with triggers_off(db) as conn:
        delete_events(conn, f"id = {last}")
    assert chain_findings(db) == [
        "the chain's last 1 event(s) are missing (chain of terminal test-terminal)"
    ]


def test_the_migration_hashes_an_existing_ledger(db_url: str) -> None:
    """Events recorded before the hash chain existed are hashed by migration 0012, in id
    order, into their (store, terminal) chains (in batches on PostgreSQL)."""
    from datetime import datetime

    from serialpos.db import migrate

    db = Database(db_url)
    try:
        migrate.upgrade(db, "0012-1")
        # The shop is made by SQL: the services speak the newest schema, not this old one.
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO store (code, name, created_at) VALUES ('S1', 'Main Street', :now)"
                ),
                {"now": datetime(2026, 1, 1, 9, 0, 0)},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO product (sku, name, price, serial_mode, created_at, updated_at) "
                    "VALUES ('CB1', 'Cable', 0, 'disabled', :now, :now)"
                ),
                {"now": datetime(2026, 1, 1, 9, 0, 0)},
            )
        rows = [
            {
                "at": datetime(2026, 1, 1, 9, 0, n % 60, n),
                "terminal": f"till-{n % 3}",
                "q": 1 + n % 4,
            }
            for n in range(2_500)
        ]
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO ledger_event (at, action, user_name, terminal, store_id, "
                    "product_id, quantity) VALUES (:at, 'receive', 'old', :terminal, "
                    "(SELECT id FROM store), (SELECT id FROM product), :q)"
                ),
                rows,
            )
            conn.execute(
                sa.text(
                    "INSERT INTO stock_level (product_id, store_id, quantity) "
                    "SELECT product_id, store_id, SUM(quantity) FROM ledger_event "
                    "GROUP BY product_id, store_id"
                )
            )
        migrate.upgrade(db)
        assert check_ledger(db) == []
        with db.engine.connect() as conn:
            heads = conn.exec_driver_sql(
                "SELECT terminal, seq FROM ledger_chain ORDER BY terminal"
            ).all()
        assert heads == [("till-0", 834), ("till-1", 833), ("till-2", 833)]
        with triggers_off(db) as conn:
            conn.exec_driver_sql("UPDATE ledger_event SET quantity = 9 WHERE id = 2000")
        assert chain_findings(db) == [
            "event 2000 does not match its hash (changed after it "
            "was recorded) (chain of terminal till-1)"
        ]
    finally:
        db.dispose()


def test_two_processes_on_one_chain_keep_it_whole(db: Database, admin: Actor) -> None:
    """Each process hashes from the head as it last left it; when another process (here a
    second Database on the same file or server) moved the chain since, the conditional
    update refuses the guess, the head is read and the events are hashed again."""
    shop(db, admin)
    other = Database(db.url)
    try:
        ledger.move(other, admin, Action.RECEIVE, store="S1", sku="PH1", serials=["C1", "C2"])
        for serial, database in (("C1", db), ("C2", other), ("A3", db)):
            ledger.move(database, admin, Action.SELL, store="S1", sku="PH1", serials=[serial])
        ledger.move(other, admin, Action.RECEIVE, store="S1", sku="CB1", quantity=2)
    finally:
        other.dispose()
    with db.engine.connect() as conn:
        head = conn.exec_driver_sql(
            "SELECT c.seq FROM ledger_chain c JOIN store s ON s.id = c.store_id WHERE s.code = 'S1'"
        ).scalar()
        events = conn.exec_driver_sql(
            "SELECT count(*) FROM ledger_event e JOIN store s ON s.id = e.store_id "
            "WHERE s.code = 'S1'"
        ).scalar()
    assert head == events
    assert check_ledger(db) == []


def test_a_head_moved_in_a_rolled_back_transaction_is_read_again(
    db: Database, admin: Actor
) -> None:
    """A transaction that moved the head and then rolled back leaves the process's guess
    ahead of the row: the next move's update matches nothing, so the head is read."""
    shop(db, admin)

    def sell_then_fail(conn: Connection) -> None:
        ledger.move_in(conn, db, admin, ledger.Step(Action.SELL, "S1", "PH1", ["A3"]))
        raise RuntimeError("the till jammed")

    with pytest.raises(RuntimeError, match="till jammed"):
        db.write(sell_then_fail)
    ledger.move(db, admin, Action.SELL, store="S1", sku="PH1", serials=["A3"])
    assert check_ledger(db) == []


def test_a_head_moved_in_a_rolled_back_savepoint_is_read_again(db: Database, admin: Actor) -> None:
    """An apply line with an id runs in a savepoint of the batch's transaction: when it is
    refused after moving the head, the next line in the same transaction hashes from the
    head as the database has it, not as the refused line left it."""
    shop(db, admin)

    def batch(conn: Connection) -> None:
        savepoint = conn.begin_nested()
        ledger.move_in(conn, db, admin, ledger.Step(Action.SELL, "S1", "PH1", ["A3"]))
        savepoint.rollback()
        ledger.move_in(conn, db, admin, ledger.Step(Action.SELL, "S1", "PH1", ["A3"]))

    db.write(batch)
    assert check_ledger(db) == []
