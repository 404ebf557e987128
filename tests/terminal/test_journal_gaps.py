"""Counter acts on a till that did not reach central, found by walks (issue 16).

A deposit taken on, or a parking of, an order central knows was kept on the till only:
after the sync central's order was open with nothing paid while the till's was parked with
the deposit (and a void refunded different money at the two ends). A counter order with a
line removed before its first (part) fulfilment reached central without the removed line,
so central numbered its later lines one lower and every later entry naming a line by its
number (a fulfilment, a return) named another line there, or none.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from terminal_chain import Chain, Terminal, till_db

from serialpos.db.engine import Database
from serialpos.services import products, returns, users
from serialpos.services.orders import (
    add_item,
    add_payment,
    fulfil,
    get_order,
    park,
    remove_line,
    resume,
    void,
)
from serialpos.services.orders.lines import NewOrder

_ORDER = (
    "SELECT o.status, (SELECT coalesce(sum(p.amount), 0) FROM order_payment p "
    "WHERE p.order_id = o.id) FROM sale_order o WHERE o.number = :n"
)
_LINES = (
    "SELECT l.number, l.sku, l.serial, l.status, l.quantity FROM order_line l "
    "JOIN sale_order o ON o.id = l.order_id WHERE o.number = :n ORDER BY l.number"
)


def _plain(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [
        tuple(Decimal(str(v)) if isinstance(v, float | Decimal) else v for v in row) for row in rows
    ]


def _central(chain: Chain, sql: str, order: str) -> list[tuple[Any, ...]]:
    with chain.server.db.engine.connect() as conn:
        return _plain([tuple(r) for r in conn.execute(sa.text(sql), {"n": order})])


def _same(chain: Chain, till: Terminal, order: str) -> None:
    """The order's status, money and lines (numbers, serials, states) alike at both ends."""
    assert _central(chain, _ORDER, order) == _plain(till.query(_ORDER, n=order))
    assert _central(chain, _LINES, order) == _plain(till.query(_LINES, n=order))


def _product(chain: Chain, sku: str, price: str, serial_mode: str = "disabled") -> None:
    ada = users.actor_for(chain.server.db, "ada", "setup")
    products.create_product(
        chain.server.db, ada, sku=sku, name=sku, price=Decimal(price), serial_mode=serial_mode
    )


def _known_order(chain: Chain, name: str) -> tuple[Terminal, str]:
    """A special order made by ``apply`` on a new till (central knows it from then on)."""
    _product(chain, f"DX{name}", "100.00")
    till = chain.terminal(name)
    [made] = till.apply(
        {
            "op": "order_create",
            "store": "S1",
            "type": "special_order",
            "lines": [{"sku": f"DX{name}"}],
        }
    )
    assert made["ok"], made
    return till, made["order"]


def test_a_deposit_and_parking_of_an_order_central_knows_reach_central(
    chain: Chain, opened: list[Database]
) -> None:
    till, order = _known_order(chain, "JG1")
    db, mia = till_db(till, opened)
    add_payment(db, mia, order, "cash", Decimal("30.00"))
    park(db, mia, order)
    report = till.sync()
    assert (report["accepted"], report["conflicts"], report["refused"]) == (3, 0, 0), report
    assert _central(chain, _ORDER, order) == [("parked", Decimal("30.00"))]
    _same(chain, till, order)
    # Resumed, paid the rest and handed over: the deposit counted once at central.
    resume(db, mia, order)
    fulfil(db, mia, order, settle_in="card")
    report = till.sync()
    assert (report["accepted"], report["conflicts"], report["refused"]) == (2, 0, 0), report
    assert _central(chain, _ORDER, order) == [("fulfilled", Decimal("100.00"))]
    _same(chain, till, order)
    till.check_clean()
    chain.check_clean()


def test_a_voided_order_with_a_deposit_refunds_the_same_at_both_ends(
    chain: Chain, opened: list[Database]
) -> None:
    till, order = _known_order(chain, "JG2")
    db, mia = till_db(till, opened)
    add_payment(db, mia, order, "cash", Decimal("40.00"))
    void(db, mia, order)
    report = till.sync()
    assert (report["accepted"], report["conflicts"], report["refused"]) == (3, 0, 0), report
    assert _central(chain, _ORDER, order) == [("voided", Decimal("0.00"))]
    refunds = "SELECT count(*) FROM order_payment p JOIN sale_order o ON o.id = p.order_id "
    refunds += "WHERE o.number = :n AND p.amount < 0"
    assert _central(chain, refunds, order) == _plain(till.query(refunds, n=order)) == [(1,)]
    _same(chain, till, order)
    till.check_clean()
    chain.check_clean()


