"""The stock flows on a store terminal (issue 16): receiving (blind and against an ASN),
transfers (send and receive), returns to vendor, counts and adjustments, each run on the
terminal's own database through the service the console calls and through the CLI, each act
journaled as ONE entry that does the same at central; after a sync central holds the same
units, states and documents (the numbers the terminal gave). Against a real ``serialpos
serve`` on PostgreSQL, terminals driven as separate processes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from terminal_chain import Chain, Terminal

from serialpos.db.engine import Database
from serialpos.services import adjustments, blind_receiving, counts, products, transfers, users
from serialpos.services.context import Actor
from serialpos.services.rtv import StockItem, return_to_vendor
from serialpos.terminal.journaled import attach


@contextmanager
def console_db(term: Terminal) -> Iterator[tuple[Database, Actor]]:
    """The terminal's database as its console opens it: the journal sink attached."""
    db = Database(term.db_url)
    attach(db, term.name)
    try:
        yield db, users.actor_for(db, "mia", term.name)
    finally:
        db.dispose()


def entries(term: Terminal) -> list[dict[str, Any]]:
    return [json.loads(row[0]) for row in term.query("SELECT line FROM journal_entry ORDER BY seq")]


def new_product(chain: Chain, sku: str, serial_mode: str = "required") -> None:
    ada = users.actor_for(chain.server.db, "ada", "setup")
    products.create_product(chain.server.db, ada, sku=sku, name=sku, serial_mode=serial_mode)


def central_state(chain: Chain, serial: str) -> tuple[str, str]:
    found = chain.scalar(
        "SELECT u.state || ' ' || s.code FROM serial_unit u JOIN store s ON s.id = u.store_id "
        "WHERE u.serial = :s",
        s=serial,
    )
    state, store = str(found).split()
    return state, store


def test_console_stock_documents_journal_and_reach_central(chain: Chain, tmp_path: Path) -> None:
    new_product(chain, "SF1")
    new_product(chain, "SFQ", "disabled")
    till = chain.terminal("st-a")
    outbox = tmp_path / "outbox"
    with console_db(till) as (db, mia):
        # A blind receipt: serials of one product, a quantity of another.
        receipt = blind_receiving.open_blind_receipt(db, mia, "S1", "Acme", "DN-7", outbox)
        receipt.add_product("SF1")
        for serial in ("SF-1", "SF-2", "SF-3", "SF-4", "SF-5"):
            receipt.scan("SF1", serial)
        receipt.add_product("SFQ")
        receipt.count("SFQ", 12)
        received = receipt.complete()
        assert received.document == "R-st-a-000001" and received.received == 17
        # A return to vendor, an adjustment, a transfer to the other store.
        rtv = return_to_vendor(
            db,
            mia,
            "S1",
            "Acme",
            "faulty",
            [StockItem("SF1", ("SF-2",)), StockItem("SFQ", (), 2)],
            outbox,
        )
        assert rtv.number == "V-st-a-000001"
        adjusted = adjustments.adjust(
            db,
            mia,
            "S1",
            "count_correction",
            "dropped",
            remove=[StockItem("SF1", ("SF-3",))],
            add=[StockItem("SFQ", (), 1)],
            outbox=outbox,
        )
        assert adjusted.number == "A-st-a-000001"
        sent = transfers.create_transfer(db, mia, "S1", "S2")
        assert sent.number == "T-st-a-000001"
        transfers.add_units(db, mia, sent.number, "S1", "SF1", ["SF-4"])
        transfers.set_quantity(db, mia, sent.number, "S1", "SFQ", 3)
        transfers.ship(db, mia, sent.number, "S1", outbox)
        # A count of the quantity product, approved offline.
        count = counts.open_count(db, mia, "S1", ["SFQ"])
        batch = counts.start_batch(db, mia, count.number, "mia")
        counts.scan(db, mia, count.number, batch.number, sku="SFQ", quantity=7)
        approved = counts.approve(db, mia, count.number, outbox)
        assert count.number == "C-st-a-000001" and approved.quantity_change == 7 - 8

    # One entry per act, each the line that does the same at central, numbered as here.
    made = entries(till)
    assert [(e["op"], e.get("number", e.get("transfer"))) for e in made] == [
        ("receive", "R-st-a-000001"),
        ("rtv", "V-st-a-000001"),
        ("adjust", "A-st-a-000001"),
        ("transfer_out", "T-st-a-000001"),
        ("count", "C-st-a-000001"),
    ]
    assert made[0]["items"] == [
        {"sku": "SF1", "serials": ["SF-1", "SF-2", "SF-3", "SF-4", "SF-5"]},
        {"sku": "SFQ", "quantity": 12},
    ]
    assert made[4]["batches"] == [{"counter": "mia", "scans": [{"sku": "SFQ", "quantity": 7}]}]

    done = till.sync()
    assert (done["accepted"], done["conflicts"], done["refused"], done["pending"]) == (5, 0, 0, 0)
    # Central holds the same documents under the same numbers, and the same units.
    kinds = chain.scalar(
        "SELECT string_agg(kind || '=' || number, ',' ORDER BY number) FROM stock_document "
        "WHERE number LIKE '%-st-a-%'"
    )
    assert kinds == "adjustment=A-st-a-000001,blind_receipt=R-st-a-000001,rtv=V-st-a-000001"
    assert central_state(chain, "SF-1") == ("in_stock", "S1")
    assert central_state(chain, "SF-2") == ("returned_to_vendor", "S1")
    assert central_state(chain, "SF-3") == ("written_off", "S1")
    assert central_state(chain, "SF-4") == ("in_transit", "S2")
    assert chain.scalar("SELECT status FROM transfer WHERE number = 'T-st-a-000001'") == "shipped"
    assert (
        chain.scalar("SELECT status FROM stock_count WHERE number = 'C-st-a-000001'") == "approved"
    )
    # On-hand of the quantity product: 12 in, 2 back, 1 found, 3 shipped, counted 7.
    on_hand = (
        "SELECT quantity FROM stock_level l JOIN product p ON p.id = l.product_id "
        "JOIN store s ON s.id = l.store_id WHERE p.sku = 'SFQ' AND s.code = 'S1'"
    )
    assert chain.scalar(on_hand) == 7
    assert till.query(on_hand) == [(7,)]
    for serial in ("SF-1", "SF-2", "SF-3", "SF-4", "SF-5"):
        assert till.unit_state(serial) == central_state(chain, serial)[0]
    till.check_clean()
    chain.check_clean()


