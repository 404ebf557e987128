"""A customer returns at till B a unit sold at till A of the same store (issue 16).

Till B holds a copy of A's sale once it has pulled it (terminal/order_copies.py): the
return is taken there as one of its own, online or offline, with B's refund note, and
journaled by the order's number, so central marks its line returned and keeps the note.
Without the copy the return is refused, ``not_on_terminal``, saying what to do. The same
unit returned at both tills offline: central takes the first, the second is one conflict,
and both tills end as central has it, with one refund counted."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from terminal_chain import Chain, Terminal, opened, till_db
from test_console_terminal import _console
from textual.widgets import Input
from tui_helpers import async_test, log_in, settle

from serialpos.db.engine import Database
from serialpos.services import products, returns, users
from serialpos.services.document_numbers import terminal_tag
from serialpos.tui.screens.returns import ReturnsScreen
from serialpos.tui.widgets.message_line import MessageLine

__all__ = ["opened"]

LINE = (
    "SELECT l.status FROM order_line l JOIN sale_order o ON o.id = l.order_id "
    "WHERE o.number = :order AND l.number = 1"
)
REFUNDS = (
    "SELECT count(*) FROM invoice i JOIN sale_order o ON o.id = i.order_id "
    "WHERE o.number = :order AND i.kind = 'Refund'"
)
REFUND_PAID = (
    "SELECT coalesce(sum(p.amount), 0) FROM order_payment p "
    "JOIN sale_order o ON o.id = p.order_id WHERE o.number = :order AND p.kind = 'refund'"
)


def _phone(chain: Chain) -> None:
    """PHP, a phone at 250.00, in central's catalogue (made once per module's chain)."""
    db = chain.server.db
    if not [p for p in products.search_products(db, "PHP") if p.sku == "PHP"]:
        ada = users.actor_for(db, "ada", "setup")
        products.create_product(
            db, ada, sku="PHP", name="Phone", serial_mode="required", price=Decimal("250.00")
        )


def _sold_at_a(chain: Chain, serial: str, a: str, b: str) -> tuple[Terminal, Terminal, Any]:
    """Tills ``a`` and ``b`` of S1 holding ``serial`` of PHP (a phone at 250.00), sold at
    till ``a`` and synced: its sale verdict."""
    _phone(chain)
    assert chain.post({"op": "receive", "store": "S1", "sku": "PHP", "serial": serial})[0]["ok"]
    till_a, till_b = chain.terminal(a), chain.terminal(b)  # set up holding the unit
    [sold] = till_a.apply({"op": "sell", "store": "S1", "sku": "PHP", "serial": serial})
    assert sold["ok"] and till_a.sync()["accepted"] == 1
    return till_a, till_b, sold


def _central(chain: Chain, sql: str, order: str) -> Any:
    return chain.scalar(sql.replace(":order", f"'{order}'"))


def _returned_at_central(chain: Chain, order: str, refund: str) -> None:
    assert _central(chain, LINE, order) == "returned"
    assert _central(chain, REFUNDS, order) == 1
    assert chain.scalar("SELECT count(*) FROM invoice WHERE number = :n", n=refund) == 1


def test_a_return_at_another_till_offline_reaches_central(chain: Chain) -> None:
    a, b, sold = _sold_at_a(chain, "OT-1", "ot-a", "ot-b")
    order = sold["order"]
    pulled = b.sync()  # online: B copies A's sale with the pull
    assert b.query(LINE, order=order) == [("fulfilled",)]
    assert pulled["mirror"]["order_copies"] == 1

    # Offline (B does not sync): the customer brings OT-1 back to till B.
    [back] = b.apply({"op": "order_return", "order": order, "serials": ["OT-1"]})
    assert back["ok"], back
    assert back["order"] == order  # the order keeps A's number
    assert back["refund_invoice"].startswith(f"RF-S1-{terminal_tag('ot-b', 'S1')}-")  # B's
    assert b.unit_state("OT-1") == "in_stock" and b.query(LINE, order=order) == [("returned",)]
    assert b.status()["pending"] == 1
    [entry] = b.query("SELECT line FROM journal_entry WHERE line LIKE '%order_return%'")
    line = json.loads(entry[0])
    assert (line["order"], line["numbers"]["refund"]) == (order, back["refund_invoice"])

    # B's sales report: its refund note, not A's sale (A's report counts that).
    sales = json.loads(b.cli("--user", "mia", "report", "sales", "--json").stdout)
    assert [r["invoice"] for r in sales] == [back["refund_invoice"]]

    report = b.sync()
    assert (report["accepted"], report["conflicts"]) == (1, 0)
    _returned_at_central(chain, order, back["refund_invoice"])
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'OT-1'") == "in_stock"
    a.sync()  # A's own copy of its sale learns the return
    assert a.unit_state("OT-1") == "in_stock" and a.query(LINE, order=order) == [("returned",)]
    for db in (a, b, chain):
        db.check_clean()


@async_test
async def test_the_console_takes_the_return_offline_and_central_gets_it_online(
    chain: Chain, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Till B's Returns screen, offline, finds A's sale by its order number in B's copy and
    refunds it (80x24); once B is online again the return reaches central."""
    a, b, sold = _sold_at_a(chain, "OC-1", "oc-a", "oc-b")
    pulled = b.sync()
    assert b.query(LINE, order=sold["order"]) == [("fulfilled",)]  # B's copy of A's sale
    assert pulled["mirror"]["order_copies"] == 1
    online_config = b.config.read_text()
    app = _console(b, monkeypatch, server="http://127.0.0.1:9")  # nothing answers there
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "mia", "1234")
        await pilot.press("4")  # Returns
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReturnsScreen)
        field = screen.query_one("#find", Input)
        field.focus()
        field.value = sold["order"]
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("space", "ctrl+y")  # choose the line; refund (cash, the default)
        await settle(pilot)
        await pilot.press("y")  # the refund's confirmation
        await settle(pilot)
        said = screen.query_one(MessageLine).text
        assert f"refund RF-S1-{terminal_tag('oc-b', 'S1')}-" in said, said
    assert b.unit_state("OC-1") == "in_stock" and b.status()["pending"] == 1
    [entry] = b.query("SELECT line FROM journal_entry WHERE line LIKE '%order_return%'")
    line = json.loads(entry[0])
    assert (line["order"], line["line_numbers"]) == (sold["order"], [1])
    refund = line["numbers"]["refund"]

    b.config.write_text(online_config)  # the link is back
    assert b.sync()["accepted"] == 1
    _returned_at_central(chain, sold["order"], refund)
    assert _central(chain, REFUND_PAID, sold["order"]) == Decimal("-250.00")  # paid once
    for db in (a, b, chain):
        db.check_clean()


