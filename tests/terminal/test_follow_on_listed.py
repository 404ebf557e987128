"""A follow-on act's conflict names the one it follows wherever conflicts are listed, and
the till takes central's state of the exchange once each is recorded (issue 16).

Till B sold two units offline, one sold at till A first, then exchanged the other. Central
records the sale and the exchange's return and sale as three conflicts, the last two
following the one before. ``GET /v1/conflicts``, ``conflicts list --json`` (at central and
on the till) carry ``follows`` (additive: every key there before is kept), as the push's
answer did. Once a manager records all three (``record_sale``), the till's orders are
central's and ``db check`` is clean on both sides. Real ``serialpos serve`` on
PostgreSQL."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from terminal_chain import Chain, till_db

from serialpos.db.engine import Database
from serialpos.services import exchanges, products, users
from serialpos.services.orders import NewOrder, add_item, fulfil

PRICE = Decimal("418.80")
LINES = (
    "SELECT o.number, l.number, l.serial, l.status FROM order_line l "
    "JOIN sale_order o ON o.id = l.order_id WHERE o.number IN (:a, :b) "
    "ORDER BY o.number, l.number"
)
#: The keys a conflict carried before ``follows`` (never removed nor renamed).
KEYS = {
    "id", "serial", "sku", "store", "status", "error", "message", "terminal",
    "created_at", "first_event", "entry", "not_recorded", "resolution",
}  # fmt: skip


@pytest.fixture(scope="module")
def priced(chain: Chain) -> str:
    ada = users.actor_for(chain.server.db, "ada", "setup")
    products.create_product(
        chain.server.db, ada, sku="FLP", name="Phone FL", serial_mode="required", price=PRICE
    )
    return "FLP"


def _follows(listed: list[dict[str, Any]], terminal: str) -> list[tuple[int, Any]]:
    return sorted((c["id"], c["follows"]) for c in listed if c["terminal"] == terminal)


def test_follow_on_conflicts_name_the_one_they_follow(
    chain: Chain, priced: str, opened: list[Database]
) -> None:
    for serial in ("FL-034", "FL-042", "FL-083"):
        assert chain.post({"op": "receive", "store": "S1", "sku": priced, "serial": serial})[0][
            "ok"
        ]
    a, b = chain.terminal("fl-a"), chain.terminal("fl-b")
    assert a.apply({"op": "sell", "store": "S1", "sku": priced, "serial": "FL-034"})[0]["ok"]
    db, mia = till_db(b, opened)
    first = add_item(db, mia, None, sku=priced, serial="FL-034", start=NewOrder("S1"))
    kept = add_item(db, mia, first.order.order, sku=priced, serial="FL-042")
    fulfil(db, mia, first.order.order, payments=[("cash", Decimal("837.60"))])
    ex = exchanges.start_exchange(db, mia, first.order.order, lines=[kept.line])
    add_item(db, mia, ex.sale.order, sku=priced, serial="FL-083")
    fulfil(db, mia, ex.sale.order, payments=[])
    assert a.sync()["accepted"] == 1
    assert b.sync()["conflicts"] == 3
    rows = chain.server.db.read(
        lambda conn: conn.exec_driver_sql(
            "SELECT id FROM sync_conflict WHERE terminal = 'fl-b' ORDER BY id"
        ).all()
    )
    sale, back, again = (int(r[0]) for r in rows)
    wanted = [(sale, None), (back, sale), (again, back)]
    with chain.server.client("ada") as client:
        answered = client.get("/v1/conflicts", params={"store": "S1"})
    assert answered.status_code == 200, answered.text
    api = answered.json()["conflicts"]
    assert _follows(api, "fl-b") == wanted
    assert all(set(c) >= KEYS for c in api)
    central = json.loads(chain.central("conflicts", "list", "--json", user="ada").stdout)
    assert _follows(central, "fl-b") == wanted
    on_till = json.loads(b.cli("conflicts", "list", "--json").stdout)
    assert _follows(on_till, "fl-b") == wanted
    shown = json.loads(chain.central("conflicts", "show", str(again), "--json").stdout)
    assert shown["follows"] == back
    # Recorded, all three: the till's orders are central's.
    for number in (sale, back, again):
        chain.central("conflicts", "resolve", str(number), "--by", "record_sale", user="ada")
    assert b.sync()["recorded_sales"] == 3
    orders = {"a": first.order.order, "b": ex.sale.order}
    with chain.server.db.engine.connect() as conn:
        import sqlalchemy as sa

        at_central = [tuple(r) for r in conn.execute(sa.text(LINES), orders)]
    assert b.query(LINES, **orders) == at_central
    assert (first.order.order, 1, None, "open") in at_central
    b.check_clean()
    chain.check_clean()
