"""A conflict whose standing event is at another store (issue 16 items 3 and 6): central's
verdict carries its state of the unit, and the terminal takes it when it settles the entry,
though its own store's feed never mentions the unit. Real ``serialpos serve`` on
PostgreSQL, terminals driven through the CLI, each its own SQLite."""

from __future__ import annotations

import json
from typing import Any

import pytest
from terminal_chain import Chain, Terminal

from serialpos.config import ChainConfig
from serialpos.db import journal
from serialpos.db.engine import Database
from serialpos.terminal import central_state, push, sync
from serialpos.terminal.client import CentralClient

AT_STORE = (
    "SELECT u.state FROM serial_unit u JOIN store s ON s.id = u.store_id "
    "WHERE u.serial = :serial AND s.code = :store"
)
STOCK = (
    "SELECT coalesce(sum(k.quantity), 0) FROM stock_level k JOIN store s ON s.id = k.store_id "
    "JOIN product p ON p.id = k.product_id WHERE s.code = :store AND p.sku = 'PH1'"
)


def _line(op: str, store: str, serial: str, **more: Any) -> dict[str, Any]:
    return {"op": op, "store": store, "sku": "PH1", "serial": serial, **more}


def _answer(till: Terminal, entry: str) -> dict[str, Any]:
    [(state, answer)] = till.query("SELECT state, answer FROM journal_entry WHERE id = :e", e=entry)
    assert state == "conflict"
    return dict(json.loads(answer))


def _units(answer: dict[str, Any]) -> list[dict[str, Any]]:
    """The verdict's ``central_units``: central's state of the entry's units, each without
    ``event`` (central's id of the unit's last event, checked here to be one)."""
    units = list(answer["central_units"])
    assert all(isinstance(u.pop("event"), int) for u in units), units
    return units


def _events(till: Terminal) -> int:
    return int(till.query("SELECT count(*) FROM ledger_event")[0][0])


def _same_stock(till: Terminal, chain: Chain, store: str) -> None:
    assert till.query(STOCK, store=store)[0][0] == chain.scalar(STOCK, store=store), store


def test_same_serial_received_at_two_stores_offline(chain: Chain) -> None:
    s1, s2 = chain.terminal("cs-s1", "S1"), chain.terminal("cs-s2", "S2")
    # Both offline (neither syncs): each store receives the same new serial.
    [got1] = s1.apply(_line("receive", "S1", "CS-1"))
    [got2] = s2.apply(_line("receive", "S2", "CS-1"))
    assert got1["ok"] and got2["ok"]
    assert s2.query(AT_STORE, serial="CS-1", store="S2") == [("in_stock",)]

    first = s1.sync()
    assert (first["accepted"], first["conflicts"], first["central_state"]) == (1, 0, 0)
    second = s2.sync()
    assert (second["accepted"], second["conflicts"], second["pending"]) == (0, 1, 0)
    assert second["central_state"] == 1

    # Central: one unit, at the first store; one conflict, for the second till's entry.
    assert chain.scalar("SELECT count(*) FROM serial_unit WHERE serial = 'CS-1'") == 1
    assert chain.scalar(AT_STORE, serial="CS-1", store="S1") == "in_stock"
    conflicts = chain.scalar("SELECT count(*) FROM sync_conflict WHERE serial = 'CS-1'")
    assert conflicts == 1
    answer = _answer(s2, got2["entry"])
    assert answer["error"] == "sync_conflict" and answer["conflict"]["serial"] == "CS-1"
    assert _units(answer) == [{"serial": "CS-1", "sku": "PH1", "store": "S1", "state": "in_stock"}]

    # The second till no longer holds the unit at its store (no phantom), its stock is
    # central's, and it recorded how the unit left (a local event at its own store).
    assert s2.query(AT_STORE, serial="CS-1", store="S2") == []
    assert s2.query(AT_STORE, serial="CS-1", store="S1") == [("in_stock",)]
    left = s2.query(
        "SELECT e.action, e.quantity, e.reason, e.document_type FROM ledger_event e "
        "JOIN store s ON s.id = e.store_id WHERE e.serial = 'CS-1' AND s.code = 'S2' "
        "ORDER BY e.id"
    )
    assert left == [("receive", 1, None, None), ("central_state", -1, "sync_conflict", "conflict")]
    _same_stock(s2, chain, "S2")
    assert s1.query(AT_STORE, serial="CS-1", store="S1") == [("in_stock",)]
    for db in (s1, s2, chain):
        db.check_clean()

    # Settled: another sync, and the same verdict taken again, change nothing.
    events = _events(s2)
    again = s2.sync()
    assert (again["conflicts"], again["central_state"]) == (0, 0)
    till_db = Database(s2.db_url)
    try:
        [entry] = till_db.read(lambda conn: journal.entries(conn, "conflict"))
        taken = till_db.write(
            lambda conn: central_state.take(conn, store="S2", answered=[(entry, answer)])
        )
        assert taken == 0
    finally:
        till_db.dispose()
    assert _events(s2) == events
    s2.check_clean()

    # Central later moves the unit to S2: its receipt there reaches the second till by its
    # own feed, and the unit joins S2's stock (leaving the S1 count the till had it in).
    moved = chain.post(
        _line("transfer_out", "S1", "CS-1", to="S2", transfer="CS-TR1", create=True),
        _line("transfer_in", "S2", "CS-1", transfer="CS-TR1"),
    )
    assert all(v["ok"] for v in moved), moved
    assert s2.sync()["mirror"]["applied"] == 1
    assert s2.query(AT_STORE, serial="CS-1", store="S2") == [("in_stock",)]
    _same_stock(s2, chain, "S2")
    s2.check_clean()


