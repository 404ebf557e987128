"""A follow-on conflict lost in a restore of central is recorded again by ``serialpos
terminal resend`` (issue 16).

Till B's offline sale met a unit sold at till A first (a conflict), and B then exchanged
the sale's other unit: the exchange's return and sale follow that conflict (central never
held the order nor the refund note they name). Central is restored from a backup older than
all three. ``terminal resend`` at B records its conflicts again: the sale's was, but the
follow-ons were refused (``bad_request``: central checked that their first answer,
``unknown_order``/``unknown_refund``, was a unit's conflict) and no manager saw them. Each is
now recorded again naming the conflict it follows by the number central gives it now. Real
``serialpos serve`` on PostgreSQL, the tills as separate processes."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from terminal_chain import Chain, till_db
from test_central_restore import backup

from serialpos.db.engine import Database
from serialpos.services import exchanges, products, users
from serialpos.services.orders import NewOrder, add_item, fulfil

PRICE = Decimal("418.80")


@pytest.fixture(scope="module")
def priced(chain: Chain) -> str:
    ada = users.actor_for(chain.server.db, "ada", "setup")
    products.create_product(
        chain.server.db, ada, sku="FRP", name="Phone FR", serial_mode="required", price=PRICE
    )
    return "FRP"


def test_follow_on_conflicts_are_recorded_again_after_a_restore(
    chain: Chain, priced: str, opened: list[Database]
) -> None:
    for serial in ("FR-034", "FR-042", "FR-083"):
        assert chain.post({"op": "receive", "store": "S1", "sku": priced, "serial": serial})[0][
            "ok"
        ]
    a, b = chain.terminal("fr-a"), chain.terminal("fr-b")
    with backup(chain) as restore:
        assert a.apply({"op": "sell", "store": "S1", "sku": priced, "serial": "FR-034"})[0]["ok"]
        db, mia = till_db(b, opened)
        first = add_item(db, mia, None, sku=priced, serial="FR-034", start=NewOrder("S1"))
        kept = add_item(db, mia, first.order.order, sku=priced, serial="FR-042")
        fulfil(db, mia, first.order.order, payments=[("cash", Decimal("837.60"))])
        ex = exchanges.start_exchange(db, mia, first.order.order, lines=[kept.line])
        add_item(db, mia, ex.sale.order, sku=priced, serial="FR-083")
        fulfil(db, mia, ex.sale.order, payments=[])
        assert a.sync()["accepted"] == 1
        assert b.sync()["conflicts"] == 3
        restore()
        done = b.cli("terminal", "resend", check=False)
        a.cli("terminal", "resend")
    listed = json.loads(chain.central("conflicts", "list", "--json", user="ada").stdout)
    mine = sorted((c["id"], c["error"], c["follows"]) for c in listed if c["terminal"] == "fr-b")
    assert len(mine) == 3, (mine, done.stdout, done.stderr)
    (sale, _e, none), (back, e1, f1), (again, e2, f2) = mine
    assert (none, (e1, f1), (e2, f2)) == (None, ("unknown_order", sale), ("unknown_refund", back))
    shown = json.loads(chain.central("conflicts", "show", str(again), "--json").stdout)
    assert f"it follows conflict {back}," in shown["message"]
    # The till shows each under the number central gives it now.
    on_till = json.loads(b.cli("conflicts", "list", "--json").stdout)
    assert sorted(c["id"] for c in on_till if c["terminal"] == "fr-b") == [sale, back, again]
    # Recorded again, they resolve as before: the sale, then what follows it.
    for number in (sale, back, again):
        chain.central("conflicts", "resolve", str(number), "--by", "record_sale", user="ada")
    assert b.sync()["recorded_sales"] == 3
    b.check_clean()
    chain.check_clean()
