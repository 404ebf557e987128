"""``serialpos conflicts`` run with a store terminal's config (issue 16): the till lists the
conflicts of its own entries with their status as central has it now, shows one, and a
manager at the till resolves it at central, as the console's Conflicts screen does.

Found by trying it as a new user: ``conflicts list`` on the till listed #1, ``conflicts show
1`` and ``conflicts resolve 1`` said "there is no conflict 1" (they read the till's own
database), and the list kept saying ``open`` after a manager had resolved it."""

from __future__ import annotations

import json

import pytest
from api_serving import free_port
from terminal_chain import Chain


def test_a_till_shows_resolves_and_follows_its_conflicts(chain: Chain) -> None:
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "CC-1"})[0]["ok"]
    first, second = chain.terminal("till-cc-a"), chain.terminal("till-cc-b")
    for till in (first, second):  # both offline: each sells the one unit
        assert till.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": "CC-1"})[0]["ok"]
    assert first.sync()["accepted"] == 1 and second.sync()["conflicts"] == 1

    [listed] = json.loads(second.cli("conflicts", "list", "--json").stdout)
    assert (listed["serial"], listed["status"]) == ("CC-1", "open")
    shown = second.cli("conflicts", "show", str(listed["id"]), "--json", check=False)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["entry"]["id"] == listed["entry"]["id"]
    words = second.cli("conflicts", "show", str(listed["id"])).stdout  # for people
    assert f"conflict {listed['id']}: open, PH1 CC-1 at S1" in words
    assert "not applied: sell #1 from terminal till-cc-b" in words and "by mia" in words

    done = second.cli(
        "--user", "mia", "conflicts", "resolve", str(listed["id"]), "--by", "accept", check=False
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "resolved"
    at_central = "SELECT status FROM sync_conflict WHERE id = :i"
    assert chain.scalar(at_central, i=listed["id"]) == "resolved"

    [after] = json.loads(second.cli("conflicts", "list", "--json").stdout)
    assert (after["status"], after["resolution"]["action"]) == ("resolved", "accept")
    assert json.loads(second.cli("conflicts", "list", "--status", "open", "--json").stdout) == []

    # Offline: the journal's copy, and a note on stderr that it is not central's now.
    real = second.config.read_text()
    second.config.write_text(real.replace(chain.server.base, f"http://127.0.0.1:{free_port()}"))
    offline = second.cli("conflicts", "list", "--json")
    [kept] = json.loads(offline.stdout)
    assert kept["id"] == listed["id"]
    # Resolved at this till: its own list says so offline too (it said open).
    assert (kept["status"], kept["resolution"]["action"]) == ("resolved", "accept"), kept
    still_open = second.cli("conflicts", "list", "--status", "open", "--json")
    assert json.loads(still_open.stdout) == []
    assert "cannot be reached" in offline.stderr and "as central answered" in offline.stderr
    refused = second.cli(
        "--user", "mia", "conflicts", "resolve", str(listed["id"]), "--by", "accept", check=False
    )
    assert refused.returncode == 1 and "cannot be reached" in refused.stderr
    second.config.write_text(real)


def test_a_tills_token_sees_its_stores_conflicts_only(chain: Chain) -> None:
    """``GET /v1/conflicts`` with a store terminal's token is its store's list, asked or not
    (another store's is refused), as its feed is; a manager's token sees every store's; and
    ``conflicts list`` on the till is exactly what the API gives its token."""
    from serialpos.terminal.client import CentralClient, CentralRefused

    assert chain.post({"op": "receive", "store": "S2", "sku": "PH1", "serial": "CS-2"})[0]["ok"]
    other = chain.terminal("till-cs-s2", store="S2")
    assert chain.post({"op": "sell", "store": "S2", "sku": "PH1", "serial": "CS-2"})[0]["ok"]
    assert other.apply({"op": "sell", "store": "S2", "sku": "PH1", "serial": "CS-2"})[0]["ok"]
    assert other.sync()["conflicts"] == 1
    till = chain.terminal("till-cs-s1")

    with chain.server.client("mia") as client:
        every = client.get("/v1/conflicts").json()["conflicts"]
    assert "S2" in {c["store"] for c in every}
    with CentralClient(chain.server.base, till.token) as client:
        mine = client.get_json("/v1/conflicts")["conflicts"]
        with pytest.raises(CentralRefused) as refused:
            client.get_json("/v1/conflicts", store="S2")
    assert refused.value.code == "permission_denied" and "store S1" in refused.value.message
    assert [c["id"] for c in mine] == [c["id"] for c in every if c["store"] == "S1"]
    listed = json.loads(till.cli("conflicts", "list", "--json").stdout)
    assert [c["id"] for c in listed] == [c["id"] for c in mine]
    with CentralClient(chain.server.base, other.token) as client:
        theirs = client.get_json("/v1/conflicts")["conflicts"]
    assert [c["serial"] for c in theirs] == ["CS-2"]
    on_other = json.loads(other.cli("conflicts", "list", "--json").stdout)
    assert [(c["id"], c["status"]) for c in on_other] == [(c["id"], c["status"]) for c in theirs]
    wrong = till.cli("conflicts", "list", "--store", "S2", check=False)
    assert wrong.returncode == 1 and "own store's conflicts (S1) only" in wrong.stderr


def test_a_cashiers_till_lists_its_stores_conflicts_and_may_not_resolve(chain: Chain) -> None:
    """A till set up with a cashier's token lists and shows its store's conflicts as central
    has them (it fell back to its journal, saying central refused: the cashier "may not
    adjust stock"), and a cashier's resolution is refused in words about resolving."""
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "CK-1"})[0]["ok"]
    managers, cashiers = chain.terminal("till-ck-a"), chain.terminal("till-ck-b", user="carl")
    sale = json.dumps({"op": "sell", "store": "S1", "sku": "PH1", "serial": "CK-1"}) + "\n"
    assert managers.apply(json.loads(sale))[0]["ok"]
    cashiers.cli("--user", "carl", "apply", "-", stdin=sale)
    assert managers.sync()["accepted"] == 1 and cashiers.sync()["conflicts"] == 1

    listed = cashiers.cli("conflicts", "list", "--json")
    assert "note:" not in listed.stderr, listed.stderr
    [conflict] = [c for c in json.loads(listed.stdout) if c["serial"] == "CK-1"]
    number = str(conflict["id"])
    shown = cashiers.cli("conflicts", "show", number)
    assert "note:" not in shown.stderr and f"conflict {number}: open" in shown.stdout
    refused = cashiers.cli(
        "--user", "carl", "conflicts", "resolve", number, "--by", "accept", check=False
    )
    assert refused.returncode == 1
    assert "carl (cashier) may not resolve sync conflicts" in refused.stderr, refused.stderr
    # A manager logged in at this till: the till's token lacks the right, not the manager,
    # and the refusal says so and what to do (it said "may not act for mia, whose role may
    # do more", as if mia were refused).
    by_manager = cashiers.cli(
        "--user", "mia", "conflicts", "resolve", number, "--by", "accept", check=False
    )
    assert by_manager.returncode == 1
    said = by_manager.stderr
    assert (
        "this till's token (carl, cashier) may not resolve conflicts; mia may: do it at "
        "central, or give the till a manager's token" in said
    ), said
    assert chain.scalar("SELECT status FROM sync_conflict WHERE id = :i", i=number) == "open"

    chain.central("conflicts", "resolve", number, "--by", "accept", user="mia")
    after = cashiers.cli("conflicts", "list", "--json")
    assert "note:" not in after.stderr
    [now] = [c for c in json.loads(after.stdout) if c["serial"] == "CK-1"]
    assert (now["status"], now["resolution"]["action"]) == ("resolved", "accept")