def test_one_unit_returned_at_two_tills_offline_is_one_conflict(chain: Chain) -> None:
    a, b, sold = _sold_at_a(chain, "DR-1", "dr-a", "dr-b")
    order = sold["order"]
    b.sync()
    # Both offline: the unit comes back at A (its own sale) and at B (its copy).
    [at_a] = a.apply({"op": "order_return", "order": order, "serials": ["DR-1"]})
    [at_b] = b.apply({"op": "order_return", "order": order, "serials": ["DR-1"]})
    assert at_a["ok"] and at_b["ok"], (at_a, at_b)

    assert a.sync()["accepted"] == 1
    second = b.sync()
    assert (second["accepted"], second["conflicts"]) == (0, 1)
    rows = chain.scalar("SELECT count(*) FROM sync_conflict WHERE serial = 'DR-1'")
    assert rows == 1
    [conflict] = [
        c
        for c in json.loads(chain.central("conflicts", "list", "--json").stdout)
        if c["serial"] == "DR-1"
    ]
    assert (conflict["terminal"], conflict["sku"]) == ("dr-b", "PHP")
    assert conflict["entry"]["line"]["op"] == "order_return"
    # Central took A's return only: one refund note, one refund paid, B's note not there.
    _returned_at_central(chain, order, at_a["refund_invoice"])
    none = chain.scalar("SELECT count(*) FROM invoice WHERE number = :n", n=at_b["refund_invoice"])
    assert none == 0
    assert _central(chain, REFUND_PAID, order) == -Decimal(at_a["amount"]) == Decimal("-250.00")

    for till in (a, b, a, b):
        till.sync()
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'DR-1'") == "in_stock"
    for till in (a, b):
        assert till.unit_state("DR-1") == "in_stock"
        assert till.query(LINE, order=order) == [("returned",)]
        assert till.status()["pending"] == 0
    # B's refund note is left out of its sales report, as central never took it.
    sales = b.cli("--user", "mia", "report", "sales", "--json")
    assert at_b["refund_invoice"] not in sales.stdout and at_b["refund_invoice"] in sales.stderr
    for db in (a, b, chain):
        db.check_clean()


def test_no_copy_is_refused_saying_what_to_do_and_a_synced_till_returns_online(
    chain: Chain, opened: list[Database]
) -> None:
    _a, b, sold = _sold_at_a(chain, "NC-1", "nc-a", "nc-b")  # B has not pulled the sale
    [refused] = b.apply(
        {"op": "order_return", "order": sold["order"], "serials": ["NC-1"]}, check=False
    )
    assert refused["error"] == "not_on_terminal"
    assert "no copy" in refused["message"] and "sync" in refused["message"]
    assert "at central" in refused["message"]
    [other] = b.apply(
        {"op": "order_return", "order": "S2-000001", "serials": ["NC-1"]}, check=False
    )
    assert other["error"] == "not_on_terminal" and "another store" in other["message"]
    assert b.status()["pending"] == 0
    db, _actor = till_db(b, opened)
    with pytest.raises(returns.NotOnTerminal) as found:  # the Returns screen's words
        returns.find_sale(db, "NC-1")
    assert "sync" in found.value.message and "at central" in found.value.message
    # Other changes to another till's order stay refused, copy or not.
    b.sync()
    [void] = b.apply({"op": "order_void", "order": sold["order"]}, check=False)
    assert void["error"] == "not_on_terminal"
    # Synced, B holds the copy: the return online, pushed at once and accepted by central.
    line = {"op": "order_return", "order": sold["order"], "serials": ["NC-1"]}
    pushed = b.cli("--user", "mia", "apply", "--push", "-", stdin=json.dumps(line) + "\n")
    [back] = [json.loads(x) for x in pushed.stdout.splitlines()]
    assert back["ok"] and back["central"] == "accepted", back
    _returned_at_central(chain, sold["order"], back["refund_invoice"])


def test_a_sale_at_centrals_counter_is_returned_at_a_till(chain: Chain) -> None:
    _phone(chain)
    assert chain.post({"op": "receive", "store": "S1", "sku": "PHP", "serial": "CC-1"})[0]["ok"]
    till = chain.terminal("cc-b")
    [sold] = chain.post({"op": "sell", "store": "S1", "sku": "PHP", "serial": "CC-1"}, user="mia")
    assert sold["ok"]
    pulled = till.sync()
    [back] = till.apply({"op": "order_return", "order": sold["order"], "serials": ["CC-1"]})
    assert back["ok"] and back["order"] == sold["order"], back
    assert pulled["mirror"]["order_copies"] == 1
    assert till.sync()["accepted"] == 1
    _returned_at_central(chain, sold["order"], back["refund_invoice"])
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'CC-1'") == "in_stock"
    till.check_clean()
