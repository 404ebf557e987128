"""Exchanges on a store terminal (issue 16) against a real ``serialpos serve``: the return half
journals ``order_return`` with ``"exchange": true`` when the exchange starts, the new sale
journals ``order_create`` with ``exchange_of`` when it is fulfilled; central applies both as
its own exchange (the credit carried from the refund note, only the difference paid), each
exactly once, and the new sale's unit sold at another till meanwhile is a conflict like any
sale's. The same two lines through ``apply`` on the terminal (the CLI) do the same."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from terminal_chain import Chain, till_db

from serialpos.db import journal
from serialpos.db.engine import Database
from serialpos.services import exchanges, invoices, products, users
from serialpos.services.context import Actor
from serialpos.services.orders import NewOrder, add_item, fulfil, get_order

PRICE = Decimal("300.00")


@pytest.fixture(scope="module")
def priced(chain: Chain) -> str:
    """A priced serial-tracked product (PH1 is free: its exchange would carry no credit)."""
    ada = users.actor_for(chain.server.db, "ada", "setup")
    products.create_product(
        chain.server.db, ada, sku="PX1", name="Phone X", serial_mode="required", price=PRICE
    )
    return "PX1"


def _receive(chain: Chain, sku: str, *serials: str) -> None:
    for serial in serials:
        assert chain.post({"op": "receive", "store": "S1", "sku": sku, "serial": serial})[0]["ok"]


def _sold(db: Database, mia: Actor, sku: str, serial: str) -> tuple[str, int]:
    added = add_item(db, mia, None, sku=sku, serial=serial, start=NewOrder("S1"))
    fulfil(db, mia, added.order.order, payments=[("card", added.order.totals.due)])
    return added.order.order, added.line


def _lines(db: Database) -> list[dict[str, object]]:
    return [json.loads(e.line) for e in db.read(journal.entries)]


def _state(chain: Chain, serial: str) -> str:
    return str(chain.scalar("SELECT state FROM serial_unit WHERE serial = :s", s=serial))


def _central_counts(chain: Chain, note: str) -> tuple[int, int, int]:
    """Orders carrying the note's credit, payments on them, events of every unit."""
    return (
        chain.scalar("SELECT count(*) FROM sale_order WHERE exchange_of = :n", n=note),
        chain.scalar(
            "SELECT count(*) FROM order_payment p JOIN sale_order o ON o.id = p.order_id"
            " WHERE o.exchange_of = :n",
            n=note,
        ),
        chain.scalar("SELECT count(*) FROM ledger_event"),
    )


def test_an_offline_exchange_reaches_central_once(
    chain: Chain, priced: str, opened: list[Database]
) -> None:
    _receive(chain, priced, "EX-OLD", "EX-NEW")
    till = chain.terminal("ex1")
    db, mia = till_db(till, opened)
    order, line = _sold(db, mia, priced, "EX-OLD")
    assert till.sync()["accepted"] == 1  # the first sale is central's now

    # Offline: the exchange starts (the return half journals at once), the new unit is rung
    # up on the exchange sale, the difference (a cable) paid in cash.
    ex = exchanges.start_exchange(db, mia, order, lines=[line])
    assert ex.credit == PRICE and ex.units == (("EX-OLD", "in_stock"),)
    returned = {k: v for k, v in _lines(db)[-1].items() if k not in ("id", "journal")}
    assert returned == {
        "op": "order_return",
        "order": order,
        "line_numbers": [1],
        "damaged_line_numbers": [],
        "exchange": True,
        "numbers": {"refund": ex.refund_note},
    }
    add_item(db, mia, ex.sale.order, sku=priced, serial="EX-NEW")
    add_item(db, mia, ex.sale.order, sku="CAB")
    assert get_order(db, ex.sale.order).totals.due == Decimal("9.50")
    done = fulfil(db, mia, ex.sale.order, payments=[("cash", Decimal("10"))])
    sale = _lines(db)[-1]
    assert sale["op"] == "order_create" and sale["exchange_of"] == ex.refund_note
    assert sale["payments"] == [{"method": "cash", "amount": "10.00"}]  # the credit is no tender
    assert sale["numbers"] == {"order": ex.sale.order, "invoice": done.invoice}

    report = till.sync()
    assert (report["accepted"], report["conflicts"], report["refused"]) == (2, 0, 0), report
    assert (_state(chain, "EX-OLD"), _state(chain, "EX-NEW")) == ("in_stock", "sold")
    assert chain.scalar(
        "SELECT exchange_of FROM sale_order WHERE number = :n", n=ex.sale.order
    ) == (ex.refund_note)
    credit = chain.scalar(
        "SELECT p.amount FROM order_payment p JOIN sale_order o ON o.id = p.order_id"
        " WHERE o.number = :n AND p.method = 'exchange'",
        n=ex.sale.order,
    )
    assert Decimal(str(credit)) == PRICE
    refunded = chain.scalar(
        "SELECT p.amount FROM order_payment p JOIN invoice i ON i.id = p.invoice_id"
        " WHERE i.number = :n AND p.kind = 'refund'",
        n=ex.refund_note,
    )
    assert Decimal(str(refunded)) == -PRICE  # the original order's refund, kept as credit
    change = chain.scalar("SELECT change_due FROM invoice WHERE number = :n", n=done.invoice)
    assert Decimal(str(change)) == Decimal("0.50") == done.change_due
    # The document prints as the exchange at both ends: both serials, the difference.
    for where in (chain.server.db, db):
        doc = invoices.invoice_document(where, done.invoice)
        assert doc.kind == "Exchange" and doc.total == Decimal("9.50")
        assert [ln.serials for ln in doc.lines] == [("EX-OLD",), ("EX-NEW",), ()]

    # Sent again (the journal replayed from the start): nothing changes at central.
    before = _central_counts(chain, ex.refund_note)
    assert before[:2] == (1, 3)  # the credit, the cash, the change
    db.write(lambda conn: conn.exec_driver_sql("UPDATE journal_entry SET state = 'pending'"))
    again = till.sync()
    assert (again["accepted"], again["conflicts"], again["refused"]) == (3, 0, 0), again
    assert _central_counts(chain, ex.refund_note) == before
    till.check_clean()
    chain.check_clean()


