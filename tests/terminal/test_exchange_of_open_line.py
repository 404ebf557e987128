"""An exchange of the very line central left open (issue 16, walk of session thirteen).

Offline, till A sells XO-010 and a cable on one order; till B sells XO-010 too and syncs
first. Still offline, A's customer brings XO-010 back and leaves with XO-006 (a dearer
model, the difference paid in cash). A's sync: the sale is a conflict, the exchange's return
follows it, the exchange's new sale follows the return. Once the sale was recorded by
``record_sale`` (XO-010's line left open and paid: central's unit is B's customer's), the
return was refused "was not sold on order" and the new sale "no refund note": the exchange
could not be recorded at all. ``accept`` on them left XO-006 sold on A's till and in stock
at central and on B (a phantom unit, sellable twice) and the credit nowhere.

The return of the open line now takes the line back without a unit (it was paid, never
handed over at central: its money becomes the exchange's credit) and the new sale is
recorded with that credit; XO-006 is sold at central and on both tills, and every side's
``db check`` is clean. Real ``serialpos serve`` on PostgreSQL, the tills separate processes.
"""

from __future__ import annotations

import json
import subprocess
from decimal import Decimal
from typing import Any

import pytest
from terminal_chain import Chain, Terminal, till_db

from serialpos.db.engine import Database
from serialpos.services import exchanges, products, returns, users
from serialpos.services.orders import NewOrder, add_item, fulfil

OLD, NEW = Decimal("418.80"), Decimal("460.00")
CABLE = Decimal("9.50")
STATES = "SELECT serial, state FROM serial_unit WHERE serial IN (:old, :new)"
STATUS = "SELECT number, status FROM sale_order WHERE number IN (:a, :b) ORDER BY number"
NOTES = (
    "SELECT i.number, i.refers_to, i.total FROM invoice i JOIN sale_order o ON o.id = i.order_id "
    "WHERE o.number = :a AND i.kind = 'Refund'"
)
CABLES = (
    "SELECT coalesce(sum(k.quantity), 0) FROM stock_level k JOIN store s ON s.id = k.store_id "
    "JOIN product p ON p.id = k.product_id WHERE s.code = 'S1' AND p.sku = 'CAB'"
)
PAID = (
    "SELECT o.number, p.kind, p.method, p.amount FROM order_payment p "
    "JOIN sale_order o ON o.id = p.order_id WHERE o.number IN (:a, :b) ORDER BY o.number, p.id"
)
LINES = (
    "SELECT o.number, l.number, l.serial, l.status FROM order_line l "
    "JOIN sale_order o ON o.id = l.order_id WHERE o.number IN (:a, :b) "
    "ORDER BY o.number, l.number"
)


@pytest.fixture(scope="module")
def models(chain: Chain) -> tuple[str, str]:
    ada = users.actor_for(chain.server.db, "ada", "setup")
    products.create_product(
        chain.server.db, ada, sku="XOA", name="Phone XO", serial_mode="required", price=OLD
    )
    products.create_product(
        chain.server.db, ada, sku="XOB", name="Phone XO Pro", serial_mode="required", price=NEW
    )
    return "XOA", "XOB"


def _states(side: Terminal | Chain, tag: str = "XO") -> dict[str, str]:
    """The two units' states on a till or at central."""
    named = {"old": f"{tag}-010", "new": f"{tag}-006"}
    rows = (
        side.query(STATES, **named)
        if isinstance(side, Terminal)
        else _central(side, STATES, **named)
    )
    return {str(r[0]): str(r[1]) for r in rows}


def _central(chain: Chain, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    import sqlalchemy as sa

    with chain.server.db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(sql), params)]


def _resolve(chain: Chain, number: int, by: str) -> subprocess.CompletedProcess[str]:
    return chain.central("conflicts", "resolve", str(number), "--by", by, user="ada", check=False)


