"""Money a till moved on its order that central closed meanwhile, settled by ``refund``
(issue 16).

A deposit the till took offline on a layby central voided, or the till's void (its refund
paid out of its drawer) of a layby central fulfilled, is a conflict (``order_closed``:
tests/terminal/test_money_on_closed_order.py). Before, no resolution booked that money at
central: ``accept`` left the till's voided copy holding the deposit (its ``db check`` said
``voided_order_holds_money``), or its copy voided while central's was fulfilled, for good.
Now ``refund`` books at central the money the till's drawer moved (the deposit taken and
refunded; the till's refund of the deposit on the fulfilled order), and the till takes
central's rows of the order at its next sync: both ends hold the same order and payments,
and ``db check`` is clean on both. Real ``serialpos serve`` on PostgreSQL, the till its
own process.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from terminal_chain import Chain, Terminal, till_db
from test_money_on_closed_order import _conflict_of, _layby
from test_refund_not_taken import PAYMENTS, STATUS, _central, _money

from serialpos.db.engine import Database
from serialpos.services.order_void import void_order

LINES = (
    "SELECT l.number, l.serial, l.status FROM order_line l "
    "JOIN sale_order o ON o.id = l.order_id WHERE o.number = :n ORDER BY l.number"
)


def _same_order(chain: Chain, till: Terminal, order: str) -> list[tuple[str, str, Decimal]]:
    """Central's and the till's rows of ``order`` are the same (status, lines, payments as
    a multiset: the till keeps its own rows' order); central's payments."""
    assert till.query(STATUS, n=order) == _central(chain, STATUS, n=order)
    assert till.query(LINES, n=order) == _central(chain, LINES, n=order)
    theirs = _money(_central(chain, PAYMENTS, n=order))
    assert sorted(_money(till.query(PAYMENTS, n=order))) == sorted(theirs)
    return theirs


def _offered(chain: Chain, conflict: dict[str, Any]) -> list[str]:
    shown = chain.central("conflicts", "show", str(conflict["id"]), "--json", user="ada")
    return list(json.loads(shown.stdout)["resolutions"])


def test_a_deposit_on_an_order_central_voided_is_refunded_by_a_resolution(
    chain: Chain,
) -> None:
    """The till took 300 in cash offline on its layby (200 paid before); central voided it
    (refunding the 200). ``refund`` books the 300 at central as taken and refunded, and
    the till's copy takes central's rows: voided, holding nothing, at both ends."""
    till, order, _total = _layby(chain, "CS1")
    till.cli("--user", "mia", "shift", "open", "--float", "100")
    [deposit] = till.apply(
        {"op": "order_pay", "order": order, "payments": [{"method": "cash", "amount": "300"}]}
    )
    assert deposit["ok"], deposit
    [voided] = chain.post({"op": "order_void", "order": order})
    assert voided["ok"], voided
    assert till.sync(check=False)["conflicts"] == 1
    conflict = _conflict_of(chain, order)
    # Listed and shown with the resolution that books it, and saying what accept leaves.
    assert conflict["resolutions"] == ["accept", "refund"], conflict
    assert _offered(chain, conflict) == ["accept", "refund"]
    shown = chain.central("conflicts", "show", str(conflict["id"]), user="ada").stdout
    assert "money: the till took 300 by cash" in " ".join(shown.split()), shown
    chain.central("conflicts", "resolve", str(conflict["id"]), "--by", "refund", user="ada")
    assert till.sync()["recorded_sales"] == 1
    paid = _same_order(chain, till, order)
    assert till.query(STATUS, n=order) == [("voided",)]
    assert sorted(paid) == sorted(
        [
            ("payment", "cash", Decimal("200.00")),
            ("refund", "cash", Decimal("-200.00")),
            ("payment", "cash", Decimal("300.00")),
            ("refund", "cash", Decimal("-300.00")),
        ]
    )
    # The 300 came into this shift's drawer and went back out of it (the first deposit was
    # taken before the shift opened, and refunded at central): the float alone.
    x = json.loads(till.cli("--user", "mia", "shift", "x", "--json").stdout)
    assert Decimal(x["expected_cash"]) == Decimal(100), x
    till.check_clean()
    chain.check_clean()


def refunded_void(chain: Chain, prefix: str) -> tuple[Any, str, str]:
    """A till's layby (``prefix``'s unit, 200 paid at the till) voided there offline while
    central fulfilled it (the rest by card), the conflict resolved by ``refund`` and taken by
    the till's sync: the till, the order and its total."""
    till, order, total = _layby(chain, prefix)
    due = f"{Decimal(total) - Decimal('200'):.2f}"
    [done] = chain.post(
        {"op": "order_fulfil", "order": order, "payments": [{"method": "card", "amount": due}]}
    )
    assert done["ok"], done
    [void] = till.apply({"op": "order_void", "order": order})
    assert void["ok"], void
    assert till.sync(check=False)["conflicts"] == 1
    conflict = _conflict_of(chain, order)
    assert conflict["resolutions"] == ["accept", "refund"], conflict
    chain.central("conflicts", "resolve", str(conflict["id"]), "--by", "refund", user="ada")
    assert till.sync()["recorded_sales"] == 1
    return till, order, total


