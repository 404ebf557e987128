"""A till's sale central could not record at all is refunded at both ends (issue 16, D5).

Two tills of S1 sell the same unit offline; B syncs first, so A's one-line sale is a
conflict whose only line names the unit B sold. ``record_sale`` has nothing to record, and
``accept`` left A's money recorded nowhere; on A the order was NOT TAKEN (no return) and
fulfilled (no void), so the refund the manager gives at the counter could be recorded
nowhere and A's drawer could not balance. Resolved by ``refund``, central records A's
order without a unit, voids it and refunds its tender; A takes central's rows at its sync:
the order voided and refunded, its invoice kept cancelled, the refund paid out of A's open
shift; the
unit stays sold on B's order. Real ``serialpos serve`` on PostgreSQL, the tills as CLI
processes."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from terminal_chain import Chain, Terminal, till_db

from serialpos.db.engine import Database
from serialpos.services import products, users
from serialpos.services.orders import NewOrder, add_item, fulfil

PRICE = Decimal("1080.00")

PAYMENTS = (
    "SELECT p.kind, p.method, p.amount FROM order_payment p "
    "JOIN sale_order o ON o.id = p.order_id WHERE o.number = :n ORDER BY p.id"
)
LINES = (
    "SELECT l.number, l.sku, l.serial, l.status, l.invoice_id IS NULL FROM order_line l "
    "JOIN sale_order o ON o.id = l.order_id WHERE o.number = :n ORDER BY l.number"
)
INVOICES = (
    "SELECT i.number, i.kind FROM invoice i JOIN sale_order o ON o.id = i.order_id "
    "WHERE o.number = :n ORDER BY i.number"
)
STATUS = "SELECT status FROM sale_order WHERE number = :n"


def _central(chain: Chain, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    import sqlalchemy as sa

    with chain.server.db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params)]


def _money(rows: list[tuple[Any, ...]]) -> list[tuple[str, str, Decimal]]:
    return [(str(k), str(m), Decimal(str(a))) for k, m, a in rows]


def _lost_sale(
    chain: Chain, opened: list[Database], tag: str, tendered: Decimal = PRICE
) -> tuple[Terminal, Terminal, dict[str, Any], int, Decimal]:
    """A (shift open, float 100) sells ``tag``-T01 offline at its counter, paid in cash;
    B sells it too and syncs first: (A, B, A's order and invoice, the conflict's number,
    the price)."""
    serial, sku = f"{tag}-T01", f"TV{tag}"
    ada = users.actor_for(chain.server.db, "ada", "setup")
    products.create_product(
        chain.server.db, ada, sku=sku, name="TV", serial_mode="required", price=PRICE
    )
    [received] = chain.post({"op": "receive", "store": "S1", "sku": sku, "serial": serial})
    assert received["ok"], received
    price = PRICE
    a, b = chain.terminal(f"till-{tag.lower()}-a"), chain.terminal(f"till-{tag.lower()}-b")
    a.cli("--user", "mia", "shift", "open", "--float", "100")
    sell = {"op": "sell", "store": "S1", "sku": sku, "serial": serial, "payment": "cash"}
    db, mia = till_db(a, opened)
    made = add_item(db, mia, None, sku=sku, serial=serial, start=NewOrder("S1"))
    done = fulfil(db, mia, made.order.order, payments=[("cash", tendered)])
    sold_a = {"order": made.order.order, "invoice": done.invoice}
    assert b.apply(sell)[0]["ok"]
    assert b.sync()["accepted"] == 1
    assert a.sync()["conflicts"] == 1
    number = int(chain.scalar("SELECT max(id) FROM sync_conflict"))
    return a, b, sold_a, number, price


def test_refund_records_the_sale_and_its_refund_at_central_and_on_the_till(
    chain: Chain, opened: list[Database]
) -> None:
    a, _b, sold, number, price = _lost_sale(chain, opened, "RFA")
    order, invoice = sold["order"], sold["invoice"]
    refused = chain.central(
        "conflicts", "resolve", str(number), "--by", "record_sale", user="ada", check=False
    )
    assert refused.returncode != 0
    assert "resolve by refund" in " ".join((refused.stdout + refused.stderr).split())
    done = chain.central(
        "conflicts", "resolve", str(number), "--by", "refund", "--json", user="ada"
    )
    resolution = json.loads(done.stdout)["resolution"]
    assert (resolution["action"], resolution["by"]) == ("refund", "ada")
    # Central: A's order, its money in and the same money back; no unit, no invoice.
    assert _central(chain, STATUS, n=order) == [("voided",)]
    assert _money(_central(chain, PAYMENTS, n=order)) == [
        ("payment", "cash", price),
        ("refund", "cash", -price),
    ]
    central_lines = _central(chain, LINES, n=order)
    assert [r[2] for r in central_lines] == [None]
    assert _central(chain, INVOICES, n=order) == []
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'RFA-T01'") == "sold"
    made = "SELECT created_by FROM sale_order WHERE number = :n"
    assert _central(chain, made, n=order) == [("mia",)]
    # The till takes central's rows: the same order, lines and money; its invoice gone.
    report = a.sync()
    assert report["recorded_sales"] == 1, report
    assert a.query(STATUS, n=order) == [("voided",)]
    assert a.query(LINES, n=order) == central_lines
    assert _money(a.query(PAYMENTS, n=order)) == _money(_central(chain, PAYMENTS, n=order))
    # Its invoice kept, cancelled (its number stays: no gap in the till's series).
    assert a.query(INVOICES, n=order) == [(invoice, "Invoice")]
    # A's drawer balances: the sale's cash in, its refund out, in the shift open.
    x = json.loads(a.cli("--user", "mia", "shift", "x", "--json").stdout)
    assert Decimal(x["expected_cash"]) == Decimal(100)
    assert x["not_taken"] == []
    # Nothing more to return or void at the till; the unit stays B's customer's.
    [again] = a.apply({"op": "order_return", "order": order, "serials": ["RFA-T01"]}, check=False)
    assert not again["ok"] and again["error"] != "not_taken", again
    assert a.unit_state("RFA-T01") == "sold"
    card = json.loads(a.cli("serial", "show", "RFA-T01", "--json").stdout)[0]
    assert card["sale"]["order"] != order
    assert a.sync()["recorded_sales"] == 0  # taken once
    a.check_clean()
    chain.check_clean()


def test_refund_resolved_at_the_till_after_change_given_balances_both_ends(
    chain: Chain, opened: list[Database]
) -> None:
    """The manager resolves at A itself; the customer had tendered 1100.00 in cash for the
    1080.00 TV and took 20.00 change: central records and refunds 1080.00, what the till
    kept, and neither end's sales report counts the sale or its refund."""
    a, _b, sold, number, price = _lost_sale(chain, opened, "RFB", tendered=Decimal("1100.00"))
    order, invoice = sold["order"], sold["invoice"]
    done = a.cli("--user", "mia", "conflicts", "resolve", str(number), "--by", "refund")
    assert json.loads(done.stdout)["resolution"]["action"] == "refund"
    paid = _money(_central(chain, PAYMENTS, n=order))
    assert sum(x[2] for x in paid if x[0] == "payment") == price
    assert [x for x in paid if x[0] == "refund"] == [("refund", "cash", -price)]
    assert sum(x[2] for x in paid) == 0
    assert a.sync()["recorded_sales"] == 0  # taken when it was resolved here
    assert _money(a.query(PAYMENTS, n=order)) == paid
    assert a.query(STATUS, n=order) == _central(chain, STATUS, n=order) == [("voided",)]
    x = json.loads(a.cli("--user", "mia", "shift", "x", "--json").stdout)
    assert Decimal(x["expected_cash"]) == Decimal(100)
    # The sales reports: the sale is no sale at either end, and nothing is "not taken".
    on_till = a.cli("--user", "mia", "report", "sales", "--json")
    assert invoice not in on_till.stdout and "did not take" not in on_till.stderr
    at_central = chain.central("report", "sales", "--json", user="mia").stdout
    assert order not in at_central and invoice not in at_central
    shown = a.cli("conflicts", "show", str(number)).stdout
    assert "REFUNDED" in shown and "voided and refunded by mia" in " ".join(shown.split())
    a.check_clean()
    chain.check_clean()