def test_a_line_removed_before_a_part_fulfilment_keeps_the_numbers_at_central(
    chain: Chain, opened: list[Database]
) -> None:
    """Lines 1 and 3 left after line 2 was removed; line 3 fulfilled first, then line 1,
    then line 3 returned: each reaches central naming the same line as on the till."""
    _product(chain, "JGPH", "200.00", "required")
    _product(chain, "JGCAB", "10.00")
    for serial in ("JG3-1", "JG3-2"):
        assert chain.post({"op": "receive", "store": "S1", "sku": "JGPH", "serial": serial})[0][
            "ok"
        ]
    till = chain.terminal("JG3")
    db, mia = till_db(till, opened)
    first = add_item(
        db, mia, None, sku="JGPH", serial="JG3-1", start=NewOrder("S1", "special_order")
    )
    order = first.order.order
    cable = add_item(db, mia, order, sku="JGCAB")
    third = add_item(db, mia, order, sku="JGPH", serial="JG3-2")
    remove_line(db, mia, order, cable.line)
    fulfil(db, mia, order, lines=[third.line], settle_in="cash")
    report = till.sync()
    assert (report["accepted"], report["conflicts"], report["refused"]) == (1, 0, 0), report
    _same(chain, till, order)
    fulfil(db, mia, order, settle_in="cash")
    returns.return_units(db, mia, order, lines=[third.line])
    report = till.sync()
    assert (report["accepted"], report["conflicts"], report["refused"]) == (2, 0, 0), report
    _same(chain, till, order)
    states = "SELECT serial, state FROM serial_unit WHERE serial LIKE 'JG3-%' ORDER BY serial"
    with chain.server.db.engine.connect() as conn:
        central_units = [tuple(r) for r in conn.execute(sa.text(states))]
    assert central_units == till.query(states) == [("JG3-1", "sold"), ("JG3-2", "in_stock")]
    assert get_order(db, order).totals == get_order(chain.server.db, order).totals
    till.check_clean()
    chain.check_clean()


def test_a_return_at_another_till_of_a_line_fulfilled_later_uses_central_s_state(
    chain: Chain,
) -> None:
    """Till B copied A's special order at its first part fulfilment; A fulfilled the second
    line later. B's copy kept the line open and refused the customer's return of it
    (``not_returnable``); now the copy is brought forward when the pull names it."""
    _product(chain, "JGPX", "150.00", "required")
    for serial in ("JG4-1", "JG4-2"):
        assert chain.post({"op": "receive", "store": "S1", "sku": "JGPX", "serial": serial})[0][
            "ok"
        ]
    a, b = chain.terminal("JG4a"), chain.terminal("JG4b")
    [made] = a.apply(
        {
            "op": "order_create",
            "store": "S1",
            "type": "special_order",
            "lines": [{"sku": "JGPX", "serial": "JG4-1"}, {"sku": "JGPX", "serial": "JG4-2"}],
        }
    )
    assert made["ok"], made
    order, ids = made["order"], [x["line"] for x in made["lines"]]
    [first] = a.apply(
        {
            "op": "order_fulfil",
            "order": order,
            "lines": [ids[0]],
            "payments": [{"method": "cash", "amount": "150.00"}],
        }
    )
    assert first["ok"], first
    assert a.sync()["accepted"] == 2
    assert b.sync()["mirror"]["order_copies"] == 1
    assert [s for (s,) in b.query("SELECT status FROM order_line ORDER BY number")] == [
        "fulfilled",
        "open",
    ]
    [second] = a.apply(
        {"op": "order_fulfil", "order": order, "payments": [{"method": "card", "amount": "150"}]}
    )
    assert second["ok"] and second["status"] == "fulfilled", second
    assert a.sync()["accepted"] == 1
    b.sync()
    _same(chain, b, order)
    [back] = b.apply({"op": "order_return", "order": order, "serials": ["JG4-2"]})
    assert back["ok"], back
    report = b.sync()
    assert (report["accepted"], report["conflicts"], report["refused"]) == (1, 0, 0), report
    _same(chain, b, order)
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'JG4-2'") == "in_stock"
    assert b.unit_state("JG4-2") == "in_stock"
    a.sync()
    assert a.unit_state("JG4-2") == "in_stock"
    for each in (a, b, chain):
        each.check_clean()


def test_a_void_at_central_of_a_parked_layby_is_followed_by_the_till(chain: Chain) -> None:
    """A lay-by made, paid and parked at the till, then voided at central (which refunds
    and puts the unit back): after the sync the till's order is voided with central's
    refund too and its unit no longer names the line. It stayed parked and paid on the till
    for good (central refused resuming it) and ``db check`` failed there."""
    _product(chain, "JGVPH", "300.00", "required")
    _product(chain, "JGVCAB", "10.00")
    assert chain.post({"op": "receive", "store": "S1", "sku": "JGVPH", "serial": "JGV-1"})[0]["ok"]
    till = chain.terminal("JGV")
    [made] = till.apply(
        {
            "op": "order_create",
            "store": "S1",
            "type": "layby",
            "lines": [{"sku": "JGVPH", "serial": "JGV-1"}, {"sku": "JGVCAB"}],
        }
    )
    assert made["ok"], made
    order = made["order"]
    till.sync()
    paid, parked = till.apply(
        {"op": "order_pay", "order": order, "payments": [{"method": "cash", "amount": "200"}]},
        {"op": "order_park", "order": order, "parked": True},
    )
    assert paid["ok"] and parked["ok"], (paid, parked)
    report = till.sync()
    assert (report["accepted"], report["conflicts"], report["refused"]) == (2, 0, 0), report
    assert _central(chain, _ORDER, order) == [("parked", Decimal("200.00"))]
    [voided] = chain.post({"op": "order_void", "order": order})
    assert voided["ok"], voided
    till.sync()
    assert _central(chain, _ORDER, order) == [("voided", Decimal("0.00"))]
    _same(chain, till, order)
    money = (
        "SELECT p.kind, p.method, p.amount FROM order_payment p JOIN sale_order o "
        "ON o.id = p.order_id WHERE o.number = :n ORDER BY p.kind, p.amount"
    )
    assert _central(chain, money, order) == _plain(till.query(money, n=order))
    unit = "SELECT state, reserved_line_id FROM serial_unit WHERE serial = 'JGV-1'"
    assert _central(chain, unit, order) == till.query(unit) == [("in_stock", None)]
    till.check_clean()
    chain.check_clean()
