"""A till whose clock ran hours ahead during one sync (issue 16: "ordering never comes from
clocks"). The sync stored ``refreshed_at`` and ``heard_at`` five hours in the future; read back
at the right clock, the settings looked just refreshed (every later sync said ``refreshed:
false``, so a manager's-PIN rule and a price limit set at central never reached the till,
which sold a 900.00 TV offline that the store forbade) and central looked heard a moment ago
(a till that does not sync counted as online for five hours). The clock is moved for the
till's process alone by libfaketime; central is a real ``serialpos serve``."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from decimal import Decimal

import libfaketime
from api_serving import free_port
from terminal_chain import Chain, Terminal

from serialpos.db.tables import utcnow
from serialpos.services import products, users


def _sync_ahead(till: Terminal, hours: int) -> dict[str, object]:
    """``serialpos sync`` in a process whose clock is ``hours`` ahead (a new interpreter:
    the library must be loaded before it starts)."""
    _reload, faked = libfaketime.get_reload_information()
    env = {**till.env, **faked, "FAKETIME": f"+{hours}h"}
    done = subprocess.run(
        [sys.executable, "-m", "serialpos", "--config", str(till.config), "sync"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report: dict[str, object] = json.loads(done.stdout)
    return report


def _stored(till: Terminal, key: str) -> datetime:
    [(value,)] = till.query("SELECT value FROM sync_state WHERE key = :k", k=key)
    return datetime.fromisoformat(value)


def test_a_sync_with_the_clock_ahead_does_not_freeze_the_settings(chain: Chain) -> None:
    ada = users.actor_for(chain.server.db, "ada", "setup")
    products.create_product(
        chain.server.db,
        ada,
        sku="TVC",
        name="Television",
        price=Decimal("900.00"),
        serial_mode="required",
    )
    assert chain.post({"op": "receive", "store": "S1", "sku": "TVC", "serial": "CK-TV"})[0]["ok"]
    till = chain.terminal("till-ahead")
    assert _sync_ahead(till, 5)["refreshed"] is True  # never refreshed since its set-up
    assert (_stored(till, "refreshed_at") - utcnow()).total_seconds() > 4 * 3600
    assert (_stored(till, "heard_at") - utcnow()).total_seconds() > 4 * 3600

    # At the right clock, central's manager sets both rules; the till's next sync takes them.
    chain.central(
        "settings", "set", "offline_requires_manager_pin", "yes", "--store", "S1", user="ada"
    )
    chain.central("settings", "set", "offline_price_limit", "500", user="ada")
    assert till.sync()["refreshed"] is True
    assert _stored(till, "refreshed_at") <= utcnow()
    assert till.sync()["refreshed"] is False  # then every five minutes, as before

    # The rules hold: with the link down, the TV is refused, as at every other till.
    real = till.config.read_text()
    till.config.write_text(real.replace(chain.server.base, f"http://127.0.0.1:{free_port()}"))
    assert till.cli("sync", check=False).returncode == 1
    [refused] = till.apply(
        {"op": "sell", "store": "S1", "sku": "TVC", "serial": "CK-TV"}, check=False
    )
    assert refused["error"] == "offline_needs_manager", refused
    till.cli("--user", "mia", "terminal", "allow-offline", "--pin", "1234")
    [over] = till.apply({"op": "sell", "store": "S1", "sku": "TVC", "serial": "CK-TV"}, check=False)
    assert over["error"] == "offline_price_limit", over
    assert till.unit_state("CK-TV") == "in_stock"
    till.config.write_text(real)
    till.check_clean()


def test_central_heard_in_the_future_is_not_heard_a_moment_ago(chain: Chain) -> None:
    """A till that does not sync counts as offline for the rules once central has been quiet
    for two minutes (link.HEARD_WITHIN); an answer recorded hours ahead of its clock said
    "heard a moment ago" for those hours. It now counts as quiet: how long is unknown."""
    chain.central(
        "settings", "set", "offline_requires_manager_pin", "yes", "--store", "S1", user="ada"
    )
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "CK-P1"})[0]["ok"]
    till = chain.terminal("till-heard")
    _sync_ahead(till, 5)
    assert (_stored(till, "heard_at") - utcnow()).total_seconds() > 4 * 3600
    [refused] = till.apply(
        {"op": "sell", "store": "S1", "sku": "PH1", "serial": "CK-P1"}, check=False
    )
    assert refused["error"] == "offline_needs_manager", refused
    assert "after this till's clock" in str(refused["message"]), refused
    assert till.unit_state("CK-P1") == "in_stock"
    till.sync()  # central answers at the right clock: heard now, the rules no longer hold
    assert _stored(till, "heard_at") <= utcnow()
    [sold] = till.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": "CK-P1"})
    assert sold["ok"], sold
    till.check_clean()