def test_transfer_sent_by_one_terminal_is_received_offline_at_the_other_store(
    chain: Chain, tmp_path: Path
) -> None:
    new_product(chain, "TF1")
    assert chain.post(
        {"op": "receive", "store": "S1", "sku": "TF1", "serials": ["TF-1", "TF-2", "TF-3"]}
    )[0]["ok"]
    sender, receiver = chain.terminal("tf-a", "S1"), chain.terminal("tf-b", "S2")
    # The sending terminal ships through the CLI: one line, journaled whole.
    [shipped] = sender.apply(
        {
            "op": "transfer_out",
            "store": "S1",
            "to": "S2",
            "transfer": "TX-77",
            "create": True,
            "items": [
                {"sku": "TF1", "serials": ["TF-1", "TF-2", "TF-3"]},
                {"sku": "CAB", "quantity": 0},
            ],
        },
        check=False,
    )
    assert shipped["ok"] is False and shipped["error"] == "bad_request"  # nothing kept
    assert entries(sender) == []
    [shipped] = sender.apply(
        {
            "op": "transfer_out",
            "store": "S1",
            "to": "S2",
            "transfer": "TX-77",
            "create": True,
            "items": [{"sku": "TF1", "serials": ["TF-1", "TF-2", "TF-3"]}],
        }
    )
    assert shipped["ok"] and shipped["status"] == "shipped" and len(entries(sender)) == 1
    assert sender.unit_state("TF-1") == "in_transit"
    assert sender.sync()["accepted"] == 1
    assert central_state(chain, "TF-2") == ("in_transit", "S2")

    # The receiving terminal learns of the transfer at its sync, then receives it offline
    # (nothing it does below reaches for central) through the console's checklist.
    assert receiver.unit_state("TF-1") is None
    assert receiver.sync()["transfers"] >= 1  # TX-77, and any other shipped to S2
    assert receiver.query("SELECT status FROM transfer WHERE number = 'TX-77'") == [("shipped",)]
    assert receiver.unit_state("TF-1") == "in_transit"
    with console_db(receiver) as (db, mia):
        listed = transfers.list_transfers(db, "S2", incoming=True)
        assert "TX-77" in [t.number for t in listed]
        session = transfers.TransferReceiving(db, mia, "S2", "TX-77", tmp_path)
        session.scan("TF1", "TF-1")
        session.scan("TF1", "TF-2")
        # Saved on the terminal as they are made, journaled only with the receipt (as an
        # ASN's scans): a restart of the console here loses none of them.
        saved = "SELECT serial FROM transfer_scan ORDER BY id"
        assert receiver.query(saved) == [("TF-1",), ("TF-2",)] and entries(receiver) == []
        done = session.complete(accept_discrepancies=True)  # TF-3 did not arrive
        assert done.received == 2
    [entry] = entries(receiver)
    assert receiver.query(saved) == []  # received, so deleted with the receipt
    assert entry["op"] == "transfer_in" and entry["transfer"] == "TX-77"
    assert entry["items"] == [{"sku": "TF1", "serials": ["TF-1", "TF-2"]}]
    assert receiver.unit_state("TF-1") == "in_stock"
    assert receiver.sync()["accepted"] == 1
    assert central_state(chain, "TF-1") == ("in_stock", "S2")
    assert central_state(chain, "TF-3") == ("in_transit", "S2")
    assert chain.scalar("SELECT status FROM transfer WHERE number = 'TX-77'") == "received"
    assert chain.scalar("SELECT count(*) FROM transfer_scan") == 0  # apply saves no scans
    assert receiver.sync()["transfers"] == 0  # kept once
    receiver.check_clean()
    sender.check_clean()
    chain.check_clean()