def test_sync_names_each_new_conflict_and_resolve_takes_json(chain: Chain) -> None:
    """A sync that made a conflict at central said nothing of it but a count (refusals were
    named); each new conflict is named on stderr, once, with its serial, SKU and what
    happened, and the run still succeeds. ``conflicts resolve --json`` was a usage error
    (exit 2) while ``list`` and ``show`` take ``--json``: it answers the same JSON as show."""
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "SN-7"})[0]["ok"]
    first, second = chain.terminal("till-sn-a"), chain.terminal("till-sn-b")
    for till in (first, second):  # both offline: each sells the one unit
        assert till.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": "SN-7"})[0]["ok"]
    assert first.sync()["accepted"] == 1
    done = second.cli("sync", check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["conflicts"] == 1
    number = int(chain.scalar("SELECT max(id) FROM sync_conflict"))
    [line] = [x for x in done.stderr.splitlines() if x.startswith("conflict: ")]
    assert line == (
        f"conflict: #{number} serial SN-7 sku PH1 at S1: sell #1 (by mia): serial SN-7 is "
        f"already sold; see `serialpos conflicts show {number}`"
    ), done.stderr
    again = second.cli("sync")  # said once: the next round has no new conflict
    assert "conflict:" not in again.stderr, again.stderr

    shown = json.loads(second.cli("conflicts", "show", str(number), "--json").stdout)
    resolved = second.cli(
        "--user",
        "mia",
        "conflicts",
        "resolve",
        str(number),
        "--by",
        "accept",
        "--json",
        check=False,
    )
    assert resolved.returncode == 0, resolved.stderr
    after = json.loads(resolved.stdout)
    assert (after["id"], after["status"]) == (number, "resolved")
    assert after["resolution"]["action"] == "accept"
    for key in ("serial", "sku", "store", "entry", "first_event", "not_recorded"):
        assert after[key] == shown[key], key
