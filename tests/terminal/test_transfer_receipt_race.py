"""A till's transfer receipt that lost a race with central's receipt of the same transfer
(docs/offline.md "A transfer receipt that lost a race"): recorded at central as a conflict
(``not_in_transit``, naming the quantity that moved meanwhile), never refused; the till
takes central's state and its copy of the transfer reads central's again, so the units that
arrived are received again there; the conflict's listed resolutions go through. Real
``serialpos serve`` on PostgreSQL, terminals driven through the CLI."""

from __future__ import annotations

import json
from typing import Any

from terminal_chain import Chain

STOCK = (
    "SELECT coalesce(sum(k.quantity), 0) FROM stock_level k JOIN store s ON s.id = k.store_id "
    "JOIN product p ON p.id = k.product_id WHERE s.code = :store AND p.sku = :sku"
)


def _ship(chain: Chain, serial: str, number: str) -> None:
    done = chain.post(
        {"op": "receive", "store": "S1", "sku": "PH1", "serial": serial},
        {"op": "receive", "store": "S1", "sku": "CAB", "quantity": 3},
        {
            "op": "transfer_out",
            "store": "S1",
            "to": "S2",
            "transfer": number,
            "create": True,
            "items": [{"sku": "PH1", "serials": [serial]}, {"sku": "CAB", "quantity": 3}],
        },
    )
    assert all(r["ok"] for r in done), done


def _conflicts(chain: Chain) -> list[dict[str, Any]]:
    return list(json.loads(chain.central("conflicts", "list", "--json").stdout))


def test_a_transfer_receipt_central_took_part_of_meanwhile_is_a_conflict(chain: Chain) -> None:
    """The case found: TX reaches the S2 till; offline it receives the phone and 3 cables
    whole; meanwhile central receives 2 of the cables. The sync records a conflict at
    central (not a refusal ``not_on_asn``), naming the cables received meanwhile; the till
    takes central's state (the phone in transit again, its cables put back) and its copy of
    the transfer reads central's again, so the phone and the last cable are received again
    at the till and taken at central; then the manager's ``accept`` goes through."""
    _ship(chain, "TR-F2", "TR-TX1")
    till = chain.terminal("tr-s2", "S2")
    till.sync()
    assert till.unit_state("TR-F2") == "in_transit"
    cables = int(till.query(STOCK, store="S2", sku="CAB")[0][0])
    [made] = till.apply(
        {
            "op": "transfer_in",
            "store": "S2",
            "transfer": "TR-TX1",
            "complete": True,
            "items": [{"sku": "PH1", "serials": ["TR-F2"]}, {"sku": "CAB", "quantity": 3}],
        }
    )
    assert made["ok"], made
    meanwhile = chain.post(
        {"op": "transfer_in", "store": "S2", "transfer": "TR-TX1", "sku": "CAB", "quantity": 2}
    )
    assert meanwhile[0]["ok"], meanwhile
    report = till.sync()
    assert report["conflicts"] == 1 and report["refused"] == 0, report
    [(state, answer)] = till.query(
        "SELECT state, answer FROM journal_entry WHERE id = :e", e=made["entry"]
    )
    assert state == "conflict", answer
    [conflict] = [c for c in _conflicts(chain) if c["entry"]["id"] == made["entry"]]
    assert conflict["error"] == "not_in_transit", conflict
    assert "2 of 3 received there already" in conflict["message"], conflict
    assert conflict["not_recorded"]["document"] == "transfer receipt", conflict
    assert conflict["not_recorded"]["conflicting"] == [2], conflict
    assert conflict["serial"] is None and conflict["sku"] == "CAB", conflict
    assert conflict["resolutions"] == ["accept"], conflict
    # The till holds central's state: the phone in transit, the 2 cables central took.
    assert till.unit_state("TR-F2") == "in_transit"
    assert int(till.query(STOCK, store="S2", sku="CAB")[0][0]) == cables + 2
    copy = till.query("SELECT t.status FROM transfer t WHERE t.number = 'TR-TX1'")
    assert copy == [("shipped",)], copy
    for db in (till, chain):
        db.check_clean()
    # Received again at the till: what is still in transit (the phone, 1 cable).
    [again] = till.apply(
        {
            "op": "transfer_in",
            "store": "S2",
            "transfer": "TR-TX1",
            "complete": True,
            "items": [{"sku": "PH1", "serials": ["TR-F2"]}, {"sku": "CAB", "quantity": 1}],
        }
    )
    assert again["ok"], again
    assert till.sync()["accepted"] == 1
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'TR-F2'") == "in_stock"
    assert int(chain.scalar(STOCK, store="S2", sku="CAB")) == cables + 3
    assert int(till.query(STOCK, store="S2", sku="CAB")[0][0]) == cables + 3
    done = chain.central("conflicts", "resolve", str(conflict["id"]), "--by", "accept", user="ada")
    assert "accept" in done.stdout, done.stdout
    for db in (till, chain):
        db.check_clean()
