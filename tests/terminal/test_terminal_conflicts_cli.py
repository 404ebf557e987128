"""``serialpos conflicts`` run with a store terminal's config (issue 16): the till lists the
conflicts of its own entries with their status as central has it now, shows one, and a
manager at the till resolves it at central, as the console's Conflicts screen does.

Found by trying it as a new user: ``conflicts list`` on the till listed #1, ``conflicts show
1`` and ``conflicts resolve 1`` said "there is no conflict 1" (they read the till's own
database), and the list kept saying ``open`` after a manager had resolved it."""

from __future__ import annotations

import json

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
    shown = second.cli("conflicts", "show", str(listed["id"]), check=False)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["entry"]["id"] == listed["entry"]["id"]

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
    assert [c["id"] for c in json.loads(offline.stdout)] == [listed["id"]]
    assert "cannot be reached" in offline.stderr and "as central answered" in offline.stderr
    refused = second.cli(
        "--user", "mia", "conflicts", "resolve", str(listed["id"]), "--by", "accept", check=False
    )
    assert refused.returncode == 1 and "cannot be reached" in refused.stderr
    second.config.write_text(real)
