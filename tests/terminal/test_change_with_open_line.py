"""The change of a cash sale tendered over its total with a line left open (issue 16).

At till B (shift open, float 100) a customer buys a cable, handed over now, and a phone to
collect later, its line left open but paid: they tender 500.00 in cash for 428.30. The
change (71.70) was given only when the last line was handed over, so the customer left
without it, the till's drawer held it, and the X report expected 71.70 more than the sale.
It is given when the sale is tendered, as for a sale handed over whole: on the invoice, a
change row, in the drawer figures; central records the same rows from the till's entry.
Real ``serialpos serve`` on PostgreSQL, the till a separate process."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from terminal_chain import Chain, till_db

from serialpos.db.engine import Database
from serialpos.services import products, users
from serialpos.services.orders import NewOrder, add_item, fulfil

PHONE, CABLE, FLOAT = Decimal("418.80"), Decimal("9.50"), Decimal("100")
TENDERED = Decimal("500.00")
PAYMENTS = (
    "SELECT p.kind, p.method, p.amount FROM order_payment p "
    "JOIN sale_order o ON o.id = p.order_id WHERE o.number = :n ORDER BY p.id"
)


def _money(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [(*r[:-1], Decimal(str(r[-1])).quantize(Decimal("0.01"))) for r in rows]


def test_the_change_is_given_when_the_sale_is_tendered(
    chain: Chain, opened: list[Database]
) -> None:
    ada = users.actor_for(chain.server.db, "ada", "setup")
    products.create_product(
        chain.server.db, ada, sku="CWP", name="Phone CW", serial_mode="required", price=PHONE
    )
    products.create_product(
        chain.server.db, ada, sku="CWC", name="Cable CW", serial_mode="disabled", price=CABLE
    )
    assert chain.post({"op": "receive", "store": "S1", "sku": "CWP", "serial": "CW-1"})[0]["ok"]
    assert chain.post({"op": "receive", "store": "S1", "sku": "CWC", "quantity": 2})[0]["ok"]
    b = chain.terminal("cw-b")
    b.cli("--user", "mia", "shift", "open", "--float", str(FLOAT))
    db, mia = till_db(b, opened)
    cable = add_item(db, mia, None, sku="CWC", start=NewOrder("S1"))
    order = cable.order.order
    add_item(db, mia, order, sku="CWP", serial="CW-1")
    done = fulfil(db, mia, order, lines=[cable.line], payments=[("cash", TENDERED)])
    change = TENDERED - PHONE - CABLE
    assert done.change_due == change
    given = [("payment", "cash", TENDERED), ("change", "cash", -change)]
    assert _money(b.query(PAYMENTS, n=order)) == given
    x = json.loads(b.cli("--user", "mia", "shift", "x", "--json").stdout)
    assert Decimal(str(x["expected_cash"])) == FLOAT + PHONE + CABLE, x
    assert b.sync()["accepted"] >= 1
    with chain.server.db.engine.connect() as conn:
        at_central = [tuple(r) for r in conn.execute(sa.text(PAYMENTS), {"n": order})]
    assert _money(at_central) == given
    # The phone handed over later asks for nothing and gives nothing.
    last = fulfil(db, mia, order)
    assert last.change_due == 0
    assert _money(b.query(PAYMENTS, n=order)) == given
    b.sync()
    b.check_clean()
    chain.check_clean()