def test_an_exchanged_unit_sold_meanwhile_is_a_conflict(
    chain: Chain, priced: str, opened: list[Database]
) -> None:
    _receive(chain, priced, "EXC-OLD", "EXC-NEW")
    till1, till2 = chain.terminal("exc1"), chain.terminal("exc2")
    db1, mia1 = till_db(till1, opened)
    db2, mia2 = till_db(till2, opened)
    order, line = _sold(db1, mia1, priced, "EXC-OLD")
    assert till1.sync()["accepted"] == 1

    ex = exchanges.start_exchange(db1, mia1, order, lines=[line])  # offline
    add_item(db1, mia1, ex.sale.order, sku=priced, serial="EXC-NEW")
    fulfil(db1, mia1, ex.sale.order)
    _sold(db2, mia2, priced, "EXC-NEW")  # the other till sells the new unit first
    assert till2.sync()["accepted"] == 1

    report = till1.sync()
    assert (report["accepted"], report["conflicts"]) == (1, 1), report  # return; sale
    assert (_state(chain, "EXC-OLD"), _state(chain, "EXC-NEW")) == ("in_stock", "sold")
    assert chain.scalar("SELECT count(*) FROM sale_order WHERE number = :n", n=ex.sale.order) == 0
    [conflict] = [
        c
        for c in json.loads(chain.central("conflicts", "list", "--json").stdout)
        if c["serial"] == "EXC-NEW"
    ]
    assert (conflict["terminal"], conflict["entry"]["line"]["op"]) == ("exc1", "order_create")
    assert conflict["entry"]["line"]["exchange_of"] == ex.refund_note
    assert conflict["first_event"]["terminal"] == "exc2"
    on_till = json.loads(till1.cli("conflicts", "list", "--json").stdout)  # its store's
    assert [c["serial"] for c in on_till if c["terminal"] == "exc1"] == ["EXC-NEW"]


def test_an_exchange_through_apply_on_the_terminal(chain: Chain, priced: str) -> None:
    _receive(chain, priced, "EXA-OLD", "EXA-NEW")
    till = chain.terminal("exa1")
    [sold] = till.apply(
        {
            "op": "order_create",
            "store": "S1",
            "lines": [{"sku": priced, "serial": "EXA-OLD"}],
            "fulfil": True,
            "payments": [{"method": "card", "amount": "300"}],
        }
    )
    [back] = till.apply(
        {"op": "order_return", "order": sold["order"], "line_numbers": [1], "exchange": True}
    )
    assert back["ok"] and back["amount"] == "300.00" and back["refund_invoice"].startswith("RF-")
    [new] = till.apply(
        {
            "op": "order_create",
            "store": "S1",
            "exchange_of": back["refund_invoice"],
            "lines": [{"sku": priced, "serial": "EXA-NEW"}],
            "fulfil": True,
            "payments": [],
        }
    )
    assert new["ok"] and new["paid"] == "300.00" and new["change_due"] == "0.00", new
    # Its credit is spent: a second sale naming the note is refused, here and at central.
    [twice] = till.apply(
        {"op": "order_create", "store": "S1", "exchange_of": back["refund_invoice"]},
        check=False,
    )
    assert twice["error"] == "credit_spent" and new["order"] in twice["message"]
    assert till.sync()["accepted"] == 3
    assert (_state(chain, "EXA-OLD"), _state(chain, "EXA-NEW")) == ("in_stock", "sold")
    assert (
        chain.scalar("SELECT exchange_of FROM sale_order WHERE number = :n", n=new["order"])
        == (back["refund_invoice"])
    )
    [spent] = chain.post(
        {"op": "order_create", "store": "S1", "exchange_of": back["refund_invoice"]}
    )
    assert spent["error"] == "credit_spent"
    till.check_clean()


def test_exchange_lines_refused_clearly(chain: Chain, priced: str) -> None:
    """At central, from a host: each bad exchange line names its problem, nothing changes."""
    _receive(chain, priced, "EXR-1")
    [sold] = chain.post(
        {
            "op": "order_create",
            "store": "S1",
            "lines": [{"sku": priced, "serial": "EXR-1"}],
            "fulfil": True,
            "payments": [{"method": "cash", "amount": "300"}],
        }
    )
    both, unknown = chain.post(
        {
            "op": "order_return",
            "order": sold["order"],
            "line_numbers": [1],
            "exchange": True,
            "refund_method": "cash",
        },
        {"op": "order_create", "store": "S1", "exchange_of": "RF-S1-999999"},
    )
    assert both["error"] == "bad_request" and "refund_method" in both["message"]
    assert unknown["error"] == "unknown_refund" and "RF-S1-999999" in unknown["message"]
    [paid_out] = chain.post(
        {"op": "order_return", "order": sold["order"], "line_numbers": [1]},
    )
    [not_credit] = chain.post(
        {"op": "order_create", "store": "S1", "exchange_of": paid_out["refund_invoice"]}
    )
    assert not_credit["error"] == "not_exchange_credit"
    assert _state(chain, "EXR-1") == "in_stock"
