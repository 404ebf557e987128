"""A store terminal's token acts in its own store only, whatever it sends through
``POST /v1/apply`` (issue 16, "Bad input"): every line naming another store — by its
``store``, the order it changes, the refund note it spends — is refused ``wrong_store`` with
nothing recorded; a shipment to another store and the receipt of one from another store
stay its own. Tokens of no terminal (an admin's, a host's) keep every store.

Before, only lines carrying ``journal`` were checked, and by their ``store`` only: the
token of a till of S2 sold a unit of S1 and took S1's stock down."""

from __future__ import annotations

import json
from typing import Any

import httpx
from terminal_chain import Chain, Terminal

AT_STORE = (
    "SELECT u.state FROM serial_unit u JOIN store s ON s.id = u.store_id "
    "WHERE u.serial = :serial AND s.code = :store"
)
STOCK = (
    "SELECT coalesce(sum(k.quantity), 0) FROM stock_level k JOIN store s ON s.id = k.store_id "
    "JOIN product p ON p.id = k.product_id WHERE s.code = :store AND p.sku = :sku"
)
#: What a token recorded: its events, orders and transfers, and the ids it claimed.
RECORDED = (
    "SELECT (SELECT count(*) FROM ledger_event WHERE terminal = :t) "
    "+ (SELECT count(*) FROM sale_order WHERE terminal = :t) "
    "+ (SELECT count(*) FROM transfer WHERE terminal = :t)"
)


