"""``refund`` is refused for a till's sale that the till took back itself (issue 16, D5).

A sells T01 offline and takes it back offline (refunding the customer in cash); B sells
T01 too and syncs first: A's sale is a conflict and its return a conflict following it.
``refund`` of the sale used to go through, so the customer was paid back twice (A's order
held the payment and two refunds, its X report the price refunded twice) while central
netted nothing. It is refused now, naming the return and what settles both.
"""

from __future__ import annotations

from decimal import Decimal

from terminal_chain import Chain

from serialpos.services import products, users

PRICE = Decimal("1080.00")


def test_refund_is_refused_for_a_sale_the_till_took_back(chain: Chain) -> None:
    serial, sku = "RR-T01", "TVRR"
    ada = users.actor_for(chain.server.db, "ada", "setup")
    products.create_product(
        chain.server.db, ada, sku=sku, name="TV", serial_mode="required", price=PRICE
    )
    assert chain.post({"op": "receive", "store": "S1", "sku": sku, "serial": serial})[0]["ok"]
    a, b = chain.terminal("till-rr-a"), chain.terminal("till-rr-b")
    a.cli("--user", "mia", "shift", "open", "--float", "100")
    [sold] = a.apply(
        {
            "op": "order_create",
            "store": "S1",
            "lines": [{"sku": sku, "serial": serial}],
            "fulfil": True,
            "payments": [{"method": "cash", "amount": str(PRICE)}],
        }
    )
    assert sold["ok"], sold
    [back] = a.apply(
        {"op": "order_return", "order": sold["order"], "serials": [serial], "refund_method": "cash"}
    )
    assert back["ok"], back
    sell = {"op": "sell", "store": "S1", "sku": sku, "serial": serial, "payment": "cash"}
    assert b.apply(sell)[0]["ok"]
    assert b.sync()["accepted"] == 1
    report = a.sync(check=False)
    assert report["conflicts"] == 2, report
    sale = int(chain.scalar("SELECT min(id) FROM sync_conflict WHERE terminal = 'till-rr-a'"))
    refused = chain.central(
        "conflicts", "resolve", str(sale), "--by", "refund", user="ada", check=False
    )
    words = " ".join((refused.stdout + refused.stderr).split())
    assert refused.returncode != 0, words
    assert "taken back at the till" in words and "by accept" in words, words
    status = "SELECT status FROM sync_conflict WHERE id = :n"
    assert chain.scalar(status, n=sale) == "open"
    assert chain.scalar("SELECT count(*) FROM sale_order WHERE number = :n", n=sold["order"]) == 0