def test_a_unit_received_at_a_terminal_and_elsewhere_at_central_is_a_conflict(
    chain: Chain,
) -> None:
    new_product(chain, "RC1")
    till = chain.terminal("rc-a", "S1")
    # Offline, the terminal receives two units on a blind receipt (the CLI, one line)...
    [got] = till.apply(
        {
            "op": "receive",
            "store": "S1",
            "vendor": "Acme",
            "items": [{"sku": "RC1", "serials": ["RC-1", "RC-2"]}],
        }
    )
    assert got["ok"] and got["number"] == "R-rc-a-000001"
    [entry] = entries(till)
    assert entry["number"] == "R-rc-a-000001"  # the number it gave, sent to central
    # ... while the other store received RC-2 at central.
    assert chain.post({"op": "receive", "store": "S2", "sku": "RC1", "serial": "RC-2"})[0]["ok"]
    done = till.sync()
    assert (done["accepted"], done["conflicts"], done["pending"]) == (0, 1, 0)
    # Not silent: one conflict naming the unit, the receipt recorded nowhere at central,
    # the unit left where central's first receipt put it.
    listed = json.loads(chain.central("conflicts", "list", "--json").stdout)
    [conflict] = [c for c in listed if c["serial"] == "RC-2"]
    assert (conflict["sku"], conflict["store"], conflict["status"]) == ("RC1", "S1", "open")
    assert conflict["terminal"] == "rc-a" and conflict["error"] == "duplicate_serial"
    first = conflict["first_event"]
    assert (first["action"], first["user"]) == ("receive", "ada")
    assert central_state(chain, "RC-2") == ("in_stock", "S2")
    assert chain.scalar("SELECT count(*) FROM serial_unit WHERE serial = 'RC-1'") == 0
    assert chain.scalar("SELECT count(*) FROM stock_document WHERE number = 'R-rc-a-000001'") == 0
    on_till = json.loads(till.cli("conflicts", "list", "--json").stdout)  # its store's
    assert [c["serial"] for c in on_till if c["terminal"] == "rc-a"] == ["RC-2"]


