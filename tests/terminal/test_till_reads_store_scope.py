"""The lookups of ``serialpos serve`` read a till's own store only (services/store_scope.py),
as its sync's routes do: the token of a till of S2 asking for an order, a unit, the stock,
the sales, a serial search or a line's outcome of S1 is refused ``permission_denied`` (403)
or, a listing asked for no store, given S2's only. The till of S1 reads its own as ever,
and a token of no terminal (an admin's) every store's.

Before, each of these routes answered every store to any valid token, a till's included.
And a till given an admin's token that had not been used yet bound it at ``terminal init``:
the admin's token, every store's, became the till's; it is refused ``admin_token`` now."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from terminal_chain import Chain, Terminal, run_cli

from serialpos.services import tokens, users

LINKS = "SELECT count(*) FROM terminal_link WHERE api_terminal = :t"


@dataclass
class Shops:
    """Two tills, S1's and S2's, and what each store holds: a sale (its order) and units
    whose serials start ``SC-``; lines applied with ids by each till's token and a host."""

    s1: Terminal
    s2: Terminal
    s1_order: str
    s2_order: str
    s1_entry: str  # the S1 till's own sale, pushed by its sync: recorded under its id


def _client(chain: Chain, token: str) -> httpx.Client:
    return httpx.Client(
        base_url=chain.server.base, headers={"Authorization": f"Bearer {token}"}, timeout=60
    )


def _applied(chain: Chain, token: str, *lines: dict[str, Any]) -> None:
    with _client(chain, token) as client:
        answer = client.post("/v1/apply", json=list(lines))
    assert answer.status_code == 200 and '"ok": false' not in answer.text, answer.text


@pytest.fixture(scope="module")
def shops(chain: Chain) -> Iterator[Shops]:
    sold = chain.post(
        {"op": "receive", "store": "S1", "sku": "PH1", "serials": ["SC-1", "SC-2", "SC-5"]},
        {"op": "receive", "store": "S2", "sku": "PH1", "serials": ["SC-3", "SC-4"]},
        {"op": "receive", "store": "S1", "sku": "CAB", "quantity": 3},
        {"op": "receive", "store": "S2", "sku": "CAB", "quantity": 7},
        {"op": "sell", "store": "S1", "sku": "PH1", "serial": "SC-2"},
        {"op": "sell", "store": "S2", "sku": "PH1", "serial": "SC-4"},
    )
    assert all(v["ok"] for v in sold), sold
    s1, s2 = chain.terminal("till-sc-s1"), chain.terminal("till-sc-s2", store="S2")
    assert s1.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": "SC-5"})[0]["ok"]
    assert s1.sync()["pending"] == 0
    [(entry,)] = s1.query("SELECT id FROM journal_entry")
    _applied(
        chain,
        s1.token,
        {"id": "s1-line", "op": "receive", "store": "S1", "sku": "CAB", "quantity": 1},
    )
    _applied(
        chain,
        s2.token,
        {"id": "s2-line", "op": "receive", "store": "S2", "sku": "CAB", "quantity": 1},
    )
    _applied(
        chain,
        chain.server.tokens["ada"],
        {"id": "host-line", "op": "receive", "store": "S1", "sku": "CAB", "quantity": 1},
    )
    yield Shops(s1, s2, sold[4]["order"], sold[5]["order"], str(entry))


def _refused(answer: httpx.Response, *said: str) -> None:
    assert answer.status_code == 403, answer.text
    assert answer.json()["code"] == "permission_denied", answer.text
    assert "this token belongs to terminal till-sc-s2 of store S2" in answer.json()["detail"]
    for words in said:
        assert words in answer.json()["detail"], answer.text


def test_an_order_of_another_store_is_refused(chain: Chain, shops: Shops) -> None:
    with _client(chain, shops.s2.token) as s2:
        _refused(s2.get(f"/v1/orders/{shops.s1_order}"), f"order {shops.s1_order} of store S1")
        own = s2.get(f"/v1/orders/{shops.s2_order}")
        assert own.status_code == 200 and own.json()["store"] == "S2", own.text
        unknown = s2.get("/v1/orders/NO-SUCH-1")
        assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_order"
    with _client(chain, shops.s1.token) as s1:
        assert s1.get(f"/v1/orders/{shops.s1_order}").json()["store"] == "S1"
    with chain.server.client("ada") as host:
        both = [host.get(f"/v1/orders/{n}") for n in (shops.s1_order, shops.s2_order)]
        assert [a.json()["store"] for a in both] == ["S1", "S2"], [a.text for a in both]


