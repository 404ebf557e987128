"""The first sale after the link drops (issue 16): the store's offline rules followed the link
as last found, so a sale made before anything noticed the link down escaped both — a 900.00
TV sold by ``apply --push`` with no manager's PIN and above the offline price limit, kept
pending "working offline", while the next sale was refused. Now a sale a rule would refuse
offline asks central first (terminal/link_probe.py): no answer, and it is refused before
anything of it is recorded. Central here is a real ``serialpos serve``; the link is a
loopback gate that refuses connections as a stopped server does."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from link_gate import Gate
from terminal_chain import Chain, Terminal

from serialpos.services import products, users


@pytest.fixture(scope="module")
def rules(chain: Chain) -> Chain:
    """A 900.00 TV, both offline rules on: a manager's PIN at S1, nothing above 500."""
    ada = users.actor_for(chain.server.db, "ada", "setup")
    products.create_product(
        chain.server.db,
        ada,
        sku="TV9",
        name="Television",
        price=Decimal("900.00"),
        serial_mode="required",
    )
    tvs = ["TV-1", "TV-2", "TV-3", "TV-4"]
    assert chain.post({"op": "receive", "store": "S1", "sku": "TV9", "serials": tvs})[0]["ok"]
    phones = ["FS-1", "FS-2", "FS-3"]
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": phones})[0]["ok"]
    chain.central(
        "settings", "set", "offline_requires_manager_pin", "yes", "--store", "S1", user="ada"
    )
    chain.central("settings", "set", "offline_price_limit", "500", user="ada")
    return chain


def _behind_gate(chain: Chain, till: Terminal) -> Gate:
    gate = Gate(int(chain.server.base.rsplit(":", 1)[1]))
    till.config.write_text(till.config.read_text().replace(chain.server.base, gate.url))
    return gate


def _sell_pushed(till: Terminal, serial: str, sku: str = "TV9") -> dict[str, Any]:
    """``serialpos --user carl apply --push``: one sale, made and fulfilled (cash)."""
    line = {
        "op": "order_create",
        "store": "S1",
        "lines": [{"sku": sku, "serial": serial}],
        "fulfil": True,
    }
    done = till.cli(
        "--user", "carl", "apply", "--push", "-", stdin=json.dumps(line) + "\n", check=False
    )
    [verdict] = [json.loads(x) for x in done.stdout.splitlines()]
    return verdict


def test_the_first_sale_after_the_link_drops_is_checked(rules: Chain) -> None:
    till = rules.terminal("till-first")
    gate = _behind_gate(rules, till)
    try:
        till.sync()
        assert till.status()["link"] == "online"
        # Online, the rules do not apply: central is asked and answers, the sale is taken.
        online = _sell_pushed(till, "TV-1")
        assert online["ok"] and online["central"] == "accepted", online

        gate.down()  # the server stops; nothing has noticed yet
        assert till.status()["link"] == "online"
        refused = _sell_pushed(till, "TV-2")
        assert refused["ok"] is False and refused["error"] == "offline_needs_manager", refused
        assert "link to central is down" in refused["message"]
        # Nothing of the sale is kept: no entry, no order, the unit still in stock.
        assert till.status()["pending"] == 0
        assert till.unit_state("TV-2") == "in_stock"
        assert till.query("SELECT count(*) FROM sale_order") == [(1,)]  # TV-1's alone
        assert till.status()["link"] == "offline"  # found down by the question, and audited
        assert till.query("SELECT count(*) FROM user_audit WHERE action = 'went_offline'") == [(1,)]

        # A manager's PIN lets the till sell on; the TV is still above the limit.
        till.cli("--user", "mia", "terminal", "allow-offline", "--pin", "1234")
        over = _sell_pushed(till, "TV-2")
        assert over["error"] == "offline_price_limit" and "500" in over["message"], over
        assert till.unit_state("TV-2") == "in_stock"
        cheap = _sell_pushed(till, "FS-1", "PH1")
        assert cheap["ok"] and cheap["central"] == "pending", cheap

        gate.up()
        report = till.sync()
        assert report["pending"] == 0 and report["accepted"] == 1
        back = _sell_pushed(till, "TV-2")
        assert back["ok"] and back["central"] == "accepted", back
    finally:
        gate.down()
    assert rules.scalar("SELECT state FROM serial_unit WHERE serial = 'TV-2'") == "sold"
    till.check_clean()
