"""A conflict resolved by ``refund`` at the till that made the sale (issue 16, D5 follow-up).

Two tills sell one TV offline; B syncs first, so A's one-line sale is a conflict that only
``refund`` settles. The manager resolves it at A, where the customer stands. Before, A kept
its sale as it had made it until the next sync round (fulfilled, its invoice standing, no
refund in the drawer), then deleted its invoice (a silent gap in A's invoice numbers), printed
nothing for the customer, and with no shift open recorded the refund in no shift even where
the store sells only in one. Now A takes central's rows at once, keeps its invoice
CANCELLED with the tender and the refund on it (its number stays, and its receipt is the
customer's refund document, printed as a counter's refund is, the drawer opened), and a
refund where the store requires a shift and A has none is refused, asking to open one.
Real ``serialpos serve`` on PostgreSQL, the tills separate processes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal

import pytest
from terminal_chain import Chain, Terminal, till_db
from test_refund_not_taken import INVOICES, PAYMENTS, STATUS, _central, _lost_sale, _money

from escpos_standin import TcpPrinter, decode
from serialpos.db.engine import Database
from serialpos.services import products, users
from serialpos.services.orders import NewOrder, add_item, fulfil

PRICE = Decimal("1080.00")


def _with_printer(till: Terminal, port: int) -> None:
    text = till.config.read_text()
    till.config.write_text(
        text
        + '\n[receipt_printer]\nconnection = "network"\nhost = "127.0.0.1"\n'
        + f"port = {port}\ntimeout = 2\n"
    )


def test_a_refund_resolved_at_the_till_is_taken_kept_and_printed(
    chain: Chain, opened: list[Database]
) -> None:
    a, _b, sold, number, price = _lost_sale(chain, opened, "RHT")
    order, invoice = sold["order"], sold["invoice"]
    with TcpPrinter() as printer:
        _with_printer(a, printer.port)
        done = a.cli("--user", "mia", "conflicts", "resolve", str(number), "--by", "refund")
        received = bytes(printer.received)
    assert json.loads(done.stdout)["resolution"]["action"] == "refund"
    # Taken at once, no sync: voided, the money in and back out as central has it.
    assert a.query(STATUS, n=order) == _central(chain, STATUS, n=order) == [("voided",)]
    paid = _money(_central(chain, PAYMENTS, n=order))
    assert paid == [("payment", "cash", price), ("refund", "cash", -price)]
    assert _money(a.query(PAYMENTS, n=order)) == paid
    x = json.loads(a.cli("--user", "mia", "shift", "x", "--json").stdout)
    assert Decimal(x["expected_cash"]) == Decimal(100) and x["not_taken"] == [], x
    # The invoice number stays, cancelled: no gap in A's series, and no sale in a report.
    assert a.query(INVOICES, n=order) == [(invoice, "Invoice")]
    assert _central(chain, INVOICES, n=order) == []
    on_till = a.cli("--user", "mia", "report", "sales", "--json")
    assert invoice not in on_till.stdout and "did not take" not in on_till.stderr
    # The customer's refund document, printed at once, the drawer opened for the cash.
    slip = decode(received)
    assert invoice in slip.text and "CANCELLED" in slip.text, slip.text
    assert "refund, cash" in slip.text, slip.text
    assert slip.drawer_kicks, "the drawer opens for a cash refund"
    assert f"refund document {invoice}" in done.stderr, done.stderr
    # A reprint says the same; the PDF too.
    pdf = a.folder / "refund.pdf"
    a.cli("--user", "mia", "invoice", invoice, "--out", str(pdf))
    assert pdf.stat().st_size > 0
    # The next round has nothing left to take; the unit stays B's customer's.
    assert a.sync()["recorded_sales"] == 0
    card = json.loads(a.cli("serial", "show", "RHT-T01", "--json").stdout)[0]
    assert card["sale"]["order"] != order
    a.check_clean()
    chain.check_clean()


@pytest.fixture
def shifts_required(chain: Chain) -> Iterator[None]:
    chain.central("settings", "set", "require_shift", "yes", "--store", "S1", user="ada")
    yield None
    chain.central("settings", "set", "require_shift", "no", "--store", "S1", user="ada")


def test_a_refund_at_a_till_with_no_shift_where_one_is_required_is_refused(
    chain: Chain, opened: list[Database], shifts_required: None
) -> None:
    """As a refund at its counter: the store sells only in an open shift and A closed its
    shift, so the refund is refused at A before central is asked, saying to open one;
    resolved at central instead, it waits for A's next shift and is paid out of that
    drawer (it was recorded in no shift)."""
    ada = users.actor_for(chain.server.db, "ada", "setup")
    products.create_product(
        chain.server.db, ada, sku="TVRHS", name="TV", serial_mode="required", price=PRICE
    )
    assert chain.post({"op": "receive", "store": "S1", "sku": "TVRHS", "serial": "RHS-T01"})[0][
        "ok"
    ]
    a, b = chain.terminal("till-rhs-a"), chain.terminal("till-rhs-b")
    for till in (a, b):
        till.cli("--user", "mia", "shift", "open", "--float", "100")
    db, mia = till_db(a, opened)
    made = add_item(db, mia, None, sku="TVRHS", serial="RHS-T01", start=NewOrder("S1"))
    fulfil(db, mia, made.order.order, payments=[("cash", PRICE)])
    sell = {"op": "sell", "store": "S1", "sku": "TVRHS", "serial": "RHS-T01", "payment": "cash"}
    assert b.apply(sell)[0]["ok"]
    assert b.sync()["accepted"] == 1
    assert a.sync()["conflicts"] == 1
    number = int(chain.scalar("SELECT max(id) FROM sync_conflict"))
    a.cli("--user", "mia", "shift", "close", "--counted", str(PRICE + 100))
    refused = a.cli(
        "--user", "mia", "conflicts", "resolve", str(number), "--by", "refund", check=False
    )
    assert refused.returncode != 0
    said = " ".join(refused.stderr.split())
    assert "sells only in an open shift" in said and "serialpos shift open" in said, said
    assert chain.scalar("SELECT status FROM sync_conflict WHERE id = :n", n=number) == "open"
    # Resolved at central meanwhile: A cannot refuse at its sync, so the refund waits for
    # A's next shift and is paid out of that drawer, never recorded in no shift.
    chain.central("conflicts", "resolve", str(number), "--by", "refund", user="ada")
    assert a.sync()["recorded_sales"] == 0
    order = made.order.order
    assert a.query(STATUS, n=order) == [("fulfilled",)]
    a.cli("--user", "mia", "shift", "open", "--float", str(PRICE + 100))
    assert a.sync()["recorded_sales"] == 1
    assert a.query(STATUS, n=order) == [("voided",)]
    x = json.loads(a.cli("--user", "mia", "shift", "x", "--json").stdout)
    assert Decimal(x["expected_cash"]) == Decimal(100), x  # the refund left this drawer
    a.check_clean()
    chain.check_clean()