def test_a_unit_of_another_store_is_refused(chain: Chain, shops: Shops) -> None:
    with _client(chain, shops.s2.token) as s2:
        for serial in ("SC-1", "SC-2"):  # in stock at S1, sold at S1
            answer = s2.get(f"/v1/serials/{serial}")
            _refused(answer, f"the unit with the serial {serial} of store S1")
        own = s2.get("/v1/serials/SC-4")
        assert own.status_code == 200, own.text
        assert [(u["store"], u["state"]) for u in own.json()["units"]] == [("S2", "sold")]
        assert s2.get("/v1/serials/SC-NONE").json()["code"] == "unknown_serial"
    with _client(chain, shops.s1.token) as s1:  # its own, sold at its till
        own = s1.get("/v1/serials/SC-5")
        assert [(u["store"], u["state"]) for u in own.json()["units"]] == [("S1", "sold")]
    with chain.server.client("ada") as host:
        for serial, store in (("SC-1", "S1"), ("SC-3", "S2")):
            assert host.get(f"/v1/serials/{serial}").json()["units"][0]["store"] == store


def _found(client: httpx.Client) -> list[tuple[str, str]]:
    answer = client.get("/v1/serials", params={"prefix": "SC-"})
    assert answer.status_code == 200, answer.text
    return [(m["serial"], m["store"]) for m in answer.json()["matches"]]


def test_a_serial_search_lists_the_tills_own_store(chain: Chain, shops: Shops) -> None:
    with _client(chain, shops.s2.token) as s2:
        assert _found(s2) == [("SC-3", "S2"), ("SC-4", "S2")]
        first = s2.get("/v1/serials", params={"prefix": "SC-", "limit": 1}).json()
        assert [m["serial"] for m in first["matches"]] == ["SC-3"] and first["truncated"]
    with _client(chain, shops.s1.token) as s1:
        assert _found(s1) == [("SC-1", "S1"), ("SC-2", "S1"), ("SC-5", "S1")]
    with chain.server.client("ada") as host:
        assert [s for s, _store in _found(host)] == ["SC-1", "SC-2", "SC-3", "SC-4", "SC-5"]


def _stock(client: httpx.Client, **params: str) -> list[tuple[str, str, int]]:
    answer = client.get("/v1/stock", params={"sku": "CAB", **params})
    assert answer.status_code == 200, answer.text
    return [(s["store"], s["sku"], s["quantity"]) for s in answer.json()["stock"]]


def test_the_stock_of_another_store_is_refused_and_the_list_the_tills(
    chain: Chain, shops: Shops
) -> None:
    with _client(chain, shops.s2.token) as s2:
        refused = s2.get("/v1/stock", params={"store": "S1"})
        _refused(refused, "the stock of store S1")
        assert _stock(s2) == [("S2", "CAB", 8)]
        assert _stock(s2, store="S2") == [("S2", "CAB", 8)]
    with _client(chain, shops.s1.token) as s1:
        assert _stock(s1) == [("S1", "CAB", 5)]
    with chain.server.client("ada") as host:
        assert _stock(host) == [("S1", "CAB", 5), ("S2", "CAB", 8)]
        assert _stock(host, store="S1") == [("S1", "CAB", 5)]


def _sales(client: httpx.Client, **params: str) -> list[tuple[str, str | None]]:
    answer = client.get(
        "/v1/reports/sales-detail", params=params, headers={"Accept": "application/json"}
    )
    assert answer.status_code == 200, answer.text
    return sorted((r["store"], r["serial"]) for r in answer.json()["rows"])


def test_the_sales_detail_of_another_store_is_refused_and_the_report_the_tills(
    chain: Chain, shops: Shops
) -> None:
    with _client(chain, shops.s2.token) as s2:
        _refused(s2.get("/v1/reports/sales-detail", params={"store": "S1"}), "of store S1")
        csv = s2.get("/v1/reports/sales-detail", params={"serial": "SC-2"})
        assert csv.status_code == 200 and csv.text.count("\n") == 1, csv.text  # the header
        assert _sales(s2) == [("S2", "SC-4")]
    with _client(chain, shops.s1.token) as s1:
        assert _sales(s1) == [("S1", "SC-2"), ("S1", "SC-5")]
    with chain.server.client("ada") as host:
        assert _sales(host) == [("S1", "SC-2"), ("S1", "SC-5"), ("S2", "SC-4")]