def test_refund_of_a_sell_made_through_apply_on_the_till(chain: Chain) -> None:
    """The same for a ``sell`` a host made through ``serialpos apply`` on A (one entry, no
    lines of its own): recorded as an order of one line at the till's price, paid by its
    payment method, voided and refunded; A takes it, and both ends are clean."""
    serial, sku = "RFC-T01", "TVRFC"
    ada = users.actor_for(chain.server.db, "ada", "setup")
    products.create_product(
        chain.server.db, ada, sku=sku, name="TV", serial_mode="required", price=PRICE
    )
    assert chain.post({"op": "receive", "store": "S1", "sku": sku, "serial": serial})[0]["ok"]
    a, b = chain.terminal("till-rfc-a"), chain.terminal("till-rfc-b")
    sell = {"op": "sell", "store": "S1", "sku": sku, "serial": serial, "payment": "card"}
    [lost] = a.apply(sell)
    assert b.apply(sell)[0]["ok"]
    assert b.sync()["accepted"] == 1
    assert a.sync()["conflicts"] == 1
    number = int(chain.scalar("SELECT max(id) FROM sync_conflict"))
    chain.central("conflicts", "resolve", str(number), "--by", "refund", user="ada")
    order = lost["order"]
    assert _money(_central(chain, PAYMENTS, n=order)) == [
        ("payment", "card", PRICE),
        ("refund", "card", -PRICE),
    ]
    assert a.sync()["recorded_sales"] == 1
    assert a.query(STATUS, n=order) == [("voided",)]
    assert _money(a.query(PAYMENTS, n=order)) == _money(_central(chain, PAYMENTS, n=order))
    assert [kind for _n, kind in a.query(INVOICES, n=order)] == ["Invoice"]  # cancelled
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = :s", s=serial) == "sold"
    a.check_clean()
    chain.check_clean()
