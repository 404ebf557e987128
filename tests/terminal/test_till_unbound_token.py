"""A till given a token bound to no terminal in its config — a host system's or an admin's,
which acts at every store (issue 16, "Bad input"): the till reads its own store's events
only (every read of the feed asks ``store=`` its own), and central does not bind a token
that already records for no terminal to the till, so the host keeps every store; the
till says so and keeps its journal, and the till's own token works again as ever.

Before, ``sync`` with nothing waiting read every store's events (an unbound token has no
store filter), and its refresh — or, with entries waiting, the push's — bound the host's
token to the till: the host was refused ``wrong_store`` at every other store from then on."""

from __future__ import annotations

import json
from typing import Any

import httpx
from terminal_chain import Chain, Terminal

from serialpos.services import tokens, users

LINKS = "SELECT count(*) FROM terminal_link WHERE api_terminal = :t"


def _host_token(chain: Chain, name: str) -> str:
    """A host system's token (an admin's user), at work at central: it recorded at S2."""
    ada = users.actor_for(chain.server.db, "ada", "setup")
    secret = tokens.create_token(chain.server.db, ada, "ada", name)[0]
    assert _post(chain, secret, {"op": "receive", "store": "S2", "sku": "CAB", "quantity": 1})
    return secret


def _post(chain: Chain, token: str, *lines: dict[str, Any]) -> bool:
    with httpx.Client(
        base_url=chain.server.base, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as client:
        answer = client.post("/v1/apply", json=list(lines))
    assert answer.status_code == 200, answer.text
    return all(json.loads(x)["ok"] for x in answer.text.splitlines())


def _give(till: Terminal, old: str, new: str) -> None:
    till.config.write_text(till.config.read_text().replace(old, new))


def _refused_in_use(done: Any, name: str) -> None:
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "token_in_use" in done.stderr or "already records at central" in done.stderr, done.stderr
    assert f"this token ({name}) already records at central for no terminal" in done.stderr


def test_a_till_with_a_hosts_token_reads_its_own_store_only(chain: Chain) -> None:
    till = chain.terminal("till-ub-a")
    assert till.sync()["refreshed"] is True  # its settings taken: no refresh due below
    host = _host_token(chain, "host-ub-a")
    assert chain.post(
        {"op": "receive", "store": "S1", "sku": "PH1", "serial": "UB-1"},
        {"op": "receive", "store": "S2", "sku": "PH1", "serials": ["UB-2", "UB-3"]},
        {"op": "sell", "store": "S2", "sku": "PH1", "serial": "UB-3"},
    )[0]["ok"]
    _give(till, till.token, host)

    report = till.sync()  # nothing waiting: the pull
    # S1's one event taken, none of S2's read (they were: an unbound token has no filter)
    assert report["pulled"] == 1 and report["mirror"]["other_store"] == 0, report
    assert report["mirror"]["applied"] == 1 and report["refreshed"] is False, report
    assert till.query("SELECT serial FROM serial_unit WHERE serial LIKE 'UB-%'") == [("UB-1",)]
    assert chain.scalar(LINKS, t="api:host-ub-a") == 0
    assert _post(chain, host, {"op": "receive", "store": "S2", "sku": "PH1", "serial": "UB-4"})

    _give(till, host, till.token)  # its own token: as ever
    again = till.sync()
    assert (again["pulled"], again["mirror"]["other_store"], again["pending"]) == (0, 0, 0)
    till.check_clean()


def test_entries_waiting_are_kept_and_the_hosts_token_not_bound(chain: Chain) -> None:
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "UB-10"})[0]["ok"]
    till = chain.terminal("till-ub-b")
    host = _host_token(chain, "host-ub-b")
    assert till.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": "UB-10"})[0]["ok"]
    _give(till, till.token, host)

    done = till.cli("sync", check=False)
    _refused_in_use(done, "host-ub-b")
    assert chain.scalar(LINKS, t="api:host-ub-b") == 0
    assert till.status()["pending"] == 1, till.status()
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'UB-10'") == "in_stock"
    assert _post(
        chain, host, {"op": "adjust", "store": "S2", "sku": "CAB", "quantity": 1, "reason": "found"}
    )

    _give(till, host, till.token)
    report = till.sync()
    assert report["accepted"] == 1 and report["pending"] == 0, report
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'UB-10'") == "sold"
    till.check_clean()
