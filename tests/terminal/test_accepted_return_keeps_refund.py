"""A till's cash refund stays in its drawer when central accepts instead of recording the
return (issue 16, walk of session fourteen, D1).

Offline, till A sells phone P; till B sells P too with a cable, paid by card, then takes P
back for cash (``order_return`` of line 1, ``refund_method`` cash). A syncs first: B's sale
and its return are conflicts, the return following the sale. A manager records the sale
(``record_sale``: P's line left open and paid) and accepts the return (central's state
stands: no refund note, no refund). At B's next sync its copy of the order took central's
rows, and its cash refund row went with them: ``shift x`` lost its "Cash refunded" and the
expected cash rose by the refund, though the cash was paid out of B's drawer, and nothing
named the gap. The till now keeps a payment of its own refund note central did not take
(with its shift), and the X report lists that note apart as not taken, as it lists sales.
Real ``serialpos serve`` on PostgreSQL, the tills separate processes.
"""

from __future__ import annotations

import json
import subprocess
from decimal import Decimal

import sqlalchemy as sa
from terminal_chain import Chain, Terminal

from serialpos.services import products, users

PRICE, CABLE, FLOAT = Decimal("418.80"), Decimal("9.50"), Decimal("500")
PAYMENTS = (
    "SELECT p.kind, p.method, p.amount FROM order_payment p "
    "JOIN sale_order o ON o.id = p.order_id WHERE o.number = :n ORDER BY p.id"
)


def _resolve(chain: Chain, number: int, by: str) -> subprocess.CompletedProcess[str]:
    return chain.central("conflicts", "resolve", str(number), "--by", by, user="ada", check=False)


def _x(till: Terminal) -> dict[str, object]:
    x: dict[str, object] = json.loads(till.cli("--user", "mia", "shift", "x", "--json").stdout)
    return x


def _offline_return(chain: Chain, tag: str) -> tuple[Terminal, Terminal, str, str, int, int]:
    """A sells the phone; B sells it with a cable by card and refunds it in cash; A syncs
    first: (A, B, B's order, its refund note, the sale's conflict, the return's)."""
    ada = users.actor_for(chain.server.db, "ada", "setup")
    sku, serial = f"RKP{tag}", f"RK-{tag}"
    products.create_product(
        chain.server.db, ada, sku=sku, name="Phone RK", serial_mode="required", price=PRICE
    )
    assert chain.post({"op": "receive", "store": "S1", "sku": sku, "serial": serial})[0]["ok"]
    assert chain.post({"op": "receive", "store": "S1", "sku": "CAB", "quantity": 5})[0]["ok"]
    a, b = chain.terminal(f"rk-{tag}-a"), chain.terminal(f"rk-{tag}-b")
    b.cli("--user", "mia", "shift", "open", "--float", str(FLOAT))
    assert a.apply({"op": "sell", "store": "S1", "sku": sku, "serial": serial})[0]["ok"]
    [sold] = b.apply(
        {
            "op": "order_create",
            "store": "S1",
            "lines": [{"sku": sku, "serial": serial}, {"sku": "CAB"}],
            "fulfil": True,
            "payments": [{"method": "card", "amount": str(PRICE + CABLE)}],
        }
    )
    assert sold["ok"], sold
    order = sold["order"]
    [back] = b.apply(
        {"op": "order_return", "order": order, "line_numbers": [1], "refund_method": "cash"}
    )
    assert back["ok"] and Decimal(back["amount"]) == PRICE, back
    note = back["refund_invoice"]
    before = _x(b)
    assert Decimal(str(before["expected_cash"])) == FLOAT - PRICE
    assert a.sync()["accepted"] == 1
    assert b.sync()["conflicts"] == 2
    sale, ret = (
        int(r[0])
        for r in chain.server.db.read(
            lambda conn: conn.execute(
                sa.text("SELECT id FROM sync_conflict WHERE terminal = :t ORDER BY id"),
                {"t": b.name},
            ).all()
        )
    )
    return a, b, order, note, sale, ret


def test_an_accepted_return_keeps_the_tills_cash_refund(chain: Chain) -> None:
    a, b, order, note, sale, ret = _offline_return(chain, "1")
    assert _resolve(chain, sale, "record_sale").returncode == 0
    # What the return moved, said before and after the manager's choice.
    money = {"refund_note": note, "method": "cash", "amount": str(PRICE)}
    shown = json.loads(chain.central("conflicts", "show", str(ret), "--json", user="ada").stdout)
    assert shown["return_money"] == money
    said = chain.central("conflicts", "show", str(ret), user="ada").stdout
    assert f"money: the till refunded {PRICE} by cash on {note}, out of its drawer" in said
    # The till's copy of the same conflict says the same (it lacked ``return_money``).
    on_till = json.loads(b.cli("conflicts", "show", str(ret), "--json").stdout)
    assert on_till["return_money"] == money, on_till
    till_said = b.cli("conflicts", "show", str(ret)).stdout
    assert f"money: the till refunded {PRICE} by cash on {note}, out of its drawer" in till_said
    assert _resolve(chain, ret, "accept").returncode == 0
    said = " ".join(chain.central("conflicts", "show", str(ret), user="ada").stdout.split())
    assert "not at central (accept): in the till's books only" in said, said
    b.sync()
    b.sync()
    # The cash left B's drawer: the refund stays in its shift, named as not taken.
    after = _x(b)
    assert Decimal(str(after["expected_cash"])) == FLOAT - PRICE, after
    assert after["not_taken"] == [{"invoice": note, "amount": str(-PRICE)}], after
    paid = [(k, m, Decimal(str(v))) for k, m, v in b.query(PAYMENTS, n=order)]
    assert paid == [("payment", "card", PRICE + CABLE), ("refund", "cash", -PRICE)]
    shown = b.cli("--user", "mia", "shift", "x")
    assert note in shown.stdout, shown.stdout
    # Named as what it is: a refund note, money paid out (it read "1 sale").
    words = f"1 refund note central did not take is in the drawer figures, listed apart ({note})"
    assert words in shown.stderr, shown.stderr
    b.check_clean()
    a.check_clean()
    chain.check_clean()


def test_a_return_recorded_after_the_till_took_its_sale_keeps_the_shift(chain: Chain) -> None:
    """B syncs between the two resolutions: it takes the recorded sale while the return is
    still open (its refund row was dropped then), and then the return recorded by
    ``record_sale`` (its refund row came back without a shift): the drawer lost the refund
    for good. The row now stays, and central's refund matches it, in B's shift."""
    a, b, order, _note, sale, ret = _offline_return(chain, "2")
    assert _resolve(chain, sale, "record_sale").returncode == 0
    b.sync()
    assert Decimal(str(_x(b)["expected_cash"])) == FLOAT - PRICE
    done = _resolve(chain, ret, "record_sale")
    assert done.returncode == 0, done.stdout + done.stderr
    b.sync()
    b.sync()
    after = _x(b)
    assert Decimal(str(after["expected_cash"])) == FLOAT - PRICE, after
    assert after["not_taken"] == [], after
    paid = [(k, m, Decimal(str(v))) for k, m, v in b.query(PAYMENTS, n=order)]
    assert paid == [("payment", "card", PRICE + CABLE), ("refund", "cash", -PRICE)]
    b.check_clean()
    a.check_clean()
    chain.check_clean()