def test_a_lost_answer_is_replayed_and_taken_once(chain: Chain) -> None:
    """Central recorded the conflict but the till never heard the answer: the resend is
    answered as a replay, with central's state read then, and taken once."""
    assert chain.post(_line("receive", "S1", "CS-2"))[0]["ok"]
    s2 = chain.terminal("cs-s2b", "S2")
    [got] = s2.apply(_line("receive", "S2", "CS-2"))
    [line] = s2.query("SELECT line FROM journal_entry WHERE id = :e", e=got["entry"])
    with CentralClient(chain.server.base, s2.token, timeout=30) as client:
        [lost] = client.post_lines([line[0]])  # central answers; the till never records it
    assert lost["error"] == "sync_conflict" and not lost.get("replayed")
    assert s2.query(AT_STORE, serial="CS-2", store="S2") == [("in_stock",)]

    report = s2.sync()
    assert (report["conflicts"], report["replayed"], report["central_state"]) == (1, 1, 1)
    assert _units(_answer(s2, got["entry"])) == [
        {"serial": "CS-2", "sku": "PH1", "store": "S1", "state": "in_stock"}
    ]
    assert s2.query(AT_STORE, serial="CS-2", store="S2") == []
    _same_stock(s2, chain, "S2")
    assert chain.scalar("SELECT count(*) FROM sync_conflict WHERE serial = 'CS-2'") == 1
    assert s2.sync()["central_state"] == 0
    for db in (s2, chain):
        db.check_clean()


def test_sale_of_a_unit_shipped_away_meanwhile(chain: Chain) -> None:
    """A till sells offline a unit central meanwhile shipped to S2 and S2 received: the sale
    is a conflict, and the till's store no longer holds the unit."""
    assert chain.post(_line("receive", "S1", "CT-1"))[0]["ok"]
    till = chain.terminal("ct-s1", "S1")
    assert till.unit_state("CT-1") == "in_stock"
    shipped = chain.post(
        _line("transfer_out", "S1", "CT-1", to="S2", transfer="CT-TR1", create=True),
        _line("transfer_in", "S2", "CT-1", transfer="CT-TR1"),
    )
    assert all(v["ok"] for v in shipped), shipped

    [sold] = till.apply(_line("sell", "S1", "CT-1"))
    assert sold["ok"] and till.unit_state("CT-1") == "sold"
    report = till.sync()
    assert (report["accepted"], report["conflicts"], report["central_state"]) == (0, 1, 1)
    answer = _answer(till, sold["entry"])
    assert answer["conflict"]["error"] in ("not_in_stock", "invalid_state")
    assert _units(answer) == [{"serial": "CT-1", "sku": "PH1", "store": "S2", "state": "in_stock"}]

    # Central has the unit in stock at S2; the till's store holds nothing of it.
    assert chain.scalar(AT_STORE, serial="CT-1", store="S2") == "in_stock"
    assert till.query(AT_STORE, serial="CT-1", store="S1") == []
    _same_stock(till, chain, "S1")
    # Its copy is at S2, in stock as at central: the pull skipped S1's older shipment of it.
    assert till.query(AT_STORE, serial="CT-1", store="S2") == [("in_stock",)]
    for db in (till, chain):
        db.check_clean()


def test_a_later_waiting_entry_is_not_undone(chain: Chain, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two tills of S1 sell one unit offline; the losing till meanwhile took it back (its
    sale's return, still waiting). Its entries go one a push: central answers the sale with
    the unit sold while the return still waits here, so the till must not take that state
    (it would undo the return: ``central_state`` stays 0); central then records the return
    as a conflict following the sale's (central holds no such sale), and the till's pull
    takes the winner's sale (its copy), as central has it, until a manager resolves them.
    (The return was a
    bare ledger ``return`` before, which central accepted on the winner's sale and left
    that sale in the books: refused ``sold_on_order`` now, services/sold_on_order.py.)"""
    assert chain.post(_line("receive", "S1", "CW-1"))[0]["ok"]
    winner, loser = chain.terminal("cw-a"), chain.terminal("cw-b")
    assert winner.apply(_line("sell", "S1", "CW-1"))[0]["ok"]
    [sold] = loser.apply(_line("sell", "S1", "CW-1"))
    [back] = loser.apply({"op": "order_return", "order": sold["order"], "serials": ["CW-1"]})
    assert sold["ok"] and back["ok"] and loser.unit_state("CW-1") == "in_stock"
    assert winner.sync()["accepted"] == 1

    monkeypatch.setattr(push, "PUSH_BATCH", 1)  # push reads its own
    till_db = Database(loser.db_url)
    config = ChainConfig(chain.server.base, loser.token, "S1", loser.name)
    try:
        with CentralClient(chain.server.base, loser.token, timeout=30) as client:
            report = sync.sync_once(till_db, config, client)
    finally:
        till_db.dispose()
    assert (report.conflicts, report.accepted, report.central_state) == (2, 0, 0)
    assert _units(_answer(loser, sold["entry"]))[0]["state"] == "sold"  # read before the return
    assert "follows conflict" in _answer(loser, back["entry"])["message"]
    assert chain.scalar(AT_STORE, serial="CW-1", store="S1") == "sold"
    assert loser.unit_state("CW-1") == "sold"  # the winner's sale, pulled (not the answer)
    assert report.mirror.order_copies == 1
    for db in (winner, loser, chain):
        db.check_clean()
