"""What a store may forbid its terminals while the link is down (issue 16): selling on only
after a manager's PIN, and selling nothing priced above a limit. Both off by default; the
link is the one last found, going offline and the PIN given are audited on the terminal."""

from __future__ import annotations

from decimal import Decimal

from api_serving import free_port
from terminal_chain import Chain

from serialpos.services import products, users


def test_offline_needs_a_managers_pin_and_stays_under_the_price_limit(chain: Chain) -> None:
    ada = users.actor_for(chain.server.db, "ada", "setup")
    products.create_product(
        chain.server.db,
        ada,
        sku="DEAR",
        name="Dear phone",
        price=Decimal("900.00"),
        serial_mode="required",
    )
    serials = ["OR-1", "OR-2", "OR-3", "OR-4"]
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": serials})[0]["ok"]
    assert chain.post({"op": "receive", "store": "S1", "sku": "DEAR", "serial": "OR-D"})[0]["ok"]
    chain.central(
        "settings", "set", "offline_requires_manager_pin", "yes", "--store", "S1", user="ada"
    )
    chain.central("settings", "set", "offline_price_limit", "500", user="ada")
    till = chain.terminal("till-rules")

    def sell(serial: str, sku: str = "PH1") -> dict[str, object]:
        [verdict] = till.apply(
            {"op": "sell", "store": "S1", "sku": sku, "serial": serial}, check=False
        )
        return verdict

    assert sell("OR-1")["ok"]  # the link is not known to be down: no rule applies
    real = till.config.read_text()
    till.config.write_text(real.replace(chain.server.base, f"http://127.0.0.1:{free_port()}"))
    assert till.cli("sync", check=False).returncode == 1  # the link is down now
    assert till.status()["link"] == "offline"

    refused = sell("OR-2")
    assert refused["error"] == "offline_needs_manager" and "manager's PIN" in refused["message"]
    assert till.status()["pending"] == 1  # nothing journaled for it
    assert till.unit_state("OR-2") == "in_stock"

    # A cashier's PIN does not do; a wrong PIN does not; the manager's does, and is audited.
    carl = till.cli("--user", "carl", "terminal", "allow-offline", "--pin", "1234", check=False)
    assert carl.returncode != 0 and "not a manager" in carl.stderr
    wrong = till.cli("--user", "mia", "terminal", "allow-offline", "--pin", "9999", check=False)
    assert wrong.returncode != 0
    assert (
        "allowed" in till.cli("--user", "mia", "terminal", "allow-offline", "--pin", "1234").stdout
    )
    assert till.query("SELECT actor FROM user_audit WHERE action = 'offline_allowed'") == [("mia",)]

    assert sell("OR-2")["ok"]
    dear = sell("OR-D", "DEAR")
    assert dear["error"] == "offline_price_limit" and "500" in dear["message"]
    assert till.unit_state("OR-D") == "in_stock"

    till.config.write_text(real)  # back online: everything settles, and the limit is gone
    report = till.sync()
    assert report["pending"] == 0 and report["accepted"] == 2
    assert till.status()["link"] == "online"
    assert sell("OR-D", "DEAR")["ok"]

    # Down again: the PIN given for the last time offline no longer holds.
    till.config.write_text(real.replace(chain.server.base, f"http://127.0.0.1:{free_port()}"))
    assert till.cli("sync", check=False).returncode == 1
    assert sell("OR-3")["error"] == "offline_needs_manager"
    actions = [
        a
        for (a,) in till.query(
            "SELECT action FROM user_audit WHERE action IN "
            "('went_offline', 'back_online', 'offline_allowed') ORDER BY id"
        )
    ]
    assert actions == ["went_offline", "offline_allowed", "back_online", "went_offline"]
    till.check_clean()
