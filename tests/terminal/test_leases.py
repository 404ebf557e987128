"""Units leased to a store terminal (issue 16, item 5), with a real ``serialpos serve`` on
PostgreSQL and terminals driven through the CLI: the holder's offline sale of a leased unit
stands, another till's sale of it is a conflict naming the holder (never silent), central's
own sales and host lines are refused by name, a lease ends when released, when it expires
and when its holder sells the unit, and a token acts for its own terminal only. Also: a
terminal's token reads its own store's events only."""

from __future__ import annotations

import json
from typing import Any

import httpx
from terminal_chain import Chain, Terminal, run_cli


def _client(chain: Chain, till: Terminal) -> httpx.Client:
    return httpx.Client(
        base_url=chain.server.base,
        headers={"Authorization": f"Bearer {till.token}"},
        timeout=60,
    )


def _central_apply(chain: Chain, *lines: dict[str, Any]) -> list[dict[str, Any]]:
    """Lines applied at central's own console (the CLI on central's database)."""
    env = {**chain.server.env}
    env.pop("SERIALPOS_CONFIG", None)
    done = run_cli(
        ["--db", chain.server.db_url, "--user", "mia", "apply", "-"],
        env,
        stdin="".join(json.dumps(x) + "\n" for x in lines),
        check=False,
    )
    return [json.loads(x) for x in done.stdout.splitlines()]


def _sell(serial: str) -> dict[str, Any]:
    return {"op": "sell", "store": "S1", "sku": "PH1", "serial": serial}


def test_the_holders_offline_sale_stands_and_the_other_tills_is_a_conflict(chain: Chain) -> None:
    serials = ["LS-1", "LS-2", "LS-3"]
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": serials})[0]["ok"]
    holder, other = chain.terminal("lease-a"), chain.terminal("lease-b")

    taken = json.loads(holder.cli("terminal", "lease", "LS-1").stdout)
    assert (taken["taken"], taken["short"]) == (1, 0)
    assert [(x["serial"], x["terminal"]) for x in taken["leases"]] == [("LS-1", "lease-a")]
    assert holder.status()["leases"] == 1 and other.status()["leases"] == 0
    assert chain.scalar("SELECT count(*) FROM unit_lease") == 1

    # Both offline: each sells LS-1. The other till even reaches central first.
    [sold_a] = holder.apply(_sell("LS-1"))
    [sold_b] = other.apply(_sell("LS-1"))
    assert sold_a["ok"] and sold_b["ok"]
    pushed_b = other.sync()
    assert (pushed_b["accepted"], pushed_b["conflicts"], pushed_b["pending"]) == (0, 1, 0)
    pushed_a = holder.sync()
    assert (pushed_a["accepted"], pushed_a["conflicts"]) == (1, 0)

    # Central: the holder's sale stands; the other's entry is a conflict naming the holder.
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'LS-1'") == "sold"
    seller = chain.scalar(
        "SELECT terminal FROM ledger_event WHERE serial = 'LS-1' AND action = 'sell'"
    )
    assert seller == "lease-a"
    listed = json.loads(chain.central("conflicts", "list", "--json").stdout)
    [conflict] = [c for c in listed if c["serial"] == "LS-1"]
    assert conflict["terminal"] == "lease-b" and conflict["error"] == "leased"
    assert "leased to terminal lease-a" in conflict["message"]
    on_till = json.loads(other.cli("conflicts", "list", "--json").stdout)  # its store's
    assert [c["serial"] for c in on_till if c["terminal"] == "lease-b"] == ["LS-1"]
    # The holder's sale ended its lease, at central and (after the sale) on the till.
    assert chain.scalar("SELECT count(*) FROM unit_lease") == 0
    assert holder.status()["leases"] == 0

    # N units of a SKU: the oldest free one in stock (LS-1 is sold).
    by_count = json.loads(holder.cli("terminal", "lease", "PH1", "--count", "1").stdout)
    assert [x["serial"] for x in by_count["leases"]] == ["LS-2"]
    # Central's own console and a host's line may not sell it: refused, naming the holder.
    [console] = _central_apply(chain, _sell("LS-2"))
    assert console["error"] == "leased" and "terminal lease-a" in console["message"]
    [host] = chain.post(_sell("LS-2"))
    assert host["error"] == "leased" and "release the lease" in host["message"]
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'LS-2'") == "in_stock"

    at_central = chain.central("leases", "list", "--terminal", "lease-a", user="mia").stdout
    assert [(x["serial"], x["terminal"]) for x in json.loads(at_central)] == [("LS-2", "lease-a")]

    # Released, anyone may sell it.
    released = json.loads(holder.cli("terminal", "release", "LS-2").stdout)
    assert released == {"released": 1, "leases": []}
    assert holder.status()["leases"] == 0
    assert chain.post(_sell("LS-2"))[0]["ok"]
    for db in (holder, other):
        db.sync()
        db.check_clean()
    chain.check_clean()