def test_cli_stock_commands_on_a_terminal(chain: Chain, tmp_path: Path) -> None:
    new_product(chain, "CL1")
    assert chain.post(
        {"op": "receive", "store": "S1", "sku": "CL1", "serials": ["CL-1", "CL-2", "CL-3", "CL-4"]}
    )[0]["ok"]
    till = chain.terminal("cl-a", "S1")
    made = till.apply(
        {
            "op": "rtv",
            "store": "S1",
            "vendor": "Acme",
            "reason": "faulty",
            "items": [{"sku": "CL1", "serial": "CL-1"}],
        },
        {
            "op": "adjust",
            "store": "S1",
            "reason": "lost",
            "items": [{"sku": "CL1", "remove": ["CL-2"]}],
        },
        {
            "op": "count",
            "store": "S1",
            "products": ["CL1"],
            "batches": [{"counter": "mia", "scans": [{"sku": "CL1", "serial": "CL-3"}]}],
        },
        check=False,
    )
    assert [m["ok"] for m in made] == [True, True, False]
    assert made[0]["number"] == "V-cl-a-000001" and made[1]["number"] == "A-cl-a-000001"
    assert made[2]["error"] == "not_on_terminal" and "approve" in made[2]["message"]
    # A count opened in the console, approved from the CLI offline: journaled whole.
    with console_db(till) as (db, mia):
        count = counts.open_count(db, mia, "S1", ["CL1"])
        batch = counts.start_batch(db, mia, count.number, "sam")
        counts.scan(db, mia, count.number, batch.number, sku="CL1", serial="CL-3")
    approved = till.cli("--user", "mia", "count", "approve", count.number)
    assert "1 written off" in approved.stdout  # CL-4 was not found
    assert [(e["op"], e.get("number")) for e in entries(till)] == [
        ("rtv", "V-cl-a-000001"),
        ("adjust", "A-cl-a-000001"),
        ("count", count.number),
    ]
    shown = till.cli("count", "show", count.number)  # a lookup, on the terminal's copy
    assert "approved" in shown.stdout
    assert till.sync()["accepted"] == 3
    assert central_state(chain, "CL-1") == ("returned_to_vendor", "S1")
    assert central_state(chain, "CL-2") == ("written_off", "S1")
    assert central_state(chain, "CL-3") == ("in_stock", "S1")
    assert central_state(chain, "CL-4") == ("written_off", "S1")
    assert (
        chain.scalar("SELECT status FROM stock_count WHERE number = :n", n=count.number)
        == "approved"
    )
    assert (
        chain.scalar("SELECT reason FROM stock_document WHERE number = 'A-cl-a-000001'") == "lost"
    )
    # What stays central's is refused, naming what to do instead.
    refused = till.cli("--user", "mia", "store", "add", "S9", "Nine", check=False)
    assert refused.returncode == 1 and "stores are central's" in refused.stderr
    till.check_clean()
    chain.check_clean()


def test_an_asn_received_on_a_terminal_is_received_at_central(chain: Chain, tmp_path: Path) -> None:
    from serialpos.services import asn

    new_product(chain, "AS1")
    till = chain.terminal("as-a", "S1")
    notice = b"ASN,Vendor,SKU,Quantity,Serials,CasePack\nASN-T1,Acme,AS1,3,AS-1|AS-2|AS-3,\n"
    ada = users.actor_for(chain.server.db, "ada", "setup")
    asn.import_asn_data(chain.server.db, ada, "n.csv", notice, "S1")
    # The notice known on the terminal too (ASNs are not part of its sync yet: see
    # docs/offline.md), imported into its database as at central.
    plain = Database(till.db_url)
    try:
        asn.import_asn_data(plain, users.actor_for(plain, "ada", "setup"), "n.csv", notice, "S1")
    finally:
        plain.dispose()
    with console_db(till) as (db, mia):
        session = asn.open_asn(db, mia, "ASN-T1", "S1", tmp_path)
        session.scan("AS1", "AS-1")
        session.scan("AS1", "AS-2")
        done = session.complete(accept_discrepancies=True)  # AS-3 did not come
        assert done.received == 2
    [entry] = entries(till)
    assert (entry["op"], entry["asn"], entry["complete"]) == ("asn_receive", "ASN-T1", True)
    assert entry["scans"] == [{"sku": "AS1", "serial": "AS-1"}, {"sku": "AS1", "serial": "AS-2"}]
    assert till.sync()["accepted"] == 1
    assert central_state(chain, "AS-1") == ("in_stock", "S1")
    assert central_state(chain, "AS-3") == ("expected", "S1")
    assert chain.scalar("SELECT status FROM asn WHERE asn = 'ASN-T1'") == "received"
    for serial in ("AS-1", "AS-2", "AS-3"):
        assert till.unit_state(serial) == central_state(chain, serial)[0]
    till.check_clean()


def test_quick_create_is_refused_on_a_terminal(chain: Chain) -> None:
    """The catalogue is central's: a product made at a till's counter (quick create) was sold
    there and refused at central (``unknown_product``) after the customer left. On a
    terminal it is refused before anything is made; central still makes one."""
    import pytest

    from serialpos.domain.errors import DomainError

    till = chain.terminal("qc-a", "S1")
    with console_db(till) as (db, mia), pytest.raises(DomainError) as refused:
        products.create_product(db, mia, sku="NEW-1", name="New thing")
    assert refused.value.code == "not_on_terminal"
    assert "products are central's" in refused.value.message and "NEW-1" in refused.value.message
    assert till.query("SELECT count(*) FROM product WHERE sku = 'NEW-1'") == [(0,)]
    assert till.query("SELECT count(*) FROM journal_entry") == [(0,)]
