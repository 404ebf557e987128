"""Customer records made or edited at a store terminal reach central and the store's other
terminals (issue 16, item 1): a record is journaled as ``customer_upsert`` under a key minted
at the till, the sale names it by that key with every detail (email included), a resend
changes nothing, and central's records reach every till by the snapshot and each sync.
Edits at two places keep each field changed; the same field takes the edit central applied
last (services/customer_sync.py)."""

from __future__ import annotations

import json

from terminal_chain import Chain, Terminal, till_db

from serialpos.db import journal
from serialpos.db.engine import Database
from serialpos.domain.customers import CustomerFields
from serialpos.services.customers import add_customer, edit_customer
from serialpos.services.order_customer import attach_customer
from serialpos.services.orders import NewOrder, add_item, fulfil
from serialpos.terminal.client import CentralClient


def _record(rows: list[tuple[object, ...]]) -> dict[str, object]:
    [(cid, name, phone, email, address)] = rows
    return {"id": cid, "name": name, "phone": phone, "email": email, "address": address}


def _on_till(till: Terminal, key: str) -> dict[str, object]:
    return _record(
        till.query("SELECT id, name, phone, email, address FROM customer WHERE key = :k", k=key)
    )


def _at_central(chain: Chain, key: str) -> dict[str, object]:
    with chain.server.db.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT id, name, phone, email, address FROM customer WHERE key = %(k)s", {"k": key}
        ).all()
    return _record([tuple(r) for r in rows])


def test_a_record_made_offline_reaches_central_and_the_other_till(
    chain: Chain, opened: list[Database]
) -> None:
    old = json.loads(
        chain.central(
            "customers", "add", "Olle Old", "--email", "olle@example.com", "--json", user="ada"
        ).stdout
    )
    assert old["key"] and len(old["key"]) == 32
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "CU-1"})[0]["ok"]
    till_a, till_b = chain.terminal("cu-a"), chain.terminal("cu-b")
    # Central's records come with the snapshot, by key (each till its own ids).
    assert _on_till(till_a, old["key"])["email"] == "olle@example.com"
    assert _on_till(till_b, old["key"])["name"] == "Olle Old"

    # Offline at till A: a new record, then a sale to it.
    db_a, mia = till_db(till_a, opened)
    zoe = add_customer(
        db_a, mia, CustomerFields("Zoë Brandt", "0770 900 123", "zoe@example.com", "1 Main St")
    )
    assert zoe.key and zoe.key != old["key"]
    added = add_item(db_a, mia, None, sku="PH1", serial="CU-1", start=NewOrder("S1"))
    attach_customer(db_a, mia, added.order.order, zoe.id)
    done = fulfil(db_a, mia, added.order.order, settle_in="card")
    upsert, sale = (json.loads(e.line) for e in db_a.read(journal.entries))
    assert upsert["op"] == "customer_upsert" and upsert["key"] == zoe.key
    assert upsert["email"] == "zoe@example.com"
    assert sale["op"] == "order_create" and sale["customer"] == {
        "key": zoe.key,
        "name": "Zoë Brandt",
        "phone": "0770 900 123",
        "email": "zoe@example.com",
        "address": "1 Main St",
    }

    report = till_a.sync()
    assert (report["accepted"], report["pending"], report["refused"]) == (2, 0, 0)
    central = _at_central(chain, zoe.key)
    assert (central["email"], central["phone"], central["address"]) == (
        "zoe@example.com",
        "0770 900 123",
        "1 Main St",
    )
    sold_to = chain.scalar(
        "SELECT customer_id FROM sale_order WHERE number = :n", n=done.order.order
    )
    assert sold_to == central["id"]
    count = chain.scalar("SELECT count(*) FROM customer")

    # A resend of both entries (their ids): replayed, nothing new, nothing changed.
    lines = [row[0] for row in till_a.query("SELECT line FROM journal_entry ORDER BY seq")]
    with CentralClient(chain.server.base, till_a.token, timeout=30) as client:
        again = client.post_lines(lines)
    assert [(v["ok"], v.get("replayed")) for v in again] == [(True, True), (True, True)]
    assert chain.scalar("SELECT count(*) FROM customer") == count
    assert chain.scalar("SELECT count(*) FROM sale_order WHERE customer_id = :c", c=sold_to) == 1
    assert _at_central(chain, zoe.key) == central
    # The same record sent again under a new entry id adds nothing either.
    [same] = chain.post({k: v for k, v in upsert.items() if k not in ("id", "journal")})
    assert same["ok"] and same["added"] is False and same["customer"] == central["id"]
    assert chain.scalar("SELECT count(*) FROM customer") == count

    # Till B takes it at its next sync, email included; a second pull changes nothing.
    pulled = till_b.sync()
    assert pulled["customers"] >= 1
    assert {k: v for k, v in _on_till(till_b, zoe.key).items() if k != "id"} == {
        k: v for k, v in central.items() if k != "id"
    }
    assert till_b.sync()["customers"] == 0  # taken again by key: the same, nothing changed
    assert till_b.query("SELECT count(*) FROM customer WHERE key = :k", k=zoe.key) == [(1,)]
    assert till_a.query("SELECT count(*) FROM customer") == till_b.query(
        "SELECT count(*) FROM customer"
    )

    # Edits at two places: central changes the phone while till B, offline, changes the
    # email. Each field changed is kept, at central and on both tills after their syncs.
    chain.central("customers", "edit", str(central["id"]), "--phone", "555 0101", user="ada")
    db_b, mia_b = till_db(till_b, opened)
    local_b = int(_on_till(till_b, zoe.key)["id"])  # type: ignore[call-overload]
    edit_customer(db_b, mia_b, local_b, {"email": "zoe@new.example"})
    [edit] = [json.loads(e.line) for e in db_b.read(journal.entries)]
    assert edit == {**{k: edit[k] for k in ("id", "journal")}, "op": "customer_upsert",
                    "key": zoe.key, "email": "zoe@new.example"}  # fmt: skip
    assert till_b.sync()["accepted"] == 1
    want = {"phone": "555 0101", "email": "zoe@new.example"}
    for record in (_at_central(chain, zoe.key), _on_till(till_b, zoe.key)):
        assert {k: record[k] for k in want} == want
    till_a.sync()
    assert {k: _on_till(till_a, zoe.key)[k] for k in want} == want

    # The same field edited at central after the till: central's later edit stands.
    edit_customer(db_a, mia, zoe.id, {"phone": "555 0202"})
    assert till_a.sync()["accepted"] == 1
    chain.central("customers", "edit", str(central["id"]), "--phone", "555 0303", user="ada")
    till_a.sync()
    assert _at_central(chain, zoe.key)["phone"] == _on_till(till_a, zoe.key)["phone"] == "555 0303"
    chain.check_clean()
    till_a.check_clean()