def _money(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [(*r[:-1], Decimal(str(r[-1])).quantize(Decimal("0.01"))) for r in rows]


def _offline_exchange(
    chain: Chain, models: tuple[str, str], opened: list[Database], tag: str, float_: int = 0
) -> tuple[Terminal, Terminal, str, str, list[int]]:
    """The walk's two tills: (A, B, A's sale, A's exchange sale, A's three conflicts); A
    sells in a shift opened with ``float_`` when given."""
    old, new = models
    serial_old, serial_new = (f"{tag}-010", f"{tag}-006")
    for sku, serial in ((old, serial_old), (new, serial_new)):
        assert chain.post({"op": "receive", "store": "S1", "sku": sku, "serial": serial})[0]["ok"]
    assert chain.post({"op": "receive", "store": "S1", "sku": "CAB", "quantity": 5})[0]["ok"]
    a, b = chain.terminal(f"{tag.lower()}-a"), chain.terminal(f"{tag.lower()}-b")
    if float_:
        a.cli("--user", "mia", "shift", "open", "--float", str(float_))
    db, mia = till_db(a, opened)
    first = add_item(db, mia, None, sku=old, serial=serial_old, start=NewOrder("S1"))
    order = first.order.order
    add_item(db, mia, order, sku="CAB")
    fulfil(db, mia, order, payments=[("cash", OLD + CABLE)])
    [sold] = b.apply({"op": "sell", "store": "S1", "sku": old, "serial": serial_old})
    assert sold["ok"], sold
    # A's customer comes back: XO-010 for XO-006, the difference in cash.
    ex = exchanges.start_exchange(db, mia, order, lines=[first.line])
    assert ex.credit == OLD
    add_item(db, mia, ex.sale.order, sku=new, serial=serial_new)
    fulfil(db, mia, ex.sale.order, payments=[("cash", NEW - OLD)])
    assert b.sync()["accepted"] == 1
    report = a.sync()
    assert (report["conflicts"], report["accepted"]) == (3, 0), report
    numbers = [
        int(r[0])
        for r in _central(
            chain, "SELECT id FROM sync_conflict WHERE terminal = :t ORDER BY id", t=a.name
        )
    ]
    return a, b, order, ex.sale.order, numbers


def test_an_exchange_of_the_open_line_is_recorded_with_its_credit(
    chain: Chain, models: tuple[str, str], opened: list[Database]
) -> None:
    a, b, order, exchange, (sale, back, again) = _offline_exchange(chain, models, opened, "XO")
    wrong = _resolve(chain, back, "return")
    assert wrong.returncode == 1
    assert f"conflict {back} follows conflict {sale} and moves no unit" in wrong.stderr
    for number in (sale, back, again):
        done = _resolve(chain, number, "record_sale")
        assert done.returncode == 0, done.stdout + done.stderr
    # B's customer keeps XO-010; A's customer has XO-006, sold at central.
    assert _states(chain) == {"XO-010": "sold", "XO-006": "sold"}
    assert chain.scalar(CABLES) == 4
    # A's sale: the open line taken back for its money (no unit), the cable sold; the
    # exchange's sale carries that money as credit, the difference paid in cash.
    lines = [(order, 1, None, "returned"), (order, 2, None, "fulfilled")]
    lines.append((exchange, 1, "XO-006", "fulfilled"))
    assert _central(chain, LINES, a=order, b=exchange) == lines
    paid = [
        (order, "payment", "cash", OLD + CABLE),
        (order, "refund", "exchange", -OLD),
        (exchange, "payment", "exchange", OLD),
        (exchange, "payment", "cash", NEW - OLD),
    ]
    assert _money(_central(chain, PAID, a=order, b=exchange)) == paid
    assert _central(chain, STATUS, a=order, b=exchange) == [
        (order, "fulfilled"),
        (exchange, "fulfilled"),
    ]
    [(note, refers, total)] = _central(chain, NOTES, a=order)
    # The note lists no line: XO-010's was never invoiced (its money a deposit, given back
    # as the credit's payment), so the sales reports count no refund against the invoice.
    assert note.startswith("RF-") and refers.startswith("INV-") and Decimal(total) == 0
    # Each till syncs: its units, cables, lines and money are central's, its books clean.
    for till in (a, b):
        till.sync()
        assert _states(till) == _states(chain), till.name
        assert till.query(CABLES) == [(4,)], till.name
        assert till.query(LINES, a=order, b=exchange) == lines, till.name
        assert _money(till.query(PAID, a=order, b=exchange)) == paid, till.name
        till.check_clean()
    chain.check_clean()


@pytest.mark.parametrize("first", ["record_sale", "accept"])
def test_an_exchange_accepted_leaves_no_phantom_unit(
    chain: Chain, models: tuple[str, str], opened: list[Database], first: str
) -> None:
    """``accept`` of the exchange (its sale recorded or accepted first): central's state
    stands, so the till takes it; XO-006 was sold here and in stock at central and on B."""
    tag = "XR" if first == "record_sale" else "XA"
    a, b, order, exchange, (sale, back, again) = _offline_exchange(chain, models, opened, tag)
    # Out of turn, record_sale says which conflict comes first, and resolves nothing.
    early = _resolve(chain, again, "record_sale")
    assert early.returncode == 1
    assert f"conflict {again} follows conflict {back}, still open: resolve {back}" in early.stderr
    chain.central("conflicts", "resolve", str(sale), "--by", first, user="ada")
    if first == "accept":  # the sale was never recorded: neither can its exchange be
        late = _resolve(chain, back, "record_sale")
        assert late.returncode == 1
        said = f"conflict {back} follows conflict {sale}, resolved by accept"
        assert said in late.stderr, late.stderr
    for number in (back, again):
        chain.central("conflicts", "resolve", str(number), "--by", "accept", user="ada")
    central = _states(chain, tag)
    assert chain.scalar("SELECT count(*) FROM sale_order WHERE number = :n", n=exchange) == 0
    assert central == {f"{tag}-010": "sold", f"{tag}-006": "in_stock"}
    cables = chain.scalar(CABLES)
    for till in (a, b):
        till.sync()
        till.sync()
        assert _states(till, tag) == central, till.name
        assert till.query(CABLES) == [(cables,)], till.name
        till.check_clean()
    if first == "record_sale":  # the open line stays paid at central, and so on the till
        status = _central(chain, STATUS, a=order, b=order)
        assert a.query(STATUS, a=order, b=order) == status == [(order, "open")]
    chain.check_clean()


def test_a_refund_of_the_open_line_is_recorded_paid_out(
    chain: Chain, models: tuple[str, str], opened: list[Database]
) -> None:
    """The same with a plain return (the customer refunded in cash, no exchange): recorded
    by ``record_sale``, the open line is taken back for its money and the refund paid out,
    so the order holds what the cable cost, at central and on the till."""
    old, _new = models
    assert chain.post({"op": "receive", "store": "S1", "sku": old, "serial": "XP-010"})[0]["ok"]
    assert chain.post({"op": "receive", "store": "S1", "sku": "CAB", "quantity": 5})[0]["ok"]
    a, b = chain.terminal("xp-a"), chain.terminal("xp-b")
    db, mia = till_db(a, opened)
    first = add_item(db, mia, None, sku=old, serial="XP-010", start=NewOrder("S1"))
    order = first.order.order
    add_item(db, mia, order, sku="CAB")
    fulfil(db, mia, order, payments=[("cash", OLD + CABLE)])
    assert b.apply({"op": "sell", "store": "S1", "sku": old, "serial": "XP-010"})[0]["ok"]
    returns.return_units(db, mia, order, lines=[first.line], refund_method="cash")
    assert b.sync()["accepted"] == 1
    assert a.sync()["conflicts"] == 2
    for number in _central(
        chain, "SELECT id FROM sync_conflict WHERE terminal = 'xp-a' ORDER BY id"
    ):
        done = _resolve(chain, int(number[0]), "record_sale")
        assert done.returncode == 0, done.stderr
    paid = [(order, "payment", "cash", OLD + CABLE), (order, "refund", "cash", -OLD)]
    assert _money(_central(chain, PAID, a=order, b=order)) == paid
    lines = [(order, 1, None, "returned"), (order, 2, None, "fulfilled")]
    assert _central(chain, LINES, a=order, b=order) == lines
    a.sync()
    assert _money(a.query(PAID, a=order, b=order)) == paid
    assert a.query(LINES, a=order, b=order) == lines
    assert (
        a.unit_state("XP-010")
        == chain.scalar("SELECT state FROM serial_unit WHERE serial = 'XP-010'")
        == "sold"
    )
    a.check_clean()
    chain.check_clean()


def test_the_difference_of_an_exchange_whose_return_was_accepted_is_refunded(
    chain: Chain, models: tuple[str, str], opened: list[Database]
) -> None:
    """The sale recorded, its exchange's return accepted (central's state stands: no credit
    at central), the exchange's new sale could only be accepted too: the 41.20 difference
    A took in cash stayed in A's drawer, in no book of central's, for good. ``refund`` now
    settles it as for any sale central cannot record: central records the new sale without
    its unit, paid by the difference, voids it and refunds it; A takes that at its sync,
    the refund out of its drawer, so A's drawer and central's books agree (the exchange's
    refund note, credit only, is still listed apart as not taken)."""
    float_ = 100
    a, _b, order, exchange, (sale, back, again) = _offline_exchange(
        chain, models, opened, "XD", float_
    )
    assert _resolve(chain, sale, "record_sale").returncode == 0
    # Out of turn, refund names what comes first; a recorded return would carry the credit.
    early = _resolve(chain, again, "refund")
    assert early.returncode == 1 and f"resolve {back} first" in early.stderr, early.stderr
    assert _resolve(chain, back, "accept").returncode == 0
    done = _resolve(chain, again, "refund")
    assert done.returncode == 0, done.stdout + done.stderr
    diff = NEW - OLD
    assert _money(_central(chain, PAID, a=exchange, b=exchange)) == [
        (exchange, "payment", "cash", diff),
        (exchange, "refund", "cash", -diff),
    ]
    a.sync()
    a.sync()
    assert _money(a.query(PAID, a=exchange, b=exchange))[-2:] == [
        (exchange, "payment", "cash", diff),
        (exchange, "refund", "cash", -diff),
    ]
    x = json.loads(a.cli("--user", "mia", "shift", "x", "--json").stdout)
    # The cash in A's drawer is what central holds of A's sales: the sale's, no difference.
    at_central = sum(
        (Decimal(str(r[-1])) for r in _central(chain, PAID, a=order, b=exchange)), Decimal(0)
    )
    assert at_central == OLD + CABLE
    assert Decimal(str(x["expected_cash"])) == float_ + at_central, x
    assert [n["invoice"].startswith("RF-") for n in x["not_taken"]] == [True], x
    assert _states(a, "XD") == _states(chain, "XD") == {"XD-010": "sold", "XD-006": "in_stock"}
    a.check_clean()
    chain.check_clean()
