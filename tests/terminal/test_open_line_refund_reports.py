"""A refund of a line central left open and paid is no credit against sales (issue 16, walk of
session fourteen, D4).

Offline, till A sells phone P; till B sells P too with a charger, by card, then refunds P in
cash (``order_return`` of line 1). A syncs first: B's sale and its return are conflicts; a
manager records both by ``record_sale``. The sale's invoice covers the charger only (P's line
left open and paid: its money a deposit), and the return took P's line back for its money,
but on a refund note listing it: ``report sales`` then showed the invoice at the charger's
price and the note at minus P's, a net of minus what B really sold. Giving back a deposit is
a refund payment, not a credit note against sales: the note now lists no open line, so the
sales reports at central and on B net the charger's price, while B's drawer still shows the
cash paid out. Real ``serialpos serve`` on PostgreSQL, the tills separate processes.
"""

from __future__ import annotations

import json
import subprocess
from decimal import Decimal
from typing import Any

from terminal_chain import Chain

from serialpos.services import products, users

PRICE, CHARGER, FLOAT = Decimal("1078.80"), Decimal("47.99"), Decimal("1500")


def _resolve(chain: Chain, number: int, by: str) -> subprocess.CompletedProcess[str]:
    return chain.central("conflicts", "resolve", str(number), "--by", by, user="ada", check=False)


def _net(report: str, documents: set[str]) -> tuple[Decimal, set[str]]:
    rows: list[dict[str, Any]] = json.loads(report)
    mine = [r for r in rows if r["invoice"] in documents]
    return sum((Decimal(str(r["total"])) for r in mine), Decimal(0)), {r["invoice"] for r in mine}


def test_a_refund_of_the_open_line_leaves_sales_at_what_was_sold(chain: Chain) -> None:
    ada = users.actor_for(chain.server.db, "ada", "setup")
    for sku, mode, price in (("DPP", "required", PRICE), ("DPC", "disabled", CHARGER)):
        products.create_product(
            chain.server.db, ada, sku=sku, name=sku, serial_mode=mode, price=price
        )
    assert chain.post({"op": "receive", "store": "S1", "sku": "DPP", "serial": "DP-039"})[0]["ok"]
    assert chain.post({"op": "receive", "store": "S1", "sku": "DPC", "quantity": 3})[0]["ok"]
    a, b = chain.terminal("dp-a"), chain.terminal("dp-b")
    b.cli("--user", "mia", "shift", "open", "--float", str(FLOAT))
    assert a.apply({"op": "sell", "store": "S1", "sku": "DPP", "serial": "DP-039"})[0]["ok"]
    [sold] = b.apply(
        {
            "op": "order_create",
            "store": "S1",
            "lines": [{"sku": "DPP", "serial": "DP-039"}, {"sku": "DPC"}],
            "fulfil": True,
            "payments": [{"method": "card", "amount": str(PRICE + CHARGER)}],
        }
    )
    assert sold["ok"], sold
    [back] = b.apply(
        {"op": "order_return", "order": sold["order"], "line_numbers": [1], "refund_method": "cash"}
    )
    assert back["ok"], back
    documents = {sold["invoice"], back["refund_invoice"]}
    assert a.sync()["accepted"] == 1
    assert b.sync()["conflicts"] == 2
    for (number,) in chain.server.db.read(
        lambda conn: conn.exec_driver_sql(
            "SELECT id FROM sync_conflict WHERE terminal = 'dp-b' ORDER BY id"
        ).all()
    ):
        done = _resolve(chain, int(number), "record_sale")
        assert done.returncode == 0, done.stdout + done.stderr
    at_central = chain.central("report", "sales", "--json", user="mia").stdout
    # The invoice sold the charger; the note lists nothing sold (a deposit given back).
    assert _net(at_central, documents) == (CHARGER, {sold["invoice"]})
    b.sync()
    on_till = b.cli("--user", "mia", "report", "sales", "--json").stdout
    assert _net(on_till, documents) == (CHARGER, {sold["invoice"]})
    # The deposit went back in cash: B's drawer shows it paid out.
    x = json.loads(b.cli("--user", "mia", "shift", "x", "--json").stdout)
    assert Decimal(str(x["expected_cash"])) == FLOAT - PRICE, x
    b.check_clean()
    a.check_clean()
    chain.check_clean()
