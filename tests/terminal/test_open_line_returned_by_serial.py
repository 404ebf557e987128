"""A till's exchange naming the open line's unit by serial (issue 16, walk of session fourteen).

Offline, till A sells XS-013; till B sells XS-013 too, with a cable, then exchanges it
through ``apply``: ``order_return`` naming the unit by ``serials`` (as hosts do), then a new
sale of XS-021 with ``exchange_of`` the refund note. A syncs first: B's sale, return and new
sale are conflicts, each following the one before. ``record_sale`` of the sale leaves
XS-013's line open and paid without its serial (central's unit is A's customer's), so
``record_sale`` of the return found no line holding XS-013 and was refused "was not sold on
order": only ``accept`` was left, and XS-021 stayed sold on B and in stock at central (a
phantom unit). The same with ``line_numbers`` worked. The serial now finds the line that
held it at the till. Real ``serialpos serve`` on PostgreSQL, the tills separate processes.
"""

from __future__ import annotations

import subprocess
from decimal import Decimal

import sqlalchemy as sa
from terminal_chain import Chain

from serialpos.services import products, users

PRICE, NEW, CABLE = Decimal("418.80"), Decimal("460.00"), Decimal("9.50")
LINES = (
    "SELECT o.number, l.number, l.serial, l.status FROM order_line l "
    "JOIN sale_order o ON o.id = l.order_id WHERE o.number IN (:a, :b) "
    "ORDER BY o.number, l.number"
)
STATE = "SELECT state FROM serial_unit WHERE serial = :s"


def _resolve(chain: Chain, number: int, by: str) -> subprocess.CompletedProcess[str]:
    return chain.central("conflicts", "resolve", str(number), "--by", by, user="ada", check=False)


def test_an_exchange_by_serial_of_the_open_line_is_recorded(chain: Chain) -> None:
    ada = users.actor_for(chain.server.db, "ada", "setup")
    products.create_product(
        chain.server.db, ada, sku="XSA", name="Phone XS", serial_mode="required", price=PRICE
    )
    products.create_product(
        chain.server.db, ada, sku="XSB", name="Phone XS Pro", serial_mode="required", price=NEW
    )
    for sku, serial in (("XSA", "XS-013"), ("XSB", "XS-021")):
        assert chain.post({"op": "receive", "store": "S1", "sku": sku, "serial": serial})[0]["ok"]
    assert chain.post({"op": "receive", "store": "S1", "sku": "CAB", "quantity": 5})[0]["ok"]
    a, b = chain.terminal("xs-a"), chain.terminal("xs-b")
    assert a.apply({"op": "sell", "store": "S1", "sku": "XSA", "serial": "XS-013"})[0]["ok"]
    [sold] = b.apply(
        {
            "op": "order_create",
            "store": "S1",
            "lines": [{"sku": "XSA", "serial": "XS-013"}, {"sku": "CAB"}],
            "fulfil": True,
            "payments": [{"method": "cash", "amount": str(PRICE + CABLE)}],
        }
    )
    assert sold["ok"], sold
    order = sold["order"]
    [back] = b.apply(
        {"op": "order_return", "order": order, "serials": ["XS-013"], "exchange": True}
    )
    assert back["ok"], back
    [new] = b.apply(
        {
            "op": "order_create",
            "store": "S1",
            "exchange_of": back["refund_invoice"],
            "lines": [{"sku": "XSB", "serial": "XS-021"}],
            "fulfil": True,
            "payments": [{"method": "cash", "amount": str(NEW - PRICE)}],
        }
    )
    assert new["ok"], new
    assert a.sync()["accepted"] == 1
    report = b.sync()
    assert (report["conflicts"], report["accepted"]) == (3, 0), report
    numbers = [
        int(n)
        for n in chain.server.db.read(
            lambda conn: (
                conn.exec_driver_sql(
                    "SELECT id FROM sync_conflict WHERE terminal = 'xs-b' ORDER BY id"
                )
                .scalars()
                .all()
            )
        )
    ]
    for number in numbers:
        done = _resolve(chain, number, "record_sale")
        assert done.returncode == 0, done.stdout + done.stderr
    # A's customer keeps XS-013; B's customer has XS-021, sold at central: no phantom.
    assert chain.scalar(STATE, s="XS-013") == chain.scalar(STATE, s="XS-021") == "sold"
    lines = [(order, 1, None, "returned"), (order, 2, None, "fulfilled")]
    lines.append((new["order"], 1, "XS-021", "fulfilled"))
    assert (
        chain.server.db.read(
            lambda conn: [
                tuple(r) for r in conn.execute(sa.text(LINES), {"a": order, "b": new["order"]})
            ]
        )
        == lines
    )
    for till in (a, b):
        till.sync()
        assert till.unit_state("XS-021") == "sold", till.name
        till.check_clean()
    assert b.query(LINES, a=order, b=new["order"]) == lines
    chain.check_clean()