def test_a_void_at_the_till_of_an_order_central_fulfilled_is_booked_by_refund(
    chain: Chain,
) -> None:
    """The till voided its layby offline, paying the 200 deposit back out of its drawer;
    central fulfilled it meanwhile (700 by card). ``refund`` books the till's 200 refund at
    central (the order stays fulfilled, 200 owed), and the till's copy takes central's
    rows: fulfilled, the unit sold, the same payments at both ends."""
    till, order, total = refunded_void(chain, "CS2")
    due = f"{Decimal(total) - Decimal('200'):.2f}"
    paid = _same_order(chain, till, order)
    assert till.query(STATUS, n=order) == [("fulfilled",)]
    assert sorted(paid) == sorted(
        [
            ("payment", "cash", Decimal("200.00")),
            ("payment", "card", Decimal(due)),
            ("refund", "cash", Decimal("-200.00")),
        ]
    )
    assert till.unit_state("CS2-1") == "sold"
    till.check_clean()
    chain.check_clean()


def test_a_console_void_resolved_at_the_till_is_taken_at_once(
    chain: Chain, opened: list[Database]
) -> None:
    """The same void made at the till's counter (services/order_void.py journals the
    refunds its drawer paid) and resolved by ``refund`` at the till itself: the till takes
    central's rows of its order at once, no sync round needed."""
    till, order, total = _layby(chain, "CS3")
    due = f"{Decimal(total) - Decimal('200'):.2f}"
    [done] = chain.post(
        {"op": "order_fulfil", "order": order, "payments": [{"method": "cash", "amount": due}]}
    )
    assert done["ok"], done
    db, mia = till_db(till, opened)
    void_order(db, mia, order)
    [line] = [
        json.loads(x)
        for (x,) in till.query("SELECT line FROM journal_entry ORDER BY seq DESC LIMIT 1")
    ]
    assert line["refunds"] == [{"method": "cash", "amount": "200.00"}], line
    assert till.sync(check=False)["conflicts"] == 1
    conflict = _conflict_of(chain, order)
    shown = till.cli("--user", "mia", "conflicts", "show", str(conflict["id"])).stdout
    assert "refund books it at central" in " ".join(shown.split()), shown
    till.cli("--user", "mia", "conflicts", "resolve", str(conflict["id"]), "--by", "refund")
    paid = _same_order(chain, till, order)
    assert till.query(STATUS, n=order) == [("fulfilled",)]
    assert ("refund", "cash", Decimal("-200.00")) in paid
    assert till.sync()["recorded_sales"] == 0  # taken already, once
    till.check_clean()
    chain.check_clean()
