"""Acts that follow a till's sale central did not record (issue 16, new-user walk): offline,
till B sold two units in one order, one of them sold at till A first, then exchanged the
other for a new unit and a cable. Central recorded the sale as a conflict; the exchange's
return names that order and its sale the return's refund note, documents central never
held. They were refused (``unknown_order``, ``unknown_refund``), the new unit and the cable
put back in stock at B though the customer took them, and no manager asked. Each is now a
conflict naming the one it follows, and the till keeps its units as the act left them.
Real ``serialpos serve`` on PostgreSQL."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from terminal_chain import Chain, till_db

from serialpos.db.engine import Database
from serialpos.services import exchanges, products, users
from serialpos.services.orders import NewOrder, add_item, fulfil

PRICE = Decimal("418.80")
CABLES = (
    "SELECT coalesce(sum(k.quantity), 0) FROM stock_level k JOIN store s ON s.id = k.store_id "
    "JOIN product p ON p.id = k.product_id WHERE s.code = 'S1' AND p.sku = 'CAB'"
)


@pytest.fixture(scope="module")
def priced(chain: Chain) -> str:
    ada = users.actor_for(chain.server.db, "ada", "setup")
    products.create_product(
        chain.server.db, ada, sku="FOP", name="Phone FO", serial_mode="required", price=PRICE
    )
    return "FOP"


def test_an_exchange_of_a_conflicted_sale_is_a_conflict_not_a_refusal(
    chain: Chain, priced: str, opened: list[Database]
) -> None:
    for serial in ("FO-034", "FO-042", "FO-083"):
        assert chain.post({"op": "receive", "store": "S1", "sku": priced, "serial": serial})[0][
            "ok"
        ]
    assert chain.post({"op": "receive", "store": "S1", "sku": "CAB", "quantity": 5})[0]["ok"]
    a, b = chain.terminal("fo-a"), chain.terminal("fo-b")
    assert a.apply({"op": "sell", "store": "S1", "sku": priced, "serial": "FO-034"})[0]["ok"]
    db, mia = till_db(b, opened)
    first = add_item(db, mia, None, sku=priced, serial="FO-034", start=NewOrder("S1"))
    kept = add_item(db, mia, first.order.order, sku=priced, serial="FO-042")
    fulfil(db, mia, first.order.order, payments=[("cash", Decimal("837.60"))])
    # The customer comes back: FO-042 exchanged for FO-083 and a cable, the difference cash.
    ex = exchanges.start_exchange(db, mia, first.order.order, lines=[kept.line])
    add_item(db, mia, ex.sale.order, sku=priced, serial="FO-083")
    add_item(db, mia, ex.sale.order, sku="CAB")
    fulfil(db, mia, ex.sale.order, payments=[("cash", Decimal("11.99"))])
    cables = b.query(CABLES)
    assert b.unit_state("FO-083") == "sold"

    assert a.sync()["accepted"] == 1
    report = b.sync()
    assert (report["conflicts"], report["refused"], report["accepted"]) == (3, 0, 0), report
    rows = chain.server.db.read(
        lambda conn: conn.exec_driver_sql(
            "SELECT id, error, message FROM sync_conflict WHERE terminal = 'fo-b' ORDER BY id"
        ).all()
    )
    sale, back, again = (tuple(r) for r in rows)
    assert (back[1], again[1]) == ("unknown_order", "unknown_refund")
    assert f"it follows conflict {sale[0]}, this till's entry that made it" in back[2]
    assert f"it follows conflict {back[0]}, this till's entry that made it" in again[2]
    # The till keeps what the customer took: the new unit sold, the cable gone.
    assert b.unit_state("FO-083") == "sold"
    assert b.query(CABLES) == cables
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'FO-083'") == "in_stock"
    listed = b.cli("conflicts", "list", "--status", "open").stdout
    assert "follows" in listed
    # each on a line of its own, never a line break shown as \x0a (the walk's table)
    assert "\\x0a" not in listed and "not recorded:" in listed, listed
    # The return's conflict names its unit whole: its SKU too (it was "-").
    as_json = {c["id"]: c for c in json.loads(b.cli("conflicts", "list", "--json").stdout)}
    assert (as_json[back[0]]["sku"], as_json[back[0]]["serial"]) == (priced, "FO-042")
    # The sale recorded (its rest, with the money), the exchange follows: return and sale.
    for number in (sale[0], back[0], again[0]):
        done = chain.central(
            "conflicts", "resolve", str(number), "--by", "record_sale", user="ada", check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr
    states = [
        chain.scalar("SELECT state FROM serial_unit WHERE serial = :s", s=s)
        for s in ("FO-034", "FO-042", "FO-083")
    ]
    assert states == ["sold", "in_stock", "sold"]
    assert chain.scalar(CABLES) == 4
    chain.check_clean()
    # A real unknown order is still refused as ever.
    [unknown] = chain.post(
        {"op": "order_return", "order": "NO-SUCH-ORDER", "line_numbers": [1]}, user="ada"
    )
    assert unknown["error"] == "unknown_order", unknown
