"""A store terminal refuses a bare ``return`` of a unit sold on an order as central does
(``sold_on_order``, services/sold_on_order.py): nothing moves and nothing is journaled, so
no entry reaches central that would take the unit back with its sale left in the books.
The order's return (``order_return``) takes it back, offline too. Real ``serialpos serve``
on PostgreSQL, the till driven through the CLI on its own SQLite."""

from __future__ import annotations

from terminal_chain import Chain

ENTRIES = "SELECT count(*) FROM journal_entry"


def test_a_till_refuses_a_bare_return_of_its_own_sale(chain: Chain) -> None:
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "BR-1"})[0]["ok"]
    till = chain.terminal("br-a")
    [sold] = till.apply({"op": "sell", "store": "S1", "sku": "PH1", "serial": "BR-1"})
    assert sold["ok"], sold
    journaled = till.query(ENTRIES)[0][0]
    [bare] = till.apply(
        {"op": "return", "store": "S1", "sku": "PH1", "serial": "BR-1"}, check=False
    )
    assert (bare["ok"], bare["error"]) == (False, "sold_on_order"), bare
    assert f"sold on order {sold['order']}" in bare["message"]
    assert till.unit_state("BR-1") == "sold"
    assert till.query(ENTRIES)[0][0] == journaled  # nothing journaled
    [back] = till.apply({"op": "order_return", "order": sold["order"], "serials": ["BR-1"]})
    assert back["ok"], back
    assert till.unit_state("BR-1") == "in_stock"
    report = till.sync()
    assert (report["accepted"], report["conflicts"]) == (2, 0), report
    state = "SELECT state FROM serial_unit WHERE serial = 'BR-1'"
    assert chain.scalar(state) == "in_stock"
    for db in (till, chain):
        db.check_clean()


def test_a_till_names_what_to_do_with_another_stores_sale(chain: Chain) -> None:
    """A till of S2 holds no copy of S1's sales, so it cannot check offline that the line
    is still sold nor what was paid: it refuses the return, nothing journaled, and says to
    take it at central with its store, where the refund note and refund are booked at S2
    (docs/receipts.md, "A return at another store")."""
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "BR-2"})[0]["ok"]
    [sold] = chain.post({"op": "sell", "store": "S1", "sku": "PH1", "serial": "BR-2"})
    till = chain.terminal("br-s2", "S2")
    till.sync()
    journaled = till.query(ENTRIES)[0][0]
    line = {"op": "order_return", "order": sold["order"], "serials": ["BR-2"], "store": "S2"}
    [refused] = till.apply(line, check=False)
    assert (refused["ok"], refused["error"]) == (False, "not_on_terminal"), refused
    assert "take the return at central's counter with store S2" in refused["message"]
    assert till.query(ENTRIES)[0][0] == journaled
    [back] = chain.post(line)  # at central: booked at S2
    assert back["ok"] and back["refund_invoice"].startswith("RF-S2-"), back
