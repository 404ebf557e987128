"""A till that only runs ``apply`` (without ``--push``) and never syncs cannot find its link
down: it used to stay "online" for ever and the store's offline rules never held for it.
The link ages: a till central has not answered for longer than link.HEARD_WITHIN counts
as offline for the rules, until central answers again (issue 16)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from terminal_chain import Chain, Terminal

from serialpos.db.tables import utcnow
from serialpos.services import products, users
from serialpos.terminal.link import HEARD_WITHIN


def _quiet_for(till: Terminal, seconds: int) -> None:
    """As if central last answered this till ``seconds`` ago."""
    engine = sa.create_engine(till.db_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text("UPDATE sync_state SET value = :v WHERE key = 'heard_at'"),
                {"v": (utcnow() - timedelta(seconds=seconds)).isoformat(timespec="seconds")},
            )
    finally:
        engine.dispose()


def test_a_till_that_never_syncs_is_offline_for_the_rules(chain: Chain) -> None:
    ada = users.actor_for(chain.server.db, "ada", "setup")
    products.create_product(
        chain.server.db,
        ada,
        sku="QDEAR",
        name="Dear quiet phone",
        price=Decimal("900.00"),
        serial_mode="required",
    )
    serials = ["QT-1", "QT-2", "QT-3"]
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": serials})[0]["ok"]
    assert chain.post({"op": "receive", "store": "S1", "sku": "QDEAR", "serial": "QT-D"})[0]["ok"]
    chain.central(
        "settings", "set", "offline_requires_manager_pin", "yes", "--store", "S1", user="ada"
    )
    chain.central("settings", "set", "offline_price_limit", "500", user="ada")
    till = chain.terminal("till-quiet")
    assert till.status()["heard_at"]  # the snapshot was central's answer

    def sell(serial: str, sku: str = "PH1") -> dict[str, object]:
        [verdict] = till.apply(
            {"op": "sell", "store": "S1", "sku": sku, "serial": serial}, check=False
        )
        return verdict

    assert sell("QT-1")["ok"]  # heard from central a moment ago (its snapshot)
    _quiet_for(till, HEARD_WITHIN - 30)
    assert sell("QT-2")["ok"]  # quiet, but not for long

    _quiet_for(till, HEARD_WITHIN + 60)
    assert till.status()["link"] is None  # never synced: the link was never found down
    refused = sell("QT-3")
    assert refused["error"] == "offline_needs_manager"
    assert "has not answered this till since" in str(refused["message"])
    assert till.unit_state("QT-3") == "in_stock"
    mia = till.cli("--user", "mia", "terminal", "allow-offline", "--pin", "1234")
    assert "allowed" in mia.stdout
    assert sell("QT-3")["ok"]
    dear = sell("QT-D", "QDEAR")
    assert dear["error"] == "offline_price_limit" and "500" in str(dear["message"])

    till.sync()  # central answers: the rules no longer hold
    assert sell("QT-D", "QDEAR")["ok"]
    till.sync()
    _quiet_for(till, HEARD_WITHIN + 60)  # quiet again after syncing: asked again
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "QT-4"})[0]["ok"]
    till.sync()
    _quiet_for(till, HEARD_WITHIN + 60)
    assert sell("QT-4")["error"] == "offline_needs_manager"
    till.check_clean()
