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
from serialpos.terminal import sync
from serialpos.terminal.client import CentralClient

AT_STORE = (
    "SELECT u.state FROM serial_unit u JOIN store s ON s.id = u.store_id "
    "WHERE u.serial = :serial AND s.code = :store"
)
STOCK = (
    "SELECT coalesce(sum(k.quantity), 0) FROM stock_level k JOIN store s ON s.id = k.store_id "
    "JOIN product p ON p.id = k.product_id WHERE s.code = :store AND p.sku = :sku"
)
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
    monkeypatch.setattr(sync, "PUSH_BATCH", 1)
    db = Database(till.db_url)
    config = ChainConfig(chain.server.base, till.token, "S1", till.name)
    try:
        with CentralClient(chain.server.base, till.token, timeout=30) as client:
            return sync.sync_once(db, config, client)
    finally:
        db.dispose()


# -- an entry naming units by its order's number ---------------------------------------------


def test_a_refused_fulfil_by_order_number_carries_the_orders_units(chain: Chain) -> None:
    """A till fulfils, offline, its own order that central meanwhile voided: the fulfilment
    names the order, not the unit, yet central's refusal carries the unit's state and the
    till takes it (the unit back in stock, as at central) in the push itself."""
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
    assert (report["refused"], report["central_state"]) == (1, 1), report
    state, answer = _answer(till, done["entry"])
    assert state == "refused"
    assert [(u["serial"], u["store"], u["state"]) for u in answer["central_units"]] == [
        ("OU-1", "S1", "in_stock")
    ]
    assert till.unit_state("OU-1") == "in_stock"
    _same_stock(till, chain, "S1")
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
    assert report.conflicts == 1 and report.central_state == 0, report
    assert _answer(loser, sold["entry"])[1]["central_units"][0]["state"] == "sold"
    assert not loser.query("SELECT 1 FROM ledger_event WHERE action = 'central_state'")
    # Central never had the loser's sale, so its return is refused; the pull brings the
    # winner's sale and the till ends as central.
    assert _answer(loser, back["entry"])[0] == "refused"
    assert loser.unit_state("OW-1") == chain.scalar(AT_STORE, serial="OW-1", store="S1")
    for db in (winner, loser, chain):
        db.check_clean()
