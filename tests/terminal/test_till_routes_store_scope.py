"""Every route a store terminal's sync calls reads and acts in the till's own store only
(issue 16, "Bad input"), as ``POST /v1/apply`` and ``GET /v1/events`` do: the token of a till
of S2 asking S1's incoming transfers, open ASNs or transfers sent (and the units shipped
from S1 that moved since) is refused ``permission_denied`` (403), and resolving a conflict
of S1 ``wrong_store`` (409), the conflict left open. Its own store's answer is unchanged,
and a token of no terminal (an admin's) keeps every store.

Before, each of those routes answered any ``store=`` for any till's token, and a manager
at S2's till resolved S1's conflict."""

from __future__ import annotations

from typing import Any

import httpx
from terminal_chain import Chain

from serialpos.services import asn, users

S1_READS: list[tuple[str, dict[str, Any]]] = [
    ("/v1/transfers/incoming", {"store": "S1"}),
    ("/v1/asns/open", {"store": "S1"}),
    ("/v1/transfers/sent", {"store": "S1", "number": "RS-TA"}),
    ("/v1/transfers/sent", {"store": "S1", "serial": "RS-1", "after": "0"}),
    ("/v1/units", {"store": "S1", "serial": "RS-1"}),
]


def _client(chain: Chain, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=chain.server.base, headers={"Authorization": f"Bearer {token}"}, timeout=60
    )


def test_a_till_token_reads_and_resolves_in_its_own_store_only(chain: Chain) -> None:
    # S1: a unit shipped to S2 and one from S2 in transit to S1, an open ASN, a conflict.
    assert chain.post(
        {"op": "receive", "store": "S1", "sku": "PH1", "serials": ["RS-1", "RS-2"]},
        {"op": "receive", "store": "S2", "sku": "PH1", "serial": "RS-3"},
    )[0]["ok"]
    ship = {"op": "transfer_out", "create": True}
    out = chain.post(
        ship
        | {"store": "S1", "to": "S2", "transfer": "RS-TA"}
        | {"items": [{"sku": "PH1", "serials": ["RS-1"]}]},
        ship
        | {"store": "S2", "to": "S1", "transfer": "RS-TB"}
        | {"items": [{"sku": "PH1", "serials": ["RS-3"]}]},
    )
    assert all(v["ok"] for v in out), out
    ada = users.actor_for(chain.server.db, "ada", "setup")
    notice = b"ASN,Vendor,SKU,Quantity,Serials,CasePack\nRS-ASN,Acme,PH1,1,RS-9,\n"
    asn.import_asn_data(chain.server.db, ada, "n.csv", notice, "S1")
    s1_till = chain.terminal("till-rs-s1")
    assert chain.post({"op": "sell", "store": "S1", "sku": "PH1", "serial": "RS-2"})[0]["ok"]
    assert s1_till.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": "RS-2"})[0]["ok"]
    assert s1_till.sync()["conflicts"] == 1
    conflict = chain.scalar(
        "SELECT c.id FROM sync_conflict c JOIN store s ON s.id = c.store_id "
        "WHERE s.code = 'S1' AND c.status = 'open' ORDER BY c.id DESC LIMIT 1"
    )
    assert conflict is not None
    s2_till = chain.terminal("till-rs-s2", store="S2")
    reads = S1_READS

    with _client(chain, s2_till.token) as client:
        for path, params in reads:
            answer = client.get(path, params=params)
            assert answer.status_code == 403, (path, params, answer.text)
            assert answer.json()["code"] == "permission_denied", answer.text
            assert "belongs to terminal till-rs-s2 of store S2" in answer.json()["detail"]
            assert "of store S1" in answer.json()["detail"], answer.text
        resolve = client.post(
            f"/v1/conflicts/{conflict}/resolve", json={"by": "write_off", "user": "mia"}
        )
        assert resolve.status_code == 409, resolve.text
        assert resolve.json()["code"] == "wrong_store", resolve.text
        assert f"conflict {conflict} of store S1" in resolve.json()["detail"]
        # its own store's answers as ever
        own = client.get("/v1/transfers/incoming", params={"store": "S2"})
        assert [t["number"] for t in own.json()["transfers"]] == ["RS-TA"]
        assert client.get("/v1/asns/open", params={"store": "S2"}).json() == {"asns": []}
    assert chain.scalar("SELECT status FROM sync_conflict WHERE id = :i", i=conflict) == "open"
    with chain.server.client("ada") as admin:  # a token of no terminal: every store
        answers = [admin.get(path, params=params) for path, params in reads]
        assert [a.status_code for a in answers] == [200] * 5, [a.text for a in answers]
        incoming = answers[0].json()["transfers"]
        assert [t["number"] for t in incoming] == ["RS-TB"]
        assert [a["asn"] for a in answers[1].json()["asns"]] == ["RS-ASN"]
        assert [t["number"] for t in answers[2].json()["transfers"]] == ["RS-TA"]
        [unit] = answers[4].json()["units"]
        assert (unit["serial"], unit["store"], unit["state"]) == ("RS-1", "S2", "in_transit")
    # the till of S1 reads its own and resolves its own conflict
    with _client(chain, s1_till.token) as client:
        assert client.get("/v1/asns/open", params={"store": "S1"}).status_code == 200
        done = client.post(f"/v1/conflicts/{conflict}/resolve", json={"by": "accept"})
        assert done.status_code == 200, done.text
    assert chain.scalar("SELECT status FROM sync_conflict WHERE id = :i", i=conflict) == "resolved"


def test_the_other_sync_routes_already_kept_a_till_to_its_store(chain: Chain) -> None:
    """The snapshot (every part), leases and the conflict list held a till's token to its
    store before: kept so (no change of code; each route checked for issue 16)."""
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "RK-1"})[0]["ok"]
    [order] = chain.post(
        {"op": "order_create", "store": "S1", "lines": [{"sku": "PH1", "serial": "RK-1"}]}
    )
    assert order["ok"], order
    s1_till = chain.terminal("till-rk-s1")
    s2_till = chain.terminal("till-rk-s2", store="S2")
    with _client(chain, s2_till.token) as client:
        for part in ({}, {"part": "reference"}, {"part": "orders", "number": order["order"]}):
            answer = client.get(
                "/v1/snapshot", params={"store": "S1", "terminal": "till-rk-s2"} | part
            )
            assert answer.status_code == 409, answer.text
            assert answer.json()["code"] == "token_in_use", answer.text
        own = client.get(
            "/v1/snapshot",
            params={
                "store": "S2",
                "terminal": "till-rk-s2",
                "part": "orders",
                "number": order["order"],
            },
        )
        assert own.status_code == 200 and order["order"] not in own.text, own.text
        taken = client.post("/v1/leases", json={"serials": ["RK-1"]})
        assert taken.json()["code"] == "not_in_stock", taken.text
        for answer in (
            client.get("/v1/leases", params={"terminal": "till-rk-s1"}),
            client.delete("/v1/leases", params={"terminal": "till-rk-s1"}),
            client.get("/v1/conflicts", params={"store": "S1"}),
        ):
            assert answer.status_code == 403, answer.text
            assert answer.json()["code"] == "permission_denied", answer.text
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "RK-2"})[0]["ok"]
    with _client(chain, s1_till.token) as client:  # its own store's unit
        taken = client.post("/v1/leases", json={"serials": ["RK-2"]})
        assert taken.status_code == 200 and taken.json()["taken"] == 1, taken.text