def _status(client: httpx.Client, *ids: str) -> httpx.Response:
    return client.get("/v1/apply/status", params=[("id", i) for i in ids])


def test_a_line_sent_from_another_store_is_refused(chain: Chain, shops: Shops) -> None:
    with _client(chain, shops.s2.token) as s2:
        for other in ("s1-line", shops.s1_entry, "host-line"):
            _refused(_status(s2, "s2-line", other), f"line {other} was not sent from store S2")
        own = _status(s2, "s2-line", "never-sent")
        assert own.status_code == 200, own.text
        assert [a["status"] for a in own.json()["ids"]] == ["applied", "not_applied"]
    with _client(chain, shops.s1.token) as s1:  # its token's line, and its till's entry
        own = _status(s1, "s1-line", shops.s1_entry)
        assert own.status_code == 200, own.text
        assert [a["status"] for a in own.json()["ids"]] == ["applied", "applied"]
        assert own.json()["ids"][1]["terminal"] == "till-sc-s1"
    with chain.server.client("ada") as host:
        every = _status(host, "s1-line", "s2-line", "host-line", shops.s1_entry)
        assert [a["status"] for a in every.json()["ids"]] == ["applied"] * 4, every.text


def test_the_catalogue_is_the_chains(chain: Chain, shops: Shops) -> None:
    """Products are no store's: every till takes the whole catalogue with its snapshot."""
    with _client(chain, shops.s2.token) as s2:
        assert s2.get("/v1/products/PH1").json()["sku"] == "PH1"
        listed = s2.get("/v1/products").json()["products"]
        assert {"PH1", "CAB"} <= {p["sku"] for p in listed}


def test_an_admins_token_not_used_yet_is_not_bound_to_a_till(chain: Chain, shops: Shops) -> None:
    ada = users.actor_for(chain.server.db, "ada", "setup")
    name = f"ada-new-{uuid.uuid4().hex[:6]}"
    secret = tokens.create_token(chain.server.db, ada, "ada", name)[0]
    folder = chain.folder / "till-sc-admin"
    folder.mkdir()
    env = shops.s1.env | {"SERIALPOS_OUTBOX": str(folder / "outbox"), "XDG_DATA_HOME": str(folder)}
    given = ["--token", secret, "--store", "S1", "--terminal", "till-sc-admin"]
    init = ["terminal", "init", "--server", chain.server.base, *given]
    done = run_cli(["--config", str(folder / "terminal.toml"), *init], env, check=False)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "admin_token" in done.stderr or "a till is not given an admin's token" in done.stderr
    assert f"this token ({name}) is admin ada's" in done.stderr, done.stderr
    assert "create a token for terminal till-sc-admin" in done.stderr, done.stderr
    assert chain.scalar(LINKS, t=f"api:{name}") == 0
    with _client(chain, secret) as admin:  # still every store's
        answer = admin.get("/v1/snapshot", params={"store": "S2", "terminal": "till-sc-x"})
        assert answer.status_code == 409 and answer.json()["code"] == "admin_token"
        assert admin.get(f"/v1/orders/{shops.s1_order}").status_code == 200
        assert admin.get("/v1/stock", params={"store": "S2"}).status_code == 200
    _applied(chain, secret, {"op": "receive", "store": "S2", "sku": "PH1", "serial": "AD-1"})


def test_a_till_given_an_admins_new_token_does_not_bind_it_at_its_sync(chain: Chain) -> None:
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "AD-10"})[0]["ok"]
    till = chain.terminal("till-sc-ad")
    assert till.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": "AD-10"})[0]["ok"]
    ada = users.actor_for(chain.server.db, "ada", "setup")
    name = f"ada-sync-{uuid.uuid4().hex[:6]}"
    secret = tokens.create_token(chain.server.db, ada, "ada", name)[0]
    config = till.config.read_text()
    till.config.write_text(config.replace(till.token, secret))

    done = till.cli("sync", check=False)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert f"this token ({name}) is admin ada's" in done.stderr, done.stderr
    assert chain.scalar(LINKS, t=f"api:{name}") == 0
    assert till.status()["pending"] == 1, till.status()
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'AD-10'") == "in_stock"

    till.config.write_text(config)  # its own token: as ever
    report = till.sync()
    assert report["accepted"] == 1 and report["pending"] == 0, report
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'AD-10'") == "sold"
