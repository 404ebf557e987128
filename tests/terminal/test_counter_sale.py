"""Counter sales, returns and voids on a store terminal reach central (issue 16): the
services journal what they complete in their own transaction, with the numbers the terminal
gave (carrying its code), which central keeps; a unit sold meanwhile is a conflict."""

from __future__ import annotations

import json
from decimal import Decimal

from terminal_chain import Chain, till_db

from serialpos.db import journal
from serialpos.db.engine import Database
from serialpos.domain.discounts import Discount, DiscountKind
from serialpos.services import returns, users
from serialpos.services.context import Actor
from serialpos.services.order_void import void_order
from serialpos.services.orders import NewOrder, add_item, fulfil, get_order
from serialpos.services.orders.discounts import LineChange, change_line


def _sell(db: Database, mia: Actor, serial: str, cash: str) -> tuple[str, str]:
    added = add_item(db, mia, None, sku="PH1", serial=serial, start=NewOrder("S1"))
    add_item(db, mia, added.order.order, sku="CAB")
    done = fulfil(db, mia, added.order.order, payments=[("cash", Decimal(cash))])
    return done.order.order, done.invoice


def test_a_counter_sale_and_its_return_reach_central(chain: Chain, opened: list[Database]) -> None:
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "CS-1"})[0]["ok"]
    till = chain.terminal("till-c")
    db, mia = till_db(till, opened)

    order, invoice = _sell(db, mia, "CS-1", "20")
    assert order.startswith("S1-TILLC-") is False  # 'till-c' has a dash: its code is a hash
    assert order.startswith("S1-") and invoice.startswith("INV-S1-")
    code = order.split("-")[1]
    assert len(code) == 8 and f"-{code}-" in invoice
    [entry] = db.read(journal.entries)
    line = json.loads(entry.line)
    assert line["op"] == "order_create" and line["fulfil"] is True
    assert line["numbers"] == {"order": order, "invoice": invoice}
    assert [(x["sku"], x.get("serial")) for x in line["lines"]] == [("PH1", "CS-1"), ("CAB", None)]
    assert line["payments"] == [{"method": "cash", "amount": "20.00"}]

    report = till.sync()
    assert (report["accepted"], report["conflicts"], report["pending"]) == (1, 0, 0)
    assert chain.scalar("SELECT status FROM sale_order WHERE number = :n", n=order) == "fulfilled"
    assert chain.scalar("SELECT count(*) FROM invoice WHERE number = :n", n=invoice) == 1
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'CS-1'") == "sold"
    change = chain.scalar("SELECT change_due FROM invoice WHERE number = :n", n=invoice)
    assert Decimal(change) == Decimal("20") - Decimal("9.50") - _phone_price(chain)

    # The return at the counter: one entry, by line numbers, with the refund note's number.
    view = get_order(db, order)
    phone = next(ln.line for ln in view.lines if ln.serial == "CS-1")
    done = returns.return_units(db, mia, order, lines=[phone], refund_method="cash")
    assert f"-{code}-" in done.refund_invoice
    last = json.loads(db.read(journal.entries)[-1].line)
    assert (last["op"], last["line_numbers"], last["numbers"]) == (
        "order_return",
        [1],
        {"refund": done.refund_invoice},
    )
    assert till.sync()["accepted"] == 1
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'CS-1'") == "in_stock"
    assert (
        chain.scalar("SELECT kind FROM invoice WHERE number = :n", n=done.refund_invoice)
        == "Refund"
    )
    till.check_clean()
    chain.check_clean()


def _phone_price(chain: Chain) -> Decimal:
    return Decimal(chain.scalar("SELECT price FROM product WHERE sku = 'PH1'"))