def _post(chain: Chain, token: str, *lines: dict[str, Any]) -> list[dict[str, Any]]:
    with httpx.Client(
        base_url=chain.server.base, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as client:
        response = client.post("/v1/apply", json=list(lines))
    assert response.status_code == 200, response.text
    return [json.loads(x) for x in response.text.splitlines()]


def _refused(verdict: dict[str, Any], *words: str) -> None:
    assert verdict["ok"] is False and verdict["error"] == "wrong_store", verdict
    for w in words:
        assert w in verdict["message"], verdict


def _till_s2(chain: Chain, name: str) -> Terminal:
    return chain.terminal(name, store="S2")


def test_a_till_token_of_another_store_changes_nothing_there(chain: Chain) -> None:
    assert chain.post(
        {"op": "receive", "store": "S1", "sku": "PH1", "serials": ["SC-1", "SC-2", "SC-3"]},
        {"op": "receive", "store": "S1", "sku": "CAB", "quantity": 10},
        {"op": "receive", "store": "S2", "sku": "PH1", "serials": ["SC-20", "SC-21"]},
        {"op": "receive", "store": "S2", "sku": "CAB", "quantity": 5},
    )[0]["ok"]
    [order] = chain.post({"op": "order_create", "store": "S1", "lines": [{"sku": "CAB"}]})
    assert order["ok"], order
    s1_order = order["order"]
    till = _till_s2(chain, "till-sc-c")
    cab_s1 = chain.scalar(STOCK, store="S1", sku="CAB")
    api = f"api:{till.token_name}"

    verdicts = _post(
        chain,
        till.token,
        {"op": "sell", "store": "S1", "sku": "PH1", "serial": "SC-1"},
        {"op": "adjust", "store": "S1", "sku": "CAB", "quantity": -1, "reason": "damaged"},
        {"op": "receive", "store": "S1", "sku": "PH1", "serial": "SC-9"},
        {"op": "return", "store": "S1", "sku": "PH1", "serial": "SC-2"},
        {"op": "rtv", "store": "S1", "sku": "PH1", "serial": "SC-2", "reason": "faulty"},
        {"op": "transfer_out", "store": "S1", "to": "S2", "sku": "PH1", "serial": "SC-3"},
        {"op": "transfer_in", "store": "S1", "sku": "PH1", "serial": "SC-20"},
        {"op": "order_create", "store": "S1", "lines": [{"sku": "CAB"}]},
        {"op": "order_pay", "order": s1_order, "payments": [{"method": "cash", "amount": 1}]},
        {"op": "order_park", "order": s1_order, "parked": True},
        {"op": "order_void", "order": s1_order},
        {"op": "order_fulfil", "order": s1_order, "payments": [{"method": "cash", "amount": 10}]},
        {"op": "count", "store": "S1", "batches": [{"counter": "x", "scans": []}]},
        # a plain line with an id (the idempotent way) is refused the same, its id left free
        {"id": "sc-host-1", "op": "sell", "store": "S1", "sku": "PH1", "serial": "SC-1"},
    )
    assert len(verdicts) == 14
    for verdict in verdicts[:8]:
        _refused(verdict, "belongs to store S2", "store S1")
    for verdict in verdicts[8:12]:
        _refused(verdict, f"order {s1_order} of store S1")
    _refused(verdicts[12], "store S1")
    _refused(verdicts[13], "store S1")

    # Nothing of any of it was recorded.
    assert chain.scalar(AT_STORE, serial="SC-1", store="S1") == "in_stock"
    assert chain.scalar(AT_STORE, serial="SC-2", store="S1") == "in_stock"
    assert chain.scalar(AT_STORE, serial="SC-3", store="S1") == "in_stock"
    assert chain.scalar("SELECT count(*) FROM serial_unit WHERE serial = 'SC-9'") == 0
    assert chain.scalar(STOCK, store="S1", sku="CAB") == cab_s1
    assert chain.scalar("SELECT status FROM sale_order WHERE number = :n", n=s1_order) == "open"
    # The route form of order_set_serial too (PUT /v1/orders/{order}/lines/{line}/serial).
    line = order["lines"][0]["line"]
    with httpx.Client(
        base_url=chain.server.base, headers={"Authorization": f"Bearer {till.token}"}, timeout=60
    ) as client:
        put = client.put(f"/v1/orders/{s1_order}/lines/{line}/serial", json={"serial": "SC-1"})
    assert put.status_code == 409 and put.json()["code"] == "wrong_store", put.text
    assert chain.scalar("SELECT count(*) FROM order_line WHERE serial = 'SC-1'") == 0

    assert chain.scalar(RECORDED, t=api) == 0
    assert chain.scalar("SELECT count(*) FROM apply_outcome WHERE terminal = :t", t=api) == 0


def test_a_till_token_acts_in_its_own_store_ships_and_receives(chain: Chain) -> None:
    assert chain.post(
        {"op": "receive", "store": "S2", "sku": "PH1", "serials": ["SO-1", "SO-2"]},
        {"op": "receive", "store": "S1", "sku": "PH1", "serial": "SO-10"},
        # central ships S1 -> S2: the till of S2 receives it
        {
            "op": "transfer_out",
            "store": "S1",
            "to": "S2",
            "sku": "PH1",
            "serial": "SO-10",
            "transfer": "TR-SO-IN",
            "create": True,
        },
    )[2]["ok"]
    till = _till_s2(chain, "till-so-c")
    verdicts = _post(
        chain,
        till.token,
        {"op": "sell", "store": "S2", "sku": "PH1", "serial": "SO-1"},
        {
            "op": "transfer_out",
            "store": "S2",
            "to": "S1",
            "sku": "PH1",
            "serial": "SO-2",
            "transfer": "TR-SO-OUT",
            "create": True,
        },
        {
            "op": "transfer_in",
            "store": "S2",
            "sku": "PH1",
            "serial": "SO-10",
            "transfer": "TR-SO-IN",
        },
        {"op": "customer_upsert", "key": "cust-so-1", "name": "Ann"},
    )
    assert all(v["ok"] for v in verdicts), verdicts
    assert chain.scalar(AT_STORE, serial="SO-1", store="S2") == "sold"
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'SO-2'") == "in_transit"
    assert chain.scalar(AT_STORE, serial="SO-10", store="S2") == "in_stock"


def test_tokens_of_no_terminal_keep_every_store(chain: Chain) -> None:
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "SA-1"})[0]["ok"]
    [sold] = _post(
        chain,
        chain.server.tokens["ada"],
        {"op": "sell", "store": "S1", "sku": "PH1", "serial": "SA-1"},
    )
    assert sold["ok"], sold
    [moved] = _post(
        chain,
        chain.server.tokens["mia"],
        {"op": "adjust", "store": "S2", "sku": "CAB", "quantity": 2, "reason": "found"},
    )
    assert moved["ok"], moved


def test_a_journal_entry_on_another_stores_order_is_refused(chain: Chain) -> None:
    """A till's journal entry naming an order of another store (by its number, no
    ``store``) is refused ``wrong_store``, as one naming another store is."""
    [order] = chain.post({"op": "order_create", "store": "S1", "lines": [{"sku": "CAB"}]})
    till = _till_s2(chain, "till-sj-c")
    entry = {
        "id": "sj-entry-1",
        "op": "order_void",
        "order": order["order"],
        "journal": {"terminal": till.name, "seq": 1, "user": "mia"},
    }
    [verdict] = _post(chain, till.token, entry)
    _refused(verdict, f"order {order['order']} of store S1")
    assert chain.scalar("SELECT status FROM sale_order WHERE number = :n", n=order["order"]) == (
        "open"
    )
