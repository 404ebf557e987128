"""A shipment central refused gives back what it took on the till (issue 16): its units
take central's state with the verdict, and its quantities (products without serials) are
put back on the sending store's stock when the till marks its copy refused, so the till's
stock of them is central's. Real ``serialpos serve`` on PostgreSQL, a terminal through the
CLI, its own SQLite."""

from __future__ import annotations

from typing import Any

from terminal_chain import Chain, Terminal

STOCK = (
    "SELECT coalesce(sum(k.quantity), 0) FROM stock_level k JOIN store s ON s.id = k.store_id "
    "JOIN product p ON p.id = k.product_id WHERE s.code = :store AND p.sku = :sku"
)
PUT_BACK = (
    "SELECT e.action, e.quantity, e.document_type, e.document_id, e.reason FROM ledger_event e "
    "JOIN product p ON p.id = e.product_id WHERE p.sku = 'CAB' AND e.document_id = :number "
    "ORDER BY e.id"
)


def _stock(db: Terminal | Chain, store: str, sku: str) -> int:
    if isinstance(db, Chain):
        return int(db.scalar(STOCK, store=store, sku=sku))
    return int(db.query(STOCK, store=store, sku=sku)[0][0])


def _ship(number: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "op": "transfer_out",
        "store": "S1",
        "to": "S2",
        "transfer": number,
        "create": True,
        "items": items,
    }


def test_a_refused_shipment_puts_its_quantities_back(chain: Chain) -> None:
    """A till ships, offline, a phone central sold meanwhile and 3 cables: central records a
    conflict and makes no transfer. The till's copy is refused, the phone is central's
    (sold), and the 3 cables are back in S1's stock on the till, as at central (they never
    left there); a later sync puts nothing back twice."""
    received = chain.post(
        {"op": "receive", "store": "S1", "sku": "PH1", "serial": "RQ-1"},
        {"op": "receive", "store": "S1", "sku": "CAB", "quantity": 10},
    )
    assert all(r["ok"] for r in received), received
    till = chain.terminal("rq-s1")
    assert chain.post({"op": "sell", "store": "S1", "sku": "PH1", "serial": "RQ-1"})[0]["ok"]
    items = [{"sku": "PH1", "serials": ["RQ-1"]}, {"sku": "CAB", "quantity": 3}]
    [out] = till.apply(_ship("RQ-TR1", items))
    assert out["ok"], out
    assert _stock(till, "S1", "CAB") == 7

    report = till.sync()
    assert (report["conflicts"], report["refused_transfers"]) == (1, 1), report
    assert chain.scalar("SELECT count(*) FROM transfer WHERE number = 'RQ-TR1'") == 0
    assert _stock(chain, "S1", "CAB") == 10
    assert _stock(till, "S1", "CAB") == 10
    assert till.unit_state("RQ-1") == "sold"
    [shipped, back] = till.query(PUT_BACK, number="RQ-TR1")
    assert shipped[:2] == ("transfer_out", -3)
    assert back == ("central_state", 3, "transfer", "RQ-TR1", "sync_conflict")
    again = till.sync()
    assert again["refused_transfers"] == 0, again
    assert _stock(till, "S1", "CAB") == 10
    for db in (till, chain):
        db.check_clean()


def test_a_refused_quantity_only_shipment_puts_it_back(chain: Chain) -> None:
    """A shipment of cables only, which central could not make (it sold every cable of S1
    meanwhile): the till's copy is refused and its cables come back, so its stock of them
    is central's (the pull brought central's sale)."""
    assert chain.post({"op": "receive", "store": "S1", "sku": "CAB", "quantity": 5})[0]["ok"]
    till = chain.terminal("rq-s1b")
    before = _stock(chain, "S1", "CAB")
    assert _stock(till, "S1", "CAB") == before
    # Central sells all its cables meanwhile: the shipment cannot be made there.
    sold = chain.post({"op": "sell", "store": "S1", "sku": "CAB", "quantity": before})
    assert sold[0]["ok"], sold
    [out] = till.apply(_ship("RQ-TR2", [{"sku": "CAB", "quantity": 2}]))
    assert out["ok"], out
    report = till.sync()
    assert report["refused_transfers"] == 1, report
    assert report["conflicts"] + report["refused"] == 1, report
    assert _stock(till, "S1", "CAB") == _stock(chain, "S1", "CAB") == 0
    for db in (till, chain):
        db.check_clean()
