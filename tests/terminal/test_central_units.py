"""A terminal's copy of units and documents follows central after everything syncs (issue 16,
docs/offline.md "The terminal takes central's state"): an entry naming units only by its
order's number, the pull never putting an older state over a newer one, a receipt central
refused, and the sender's copy of a transfer the other store received. Real ``serialpos
serve`` on PostgreSQL, terminals driven through the CLI, each its own SQLite."""

from __future__ import annotations

import json
from typing import Any

import pytest
from terminal_chain import Chain, Terminal

from serialpos.config import ChainConfig
from serialpos.db.engine import Database
from serialpos.services import products, users
from serialpos.services.transfers.sent import shipped_here
from serialpos.terminal import push, sync
from serialpos.terminal.client import CentralClient

AT_STORE = (
    "SELECT u.state FROM serial_unit u JOIN store s ON s.id = u.store_id "
    "WHERE u.serial = :serial AND s.code = :store"
)
STOCK = (
    "SELECT coalesce(sum(k.quantity), 0) FROM stock_level k JOIN store s ON s.id = k.store_id "
    "JOIN product p ON p.id = k.product_id WHERE s.code = :store AND p.sku = :sku"
)
MARKS = "SELECT count(*) FROM sync_state WHERE key LIKE 'unit_event:%'"
TRANSFER = (
    "SELECT t.status, t.received_by, "
    "(SELECT count(*) FROM transfer_unit u WHERE u.transfer_id = t.id AND u.received) "
    "FROM transfer t WHERE t.number = :number"
)


def _line(op: str, store: str, serial: str, **more: Any) -> dict[str, Any]:
    return {"op": op, "store": store, "sku": "PH1", "serial": serial, **more}


def _answer(till: Terminal, entry: str) -> tuple[str, dict[str, Any]]:
    [(state, answer)] = till.query("SELECT state, answer FROM journal_entry WHERE id = :e", e=entry)
    return str(state), dict(json.loads(answer))


def _same_stock(till: Terminal, chain: Chain, store: str, sku: str = "PH1") -> None:
    here = till.query(STOCK, store=store, sku=sku)[0][0]
    assert here == chain.scalar(STOCK, store=store, sku=sku), (store, sku)


def _sync_one_entry_a_push(chain: Chain, till: Terminal, monkeypatch: pytest.MonkeyPatch) -> Any:
    """``sync`` in this process, one entry a push: an entry's verdict is taken while the
    entries after it still wait here."""
    monkeypatch.setattr(push, "PUSH_BATCH", 1)  # push reads its own
    db = Database(till.db_url)
    config = ChainConfig(chain.server.base, till.token, "S1", till.name)
    try:
        with CentralClient(chain.server.base, till.token, timeout=30) as client:
            return sync.sync_once(db, config, client)
    finally:
        db.dispose()


# -- an entry naming units by its order's number ---------------------------------------------


def test_a_fulfil_by_order_number_central_voided_carries_the_orders_units(chain: Chain) -> None:
    """A till fulfils, offline, its own order that central meanwhile voided: the fulfilment
    names the order, not the unit, yet central's answer carries the unit's state. It was
    refused and the till took that state (the unit back in stock, as at central) while the
    customer had the unit; it is a conflict now (``order_closed``,
    tests/terminal/test_fulfil_on_closed_order.py), and the till keeps the unit its customer
    took sold, marked with central's event so the pull does not move it back."""
    assert chain.post(_line("receive", "S1", "OU-1"))[0]["ok"]
    till = chain.terminal("ou-a")
    [made] = till.apply(
        {"op": "order_create", "store": "S1", "lines": [{"sku": "PH1", "serial": "OU-1"}]}
    )
    assert made["ok"] and till.sync()["accepted"] == 1
    assert chain.post({"op": "order_void", "order": made["order"]})[0]["ok"]
    assert chain.scalar(AT_STORE, serial="OU-1", store="S1") == "in_stock"

    [done] = till.apply({"op": "order_fulfil", "order": made["order"], "payments": []})
    assert done["ok"] and till.unit_state("OU-1") == "sold"
    report = till.sync()
    assert (report["conflicts"], report["central_state"]) == (1, 0), report
    state, answer = _answer(till, done["entry"])
    assert state == "conflict"
    assert [(u["serial"], u["store"], u["state"]) for u in answer["central_units"]] == [
        ("OU-1", "S1", "in_stock")
    ]
    assert till.unit_state("OU-1") == "sold"
    assert till.sync()["pending"] == 0 and till.unit_state("OU-1") == "sold"
    for db in (till, chain):
        db.check_clean()


