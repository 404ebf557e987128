"""Central restored from an older backup, then a till sends again what central lost: another
till that had pulled those entries' events already must not move their quantities twice
when central's feed brings them again (issue 16, the new-user walk). Real processes:
``serialpos serve`` on PostgreSQL, the tills' CLI, each its own SQLite."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from terminal_chain import Chain, Terminal
from test_central_restore import backup

STOCK = (
    "SELECT coalesce(sum(k.quantity), 0) FROM stock_level k JOIN store s ON s.id = k.store_id "
    "JOIN product p ON p.id = k.product_id WHERE s.code = 'S1' AND p.sku = :sku"
)
MOVED = (
    "SELECT e.action, e.quantity FROM ledger_event e JOIN product p ON p.id = e.product_id "
    "WHERE p.sku = :sku AND e.document_id = :doc AND e.quantity <> 0 ORDER BY e.id"
)


def _sale(serial: str | None, sku: str) -> dict[str, Any]:
    lines: list[dict[str, Any]] = [{"sku": sku, "quantity": 1}]
    if serial is not None:
        lines.insert(0, {"sku": "PH1", "serial": serial})
    return {
        "op": "order_create",
        "store": "S1",
        "lines": lines,
        "fulfil": True,
        "payments": [{"method": "cash", "amount": "5000.00"}],
    }


def _stock(db: Terminal | Chain, sku: str) -> int:
    if isinstance(db, Chain):
        return int(db.scalar(STOCK, sku=sku))
    return int(db.query(STOCK, sku=sku)[0][0])


@pytest.mark.parametrize("first", ["seller", "puller"])
def test_a_sale_sent_again_is_not_counted_twice_by_another_till(chain: Chain, first: str) -> None:
    serial = f"PD-{first}"
    case = f"CS{first[0].upper()}"
    from serialpos.services import products, users

    ada = users.actor_for(chain.server.db, "ada", "setup")
    products.create_product(chain.server.db, ada, sku=case, name="Case", price=Decimal("5.00"))
    stocked = chain.post(
        {"op": "receive", "store": "S1", "sku": "PH1", "serial": serial},
        {"op": "receive", "store": "S1", "sku": "CAB", "quantity": 10},
        {"op": "receive", "store": "S1", "sku": case, "quantity": 10},
    )
    assert all(r["ok"] for r in stocked), stocked
    seller = chain.terminal(f"pd-seller-{first}")
    puller = chain.terminal(f"pd-puller-{first}")
    with backup(chain) as restore:
        [cable] = seller.apply(_sale(serial, "CAB"))
        assert seller.sync()["accepted"] == 1
        [cover] = seller.apply(_sale(None, case))
        assert seller.sync()["accepted"] == 1
        puller.sync()
        cables, cases = _stock(chain, "CAB"), _stock(chain, case)
        assert (_stock(puller, "CAB"), _stock(puller, case)) == (cables, cases)
        restore()
        order = [seller, puller] if first == "seller" else [puller, seller]
        resent = {t.name: json.loads(t.cli("terminal", "resend").stdout) for t in order}
        again = puller.sync()
        seller.sync()
    assert again["pending"] == 0
    assert (_stock(chain, "CAB"), _stock(chain, case)) == (cables, cases)
    newcomer = chain.terminal(f"pd-new-{first}")  # set up from central as it is now
    for till in (seller, puller, newcomer):
        assert (_stock(till, "CAB"), _stock(till, case)) == (cables, cases), till.name
        till.check_clean()
    # Each sale moved the puller's stock once, whichever till sent its entries again first.
    assert puller.query(MOVED, sku="CAB", doc=cable["order"]) == [("sell", -1)]
    assert puller.query(MOVED, sku=case, doc=cover["order"]) == [("sell", -1)]
    # the two sales' quantity events, made again at central, met as counted already
    assert resent[puller.name]["sync"]["mirror"]["again"] + again["mirror"]["again"] == 2
    # each matched once; the seller keeps none of its own (they never move anything there)
    assert [t.query("SELECT count(*) FROM feed_lost") for t in (puller, seller)] == [[(0,)]] * 2
    chain.check_clean()