def test_an_expired_lease_holds_nothing(chain: Chain) -> None:
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "LX-1"})[0]["ok"]
    holder, other = chain.terminal("lease-x"), chain.terminal("lease-y")
    held = json.loads(holder.cli("terminal", "lease", "LX-1", "--minutes", "5").stdout)
    assert [x["serial"] for x in held["leases"]] == ["LX-1"]
    [refused] = chain.post(_sell("LX-1"))
    assert refused["error"] == "leased"
    # Five minutes pass (central's clock: the lease's end moved into the past).
    with chain.server.db.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE unit_lease SET expires_at = taken_at - interval '1 minute' "
            "WHERE terminal_id = 'lease-x'"
        )
    [sold] = other.apply(_sell("LX-1"))
    assert sold["ok"]
    pushed = other.sync()
    assert (pushed["accepted"], pushed["conflicts"]) == (1, 0)
    with _client(chain, holder) as client:
        assert client.get("/v1/leases").json() == {"leases": []}
    assert json.loads(holder.cli("terminal", "leases").stdout) == []
    assert holder.status()["leases"] == 0


def test_a_token_leases_and_releases_for_its_own_terminal_only(chain: Chain) -> None:
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "LT-1"})[0]["ok"]
    assert chain.post({"op": "receive", "store": "S2", "sku": "PH1", "serial": "LT-2"})[0]["ok"]
    holder, other = chain.terminal("lease-t1"), chain.terminal("lease-t2")
    holder.cli("terminal", "lease", "LT-1")
    with _client(chain, other) as client:
        # Not for another terminal, and not another terminal's lease.
        for_holder = client.post("/v1/leases", json={"terminal": "lease-t1", "serials": ["LT-1"]})
        assert for_holder.status_code == 403
        assert "terminal lease-t2" in for_holder.json()["detail"]
        held = client.post("/v1/leases", json={"serials": ["LT-1"]})
        assert held.status_code == 409 and held.json()["code"] == "leased"
        assert "lease-t1" in held.json()["detail"]
        assert client.delete("/v1/leases/LT-1", params={"terminal": "lease-t1"}).status_code == 403
        mine = client.delete("/v1/leases/LT-1")
        assert (
            mine.status_code == 400 and "not leased to terminal lease-t2" in mine.json()["detail"]
        )
        assert client.delete("/v1/leases").json() == {"released": 0, "serials": []}
        assert client.get("/v1/leases", params={"terminal": "lease-t1"}).status_code == 403
        # Not a unit of another store.
        elsewhere = client.post("/v1/leases", json={"serials": ["LT-2"]})
        assert (
            elsewhere.status_code == 409 and "not free in stock at S1" in elsewhere.json()["detail"]
        )
        bad = client.post("/v1/leases", json={"sku": "PH1", "count": 0})
        assert bad.status_code == 400
    with chain.server.client("ada") as client:  # a token of no terminal leases for no one
        refused = client.post("/v1/leases", json={"serials": ["LT-1"]})
        assert refused.status_code == 409 and refused.json()["code"] == "terminal_not_linked"
    with chain.server.client("carl") as client:  # a cashier's token of no terminal: no list
        assert client.get("/v1/leases").status_code == 403
    with chain.server.client("mia") as client:  # a manager frees a lost till's units
        listed = client.get("/v1/leases", params={"terminal": "lease-t1"}).json()["leases"]
        assert [x["serial"] for x in listed] == ["LT-1"]
        freed = client.delete("/v1/leases/LT-1").json()
        assert freed == {"released": 1, "serials": ["LT-1"]}
    assert chain.scalar("SELECT count(*) FROM unit_lease WHERE terminal_id = 'lease-t1'") == 0


def test_a_terminal_token_reads_its_own_stores_events_only(chain: Chain) -> None:
    till = chain.terminal("feed-s1")
    assert chain.post({"op": "receive", "store": "S2", "sku": "PH1", "serial": "FS-2"})[0]["ok"]
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "FS-1"})[0]["ok"]
    with chain.server.client("ada") as client:
        everything = client.get("/v1/events", params={"limit": 1000}).json()
    assert {e["store"] for e in everything["events"]} == {"S1", "S2"}
    with _client(chain, till) as client:
        asked = client.get("/v1/events", params={"store": "S2"})
        assert asked.status_code == 403 and "store S1" in asked.json()["detail"]
        mine = client.get("/v1/events", params={"limit": 1000}).json()
    assert mine["events"] and {e["store"] for e in mine["events"]} == {"S1"}
    assert [e["seq"] for e in mine["events"]] == [
        e["seq"] for e in everything["events"] if e["store"] == "S1"
    ]
    assert mine["next"] == everything["next"] == mine["last"]
    # The till's pull moves its cursor to central's last number and holds FS-1, not FS-2.
    pulled = till.sync()
    assert pulled["feed_after"] == everything["next"]
    assert till.unit_state("FS-1") == "in_stock" and till.unit_state("FS-2") is None
    till.check_clean()