def test_a_void_by_number_and_an_unknown_number(chain: Chain, opened: list[Database]) -> None:
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "CV-1"})[0]["ok"]
    till = chain.terminal("T9")
    [made] = till.apply(
        {"op": "order_create", "store": "S1", "lines": [{"sku": "PH1", "serial": "CV-1"}]}
    )
    assert made["ok"] and made["order"].startswith("S1-T9-"), made
    assert till.sync()["accepted"] == 1
    assert chain.scalar("SELECT status FROM sale_order WHERE number = :n", n=made["order"]) == (
        "open"
    )
    db, mia = till_db(till, opened)
    void_order(db, mia, made["order"])
    last = json.loads(db.read(journal.entries)[-1].line)
    assert (last["op"], last["order"]) == ("order_void", made["order"])
    assert till.sync()["accepted"] == 1
    assert chain.scalar("SELECT status FROM sale_order WHERE number = :n", n=made["order"]) == (
        "voided"
    )
    # A number this terminal does not hold: refused, clearly, nothing journaled.
    before = len(db.read(journal.entries))
    [refused] = till.apply({"op": "order_void", "order": "S1-000001"}, check=False)
    assert refused["error"] == "not_on_terminal" and "not on this terminal" in refused["message"]
    assert len(db.read(journal.entries)) == before
    # A host may not choose numbers, on a terminal or at central.
    [forged] = till.apply(
        {"op": "order_create", "store": "S1", "numbers": {"order": "S1-T9-000099"}}, check=False
    )
    assert forged["error"] == "bad_request"
    [forged] = chain.post({"op": "order_create", "store": "S1", "numbers": {"order": "S1-X"}})
    assert forged["error"] == "bad_request" and "journal entry only" in forged["message"]


def test_two_counters_sell_one_unit(chain: Chain, opened: list[Database]) -> None:
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "C2-1"})[0]["ok"]
    till1, till2 = chain.terminal("c2a"), chain.terminal("c2b")
    db1, mia1 = till_db(till1, opened)
    db2, mia2 = till_db(till2, opened)
    first, _ = _sell(db1, mia1, "C2-1", "100")
    second, _ = _sell(db2, mia2, "C2-1", "100")
    assert first != second
    assert till1.sync()["accepted"] == 1
    report = till2.sync()
    assert (report["accepted"], report["conflicts"]) == (0, 1)
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'C2-1'") == "sold"
    assert chain.scalar("SELECT count(*) FROM sale_order WHERE number = :n", n=second) == 0
    [conflict] = [
        c
        for c in json.loads(chain.central("conflicts", "list", "--json").stdout)
        if c["serial"] == "C2-1"
    ]
    assert (conflict["sku"], conflict["terminal"], conflict["status"]) == ("PH1", "c2b", "open")
    assert conflict["first_event"]["terminal"] == "c2a"
    on_till = json.loads(till2.cli("conflicts", "list", "--json").stdout)  # its store's
    assert [c["serial"] for c in on_till if c["terminal"] == "c2b"] == ["C2-1"]


def test_a_discount_approved_at_the_till_stands_at_central(
    chain: Chain, opened: list[Database]
) -> None:
    """A manager's approval travels as the manager's name, never the PIN; central takes it
    from a journal entry (the till checked the PIN) and the totals agree at both ends."""
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "CD-1"})[0]["ok"]
    till = chain.terminal("cd1")
    db, _mia = till_db(till, opened)
    carl = users.actor_for(db, "carl", till.name)
    added = add_item(db, carl, None, sku="CAB", start=NewOrder("S1"))
    order = added.order.order
    change_line(
        db,
        carl,
        order,
        added.line,
        LineChange("shop-worn", discount=Discount(DiscountKind.PERCENT, Decimal("50"))),
        manager_user="mia",
        manager_pin="1234",
    )
    add_item(db, carl, order, sku="PH1", serial="CD-1")
    done = fulfil(db, carl, order, payments=[("card", get_order(db, order).totals.due)])
    line = json.loads(db.read(journal.entries)[-1].line)
    [cable] = [x for x in line["lines"] if x["sku"] == "CAB"]
    assert cable == {
        "sku": "CAB",
        "quantity": 1,
        "catalogue_price": "9.50",  # the price the till charged before the discount
        "discount_percent": "50",
        "reason": "shop-worn",
        "manager": "mia",
    }
    assert "pin" not in json.dumps(line)
    assert till.sync()["accepted"] == 1
    central_total = chain.scalar("SELECT total FROM invoice WHERE number = :n", n=done.invoice)
    till_total = till.query("SELECT total FROM invoice WHERE number = :n", n=done.invoice)[0][0]
    assert Decimal(str(central_total)) == Decimal(str(till_total))
    approved = chain.scalar(
        "SELECT l.discount_approved_by FROM order_line l JOIN sale_order o ON o.id = l.order_id"
        " WHERE o.number = :n AND l.sku = 'CAB'",
        n=order,
    )
    assert approved == "mia"
