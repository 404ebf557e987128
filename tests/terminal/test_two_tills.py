"""The two-tills-one-unit case (issue 16): two store terminals, offline, sell the same serial.
On reconnect central accepts one sale and records the other as a conflict, shown to the
manager and on the till that made it; the till takes central's state; a manager resolves it
by a new event, and every database stays consistent."""

from __future__ import annotations

import json

from terminal_chain import Chain


def test_two_tills_sell_one_unit(chain: Chain) -> None:
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": ["TT-1", "TT-2"]})[
        0
    ]["ok"]
    till1, till2 = chain.terminal("till-a"), chain.terminal("till-b")
    assert till1.config.stat().st_mode & 0o777 == 0o600  # it holds the token
    assert till1.unit_state("TT-1") == till2.unit_state("TT-1") == "in_stock"

    # Both offline (neither syncs): each sells TT-1 to its customer.
    [sold1] = till1.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": "TT-1"})
    [sold2] = till2.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": "TT-1"})
    assert sold1["ok"] and sold2["ok"] and sold1["entry"] != sold2["entry"]

    first = till1.sync()
    assert (first["accepted"], first["conflicts"], first["pending"]) == (1, 0, 0)
    second = till2.sync()
    assert (second["accepted"], second["conflicts"], second["pending"]) == (0, 1, 0)

    # Central: one sale stands, made by till 1; till 2's entry is a conflict, both kept.
    sells = chain.scalar(
        "SELECT count(*) FROM ledger_event WHERE serial = 'TT-1' AND action = 'sell'"
    )
    assert sells == 1
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'TT-1'") == "sold"
    listed = json.loads(chain.central("conflicts", "list", "--json").stdout)
    [conflict] = [c for c in listed if c["serial"] == "TT-1"]
    assert (conflict["sku"], conflict["store"], conflict["status"]) == ("PH1", "S1", "open")
    assert conflict["terminal"] == "till-b" and conflict["error"] == "already_sold"
    assert conflict["first_event"]["action"] == "sell"
    assert conflict["first_event"]["terminal"] == "till-a"  # the till's id, its cashier
    assert conflict["first_event"]["user"] == "mia"
    assert conflict["entry"]["id"] == sold2["entry"]
    assert conflict["entry"]["line"]["serial"] == "TT-1"
    with chain.server.client("mia") as client:
        api = client.get("/v1/conflicts", params={"status": "open"}).json()["conflicts"]
    assert [c["id"] for c in api if c["serial"] == "TT-1"] == [conflict["id"]]
    with chain.server.client("carl") as client:  # a cashier does not see the manager's list
        assert client.get("/v1/conflicts").status_code == 403

    # The till that made it shows it too (from its own journal, offline as well), and so
    # does the store's other till: a till lists its store's conflicts, as GET /v1/conflicts
    # gives its token (api/sync_routes.py), so a manager at either can resolve it.
    on_till = json.loads(till2.cli("conflicts", "list", "--json").stdout)
    assert [(c["serial"], c["id"]) for c in on_till if c["terminal"] == "till-b"] == [
        ("TT-1", conflict["id"])
    ]
    on_other = json.loads(till1.cli("conflicts", "list", "--json").stdout)
    assert [c["id"] for c in on_other if c["serial"] == "TT-1"] == [conflict["id"]]
    status2 = json.loads(till2.cli("terminal", "status").stdout)
    assert (status2["pending"], status2["conflicts"]) == (0, 1)

    # Resending the conflicting entry is answered the same, and records nothing new.
    [line] = till2.query("SELECT line FROM journal_entry")
    with chain.server.client("mia") as client:
        resent = client.post(
            "/v1/apply", content=line[0] + "\n", headers={"Content-Type": "application/x-ndjson"}
        )
    # Resent with another token: refused as not this token's terminal, nothing recorded.
    assert json.loads(resent.text)["error"] in ("terminal_not_linked", "wrong_store")
    assert chain.scalar("SELECT count(*) FROM sync_conflict WHERE serial = 'TT-1'") == 1

    # A manager resolves it by a new event: the standing sale is voided, the unit returns.
    resolved = json.loads(
        chain.central(
            "conflicts",
            "resolve",
            str(conflict["id"]),
            "--by",
            "return",
            "--note",
            "sold twice offline",
            user="mia",
        ).stdout
    )
    assert resolved["status"] == "resolved" and resolved["resolution"]["by"] == "mia"
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'TT-1'") == "in_stock"
    again = chain.central(
        "conflicts", "resolve", str(conflict["id"]), "--by", "accept", user="mia", check=False
    )
    assert again.returncode == 1 and "already resolved" in again.stderr

    # Both tills take central's state; every database is consistent.
    till1.sync()
    till2.sync()
    assert till1.unit_state("TT-1") == till2.unit_state("TT-1") == "in_stock"
    assert till1.unit_state("TT-2") == till2.unit_state("TT-2") == "in_stock"
    for db in (till1, till2, chain):
        db.check_clean()


