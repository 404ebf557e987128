"""The event feed of a bulk import (db/bulk_events.py, migration 0023) on SQLite and
PostgreSQL: the batch's feed numbers are the ones the trigger would have given (gap-free, in
id order, after the events before it), the trigger numbers every event after it, a batch that
fails leaves the trigger and the feed as they were, and ``db check`` sees a feed with a gap."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from stdnum import luhn

from serialpos.db import bulk_events, ledger_chain, repo
from serialpos.db.engine import Database
from serialpos.db.tables import utcnow
from serialpos.domain.ledger_chain import HASHED_FIELDS
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
    keys = list(HASHED_FIELDS)
    now = utcnow()

    def event(product_id: int, serial: str) -> tuple[object, ...]:
        values = {
            "at": now,
            "action": "expect",
            "user_name": "ada",
            "terminal": "t",
            "store_id": 1,
            "product_id": product_id,
            "serial": serial,
            "to_state": "expected",
            "quantity": 0,
        }
        return tuple(values.get(k) for k in keys)

    def work(conn: Connection) -> None:
        pid = conn.execute(sa.select(repo.product_t.c.id).where(repo.product_t.c.sku == "CAB"))
        good = event(int(pid.scalar_one()), "G1")
        bad = event(999_999, "B1")  # no such product: the insert fails on its foreign key
        hashed_keys, hashed = ledger_chain.stamp_rows(conn, keys, [good, bad])
        bulk_events.insert_events(conn, hashed_keys, hashed)

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
    keys = list(HASHED_FIELDS)
    now = utcnow()

    def work(conn: Connection) -> None:
        pid = conn.execute(sa.select(repo.product_t.c.id).where(repo.product_t.c.sku == "CAB"))
        cab = int(pid.scalar_one())
        rows = [
            tuple(
                {
                    "at": now,
                    "action": "receive",
                    "user_name": "ada",
                    "terminal": f"till-{n % 2}",
                    "store_id": 1,
                    "product_id": cab,
                    "to_state": None,
                    "quantity": 0,
                    "reason": f"r{n}" if n % 3 else None,
                }.get(k)
                for k in keys
            )
            for n in range(7)
        ]
        hashed_keys, hashed = ledger_chain.stamp_rows(conn, keys, rows)
        bulk_events.insert_events(conn, hashed_keys, hashed)

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