def test_a_later_entry_naming_the_order_is_not_undone(
    chain: Chain, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The losing till's sale is a conflict while its return of that sale (naming the
    order, not the unit) still waits: the conflict's state is not taken over the waiting
    return (the skip rule sees the order's unit); the pull then brings central's sale."""
    assert chain.post(_line("receive", "S1", "OW-1"))[0]["ok"]
    winner, loser = chain.terminal("ow-a"), chain.terminal("ow-b")
    assert winner.apply(_line("sell", "S1", "OW-1"))[0]["ok"]
    assert winner.sync()["accepted"] == 1
    [sold] = loser.apply(
        {
            "op": "order_create",
            "store": "S1",
            "lines": [{"sku": "PH1", "serial": "OW-1"}],
            "fulfil": True,
            "payments": [],
        }
    )
    [back] = loser.apply({"op": "order_return", "order": sold["order"], "line_numbers": [1]})
    assert sold["ok"] and back["ok"] and loser.unit_state("OW-1") == "in_stock"
    assert "OW-1" not in json.dumps(loser.query("SELECT line FROM journal_entry")[-1])

    report = _sync_one_entry_a_push(chain, loser, monkeypatch)
    # The sale is a conflict; its return, naming a sale central never recorded, is a
    # conflict following it (services/entries.py follows_conflict), not a refusal.
    assert report.conflicts == 2 and report.central_state == 0, report
    assert _answer(loser, sold["entry"])[1]["central_units"][0]["state"] == "sold"
    assert not loser.query("SELECT 1 FROM ledger_event WHERE action = 'central_state'")
    # The pull brings the winner's sale and the till ends as central.
    assert _answer(loser, back["entry"])[0] == "conflict"
    assert loser.unit_state("OW-1") == chain.scalar(AT_STORE, serial="OW-1", store="S1")
    for db in (winner, loser, chain):
        db.check_clean()


# -- the pull never puts an older state over a newer one ---------------------------------------


def test_the_pull_skips_events_older_than_the_state_taken(chain: Chain) -> None:
    """A till sells offline a unit central shipped to S2, and S2 received: the sale is a
    conflict, the till takes central's state (in stock at S2), and the pull that follows
    brings S1's older shipment of the unit, which must not put it back in transit."""
    assert chain.post(_line("receive", "S1", "OV-1"))[0]["ok"]
    till = chain.terminal("ov-s1")
    shipped = chain.post(
        _line("transfer_out", "S1", "OV-1", to="S2", transfer="OV-TR1", create=True),
        _line("transfer_in", "S2", "OV-1", transfer="OV-TR1"),
    )
    assert all(v["ok"] for v in shipped), shipped
    with CentralClient(chain.server.base, till.token, timeout=30) as client:
        events = client.get_json("/v1/events", after=0, limit=1000)["events"]
    [out] = [e for e in events if e["serial"] == "OV-1" and e["action"] == "transfer_out"]
    last = chain.scalar(
        "SELECT max(id) FROM ledger_event WHERE serial = 'OV-1' AND unit_id IS NOT NULL"
    )
    assert isinstance(out["event"], int) and out["event"] < last  # the feed's added key

    [sold] = till.apply(_line("sell", "S1", "OV-1"))
    report = till.sync()
    assert (report["conflicts"], report["central_state"]) == (1, 1), report
    [unit] = _answer(till, sold["entry"])[1]["central_units"]
    assert (unit["store"], unit["state"], unit["event"]) == ("S2", "in_stock", last)
    assert report["mirror"]["older"] >= 1, report
    assert till.query(AT_STORE, serial="OV-1", store="S2") == [("in_stock",)]
    assert till.query(AT_STORE, serial="OV-1", store="S1") == []
    _same_stock(till, chain, "S1")
    for db in (till, chain):
        db.check_clean()

    # A newer event of the unit at this store still comes through: central ships it back.
    back = chain.post(
        _line("transfer_out", "S2", "OV-1", to="S1", transfer="OV-TR2", create=True),
        _line("transfer_in", "S1", "OV-1", transfer="OV-TR2"),
    )
    assert all(v["ok"] for v in back), back
    till.sync()
    assert till.query(AT_STORE, serial="OV-1", store="S1") == [("in_stock",)]
    _same_stock(till, chain, "S1")
    till.check_clean()


# -- a receipt central refuses outright ----------------------------------------------------


def test_a_receipt_central_refuses_is_set_aside_and_shown(chain: Chain) -> None:
    """Central stopped tracking serials of a product after the till's snapshot; the till
    received a serial of it offline and central refuses the receipt outright (it holds no
    such unit). The till's unit leaves its stock (written off, not live) with a local
    event, ``db check`` stays clean, and ``terminal refused`` shows what the till did."""
    ada = users.actor_for(chain.server.db, "ada", "setup")
    products.create_product(chain.server.db, ada, sku="RF1", name="Refused", serial_mode="required")
    till = chain.terminal("rf-s1")
    products.set_serial_mode(chain.server.db, ada, ["RF1"], "disabled")
    [got] = till.apply({"op": "receive", "store": "S1", "sku": "RF1", "serial": "RF-1"})
    assert got["ok"] and till.unit_state("RF-1") == "in_stock"

    report = till.sync()
    assert (report["refused"], report["central_state"]) == (1, 1), report
    state, answer = _answer(till, got["entry"])
    assert state == "refused"
    assert answer["central_units"] == [
        {"serial": "RF-1", "sku": "RF1", "store": None, "state": None, "event": None}
    ]
    assert chain.scalar("SELECT count(*) FROM serial_unit WHERE serial = 'RF-1'") == 0
    assert till.unit_state("RF-1") == "written_off"
    _same_stock(till, chain, "S1", "RF1")
    set_aside = till.query(
        "SELECT action, quantity, reason, document_type, document_id FROM ledger_event "
        "WHERE serial = 'RF-1' ORDER BY id"
    )
    assert set_aside == [
        ("receive", 1, None, None, None),
        # Its reason says central has no record of it: it may be received here again.
        ("central_state", -1, f"no record at central ({answer['error']})", "entry", got["entry"]),
    ]
    shown = json.loads(till.cli("terminal", "refused").stdout)
    [entry] = [x for x in shown if x["entry"] == got["entry"]]
    assert entry["units"] == [
        {"serial": "RF-1", "sku": "RF1", "store": "S1", "state": "written_off"}
    ]
    # Settled: another sync changes nothing.
    assert till.sync()["central_state"] == 0
    for db in (till, chain):
        db.check_clean()


# -- the sender's copy of a transfer ----------------------------------------------------------


def test_the_senders_copy_of_a_transfer_follows_central(chain: Chain) -> None:
    """S1's till ships a transfer; S2's till receives it. S1's copy of the transfer, and of
    its units at S2, become central's at its next sync."""
    assert chain.post(_line("receive", "S1", "OT-1"), _line("receive", "S1", "OT-2"))[0]["ok"]
    s1, s2 = chain.terminal("ot-s1"), chain.terminal("ot-s2", "S2")
    [out] = s1.apply(
        {
            "op": "transfer_out",
            "store": "S1",
            "sku": "PH1",
            "serials": ["OT-1", "OT-2"],
            "to": "S2",
            "transfer": "OT-TR1",
            "create": True,
        }
    )
    assert out["ok"] and s1.sync()["accepted"] == 1
    assert s1.query(TRANSFER, number="OT-TR1") == [("shipped", None, 0)]
    assert s2.sync()["transfers"] == 1
    [got] = s2.apply(_line("transfer_in", "S2", "OT-1", transfer="OT-TR1"))
    assert got["ok"] and s2.sync()["accepted"] == 1
    central = (
        chain.scalar("SELECT status FROM transfer WHERE number = 'OT-TR1'"),
        chain.scalar(
            "SELECT count(*) FROM transfer_unit u JOIN transfer t ON t.id = u.transfer_id "
            "WHERE t.number = 'OT-TR1' AND u.received"
        ),
    )
    assert central == ("shipped", 1)  # one of two received so far

    first = s1.sync()
    assert first["sent_transfers"] == 1, first
    assert s1.query(TRANSFER, number="OT-TR1") == [("shipped", None, 1)]
    assert s1.query(AT_STORE, serial="OT-1", store="S2") == [("in_stock",)]
    assert s1.query(AT_STORE, serial="OT-2", store="S2") == [("in_transit",)]

    [rest] = s2.apply(_line("transfer_in", "S2", "OT-2", transfer="OT-TR1"))
    assert rest["ok"] and s2.sync()["accepted"] == 1
    assert chain.scalar("SELECT status FROM transfer WHERE number = 'OT-TR1'") == "received"
    second = s1.sync()
    assert second["sent_transfers"] == 1, second
    [(status, received_by, received)] = s1.query(TRANSFER, number="OT-TR1")
    assert (status, received) == ("received", 2) and received_by is not None
    assert s1.query(AT_STORE, serial="OT-2", store="S2") == [("in_stock",)]
    # Settled: nothing more to ask or change.
    assert s1.sync()["sent_transfers"] == 0
    _same_stock(s1, chain, "S1")
    for db in (s1, s2, chain):
        db.check_clean()


def test_a_unit_another_till_of_the_store_shipped_follows_central(chain: Chain) -> None:
    """Till A of S1 ships a unit to S2; till B of S1 learns of the shipment from its store's
    feed only (it holds no copy of the transfer). Once S2 receives it, B's copy of the unit
    is central's (in stock at S2) at B's next sync, not in transit for good; then B asks no
    more."""
    assert chain.post(_line("receive", "S1", "OA-1"))[0]["ok"]
    a, b = chain.terminal("oa-a"), chain.terminal("oa-b")
    [out] = a.apply(_line("transfer_out", "S1", "OA-1", to="S2", transfer="OA-TR1", create=True))
    assert out["ok"] and a.sync()["accepted"] == 1
    b.sync()
    assert b.query(AT_STORE, serial="OA-1", store="S2") == [("in_transit",)]
    assert b.query(TRANSFER, number="OA-TR1") == []  # B holds no copy of the transfer

    assert chain.post(_line("transfer_in", "S2", "OA-1", transfer="OA-TR1"))[0]["ok"]
    report = b.sync()
    assert report["central_state"] == 1, report
    assert b.query(AT_STORE, serial="OA-1", store="S2") == [("in_stock",)]
    # The unit's mark (central's receipt at S2, which S1's feed never brings) is dropped
    # by the next whole pull: nothing older of the unit can come after it.
    assert b.query(MARKS) == [(1,)]
    again = b.sync()
    assert (again["central_state"], again["mirror"]["pruned"]) == (0, 1), again
    assert b.query(MARKS) == [(0,)]
    _same_stock(b, chain, "S1")
    for db in (a, b, chain):
        db.check_clean()


def test_a_shipment_central_refused_is_marked_refused_and_asked_no_more(chain: Chain) -> None:
    """A till ships, offline, a unit central sold meanwhile: central records a conflict and
    has no such transfer. The till's copy is marked refused (nothing in transit), its unit
    is central's (sold), and the next sync asks nothing more about it."""
    assert chain.post(_line("receive", "S1", "OR-1"))[0]["ok"]
    till = chain.terminal("or-s1")
    assert chain.post(_line("sell", "S1", "OR-1"))[0]["ok"]
    [out] = till.apply(_line("transfer_out", "S1", "OR-1", to="S2", transfer="OR-TR1", create=True))
    assert out["ok"] and till.query(TRANSFER, number="OR-TR1") == [("shipped", None, 0)]

    report = till.sync()
    assert (report["conflicts"], report["refused_transfers"]) == (1, 1), report
    assert chain.scalar("SELECT count(*) FROM transfer WHERE number = 'OR-TR1'") == 0
    assert till.query(TRANSFER, number="OR-TR1") == [("refused", None, 0)]
    assert till.query(AT_STORE, serial="OR-1", store="S1") == [("sold",)]
    db = Database(till.db_url)
    try:
        assert "OR-TR1" not in db.read(lambda conn: shipped_here(conn, "S1"))  # not asked
    finally:
        db.dispose()
    again = till.sync()
    assert (again["refused_transfers"], again["sent_transfers"]) == (0, 0), again
    _same_stock(till, chain, "S1")
    for db in (till, chain):
        db.check_clean()


def test_the_losing_shipment_of_two_tills_follows_the_winning_one(chain: Chain) -> None:
    """Tills A and B of S1 ship the same unit offline, each on its own transfer. A's
    reaches central first; B's is a conflict and B's copy is refused. B never saw A's
    transfer (its mark skips A's shipment in the feed), yet once S2 receives it, B's copy
    of the unit is central's: asked for by serial, not by a transfer number."""
    assert chain.post(_line("receive", "S1", "OL-1"))[0]["ok"]
    a, b = chain.terminal("ol-a"), chain.terminal("ol-b")
    for till, number in ((a, "OL-TA"), (b, "OL-TB")):
        [out] = till.apply(
            _line("transfer_out", "S1", "OL-1", to="S2", transfer=number, create=True)
        )
        assert out["ok"], out
    assert a.sync()["accepted"] == 1
    first = b.sync()
    assert (first["conflicts"], first["refused_transfers"]) == (1, 1), first
    assert b.query(AT_STORE, serial="OL-1", store="S2") == [("in_transit",)]
    assert chain.post(_line("transfer_in", "S2", "OL-1", transfer="OL-TA"))[0]["ok"]
    b.sync()
    assert b.query(AT_STORE, serial="OL-1", store="S2") == [("in_stock",)]
    assert b.query(TRANSFER, number="OL-TB") == [("refused", None, 0)]
    _same_stock(b, chain, "S1")
    for db in (a, b, chain):
        db.check_clean()