def test_unjournaled_commands_are_refused_on_a_terminal(chain: Chain) -> None:
    till = chain.terminal("till-guard")
    done = till.cli(
        "--user", "mia", "products", "set", "PH1", "--serial-mode", "optional", check=False
    )
    assert done.returncode == 1 and "would change the terminal's copy only" in done.stderr
    assert till.cli("stock").returncode == 0  # a lookup is fine
    [refused] = till.apply({"op": "order_void", "order": "S1-000001"}, check=False)
    assert refused["error"] == "not_on_terminal" and till.status()["pending"] == 0
    imported = till.cli("--user", "mia", "asn", "import", "notice.csv", check=False)
    assert imported.returncode == 1 and "'serialpos asn import'" in imported.stderr
    assert "imported at central" in imported.stderr  # what to do instead, named
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "GU-1"})[0]["ok"]
    till.sync()
    [sold] = till.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": "GU-1"})
    receipt = till.folder / "receipt.pdf"  # a receipt printed again offline, from its copy
    till.cli("invoice", sold["invoice"], "--out", str(receipt))
    assert receipt.read_bytes().startswith(b"%PDF")


def test_online_sale_is_pushed_at_once(chain: Chain) -> None:
    from api_serving import free_port

    assert chain.post(
        {"op": "receive", "store": "S1", "sku": "PH1", "serials": ["ON-1", "ON-2", "ON-3"]}
    )[0]["ok"]
    till, other = chain.terminal("till-on"), chain.terminal("till-on2")
    assert chain.post({"op": "sell", "store": "S1", "sku": "PH1", "serial": "ON-3"})[0]["ok"]
    done = till.cli(
        "--user",
        "mia",
        "apply",
        "--push",
        "-",
        stdin="".join(
            json.dumps({"op": "sell", "store": "S1", "sku": "PH1", "serial": s}) + "\n"
            for s in ("ON-1", "ON-3")
        ),
        check=False,
    )
    first, second = (json.loads(x) for x in done.stdout.splitlines())
    assert first["central"] == "accepted"
    assert second["central"] == "conflict" and second["central_answer"]["serial"] == "ON-3"
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'ON-1'") == "sold"
    # The link down: the sale is kept, the entry pending, nothing waits long.
    real = other.config.read_text()
    other.config.write_text(real.replace(chain.server.base, f"http://127.0.0.1:{free_port()}"))
    [kept] = (
        json.loads(x)
        for x in other.cli(
            "--user",
            "mia",
            "apply",
            "--push",
            "-",
            stdin=json.dumps({"op": "sell", "store": "S1", "sku": "PH1", "serial": "ON-2"}) + "\n",
        ).stdout.splitlines()
    )
    assert (
        kept["ok"]
        and kept["central"] == "pending"
        and "cannot be reached" in kept["central_message"]
    )
    assert other.status()["pending"] == 1