def test_an_apply_line_naming_a_record_by_its_local_id_means_that_record_at_central(
    chain: Chain, opened: list[Database]
) -> None:
    """An ``apply`` ``order_create`` run on a till names a record by the till's own id; at
    central that id is another record (or none). The entry names the record by its key, with
    its details, and central's order is the same person's."""
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "CI-1"})[0]["ok"]
    till = chain.terminal("ci-a")
    db, mia = till_db(till, opened)
    kim = add_customer(db, mia, CustomerFields("Kim Local", "0770 111 222", None, None))
    # Central makes records of its own meanwhile: the till's id is one of theirs there.
    for n in range(3):
        chain.central("customers", "add", f"Central {n}", "--json", user="ada")
    with chain.server.db.engine.connect() as conn:
        taken = conn.exec_driver_sql(
            "SELECT name FROM customer WHERE id = %(i)s", {"i": kim.id}
        ).scalar()
    assert taken is not None and taken != "Kim Local"

    [made] = till.apply(
        {
            "op": "order_create",
            "store": "S1",
            "customer": kim.id,
            "lines": [{"sku": "PH1", "serial": "CI-1"}],
            "fulfil": True,
            "payments": [],
        }
    )
    assert made["ok"], made
    sale = json.loads(db.read(journal.entries)[-1].line)
    assert sale["customer"] == {"key": kim.key, "name": "Kim Local", "phone": "0770 111 222"}

    report = till.sync()
    assert (report["accepted"], report["refused"], report["conflicts"]) == (2, 0, 0), report
    central = _at_central(chain, kim.key)
    with chain.server.db.engine.connect() as conn:
        attached = conn.exec_driver_sql(
            "SELECT customer_id FROM sale_order WHERE number = %(n)s", {"n": made["order"]}
        ).scalar()
    assert attached == central["id"] and central["name"] == "Kim Local"
    chain.check_clean()
