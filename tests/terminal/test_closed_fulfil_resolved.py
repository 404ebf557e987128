"""A till's fulfilment of its layby central closed meanwhile, booked at central by a
manager's resolution (issue 16).

The customer collected the layby at the till while its link was down (the balance into the
till's drawer, the unit handed over); central meanwhile voided the layby (refunding the
deposit) or fulfilled it. The till's ``order_fulfil`` is a conflict ``order_closed``
(tests/terminal/test_fulfil_on_closed_order.py), and ``accept`` was its only resolution:
the balance the till took was in no book at central, and after central's void central held
in stock the unit the till's customer took away. Now:

* after central's void, ``record_sale`` books the till's sale at central: the unit sold
  (a ledger event, as the till's cashier), the till's invoice, tenders and change; the order
  fulfilled, owing the deposit central refunded;
* after central's fulfilment, ``refund`` books the till's tenders as taken and refunded
  (paid out of the till's drawer); central's sale and its unit stand.

The till then takes central's rows of its order: both ends hold the same status, lines,
payments by method and unit state, and ``db check`` is clean on both. Real ``serialpos
serve`` on PostgreSQL, the till its own process.
"""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal
from typing import Any

from terminal_chain import Chain, Terminal
from test_closed_order_settled import LINES
from test_money_on_closed_order import _conflict_of, _layby
from test_refund_not_taken import PAYMENTS, STATUS, _central, _money

#: The unit's sale events at central: who sold it, on which document.
SOLD = (
    "SELECT e.user_name, e.document_id, e.from_state FROM ledger_event e "
    "JOIN serial_unit u ON u.id = e.unit_id WHERE u.serial = :s AND e.action = 'sell' "
    "ORDER BY e.id"
)


def _by_method(rows: list[tuple[str, str, Decimal]]) -> dict[str, Decimal]:
    """Money held by method (payments less change and refunds), zeros left out."""
    out: dict[str, Decimal] = defaultdict(Decimal)
    for _kind, method, amount in rows:
        out[method] += amount
    return {m: a for m, a in out.items() if a}


def _both(chain: Chain, till: Terminal, order: str) -> list[tuple[str, str, Decimal]]:
    """Both ends hold the same status, lines and payments of ``order`` (a multiset: each end
    keeps its rows in the order it made them); central's payments."""
    assert till.query(STATUS, n=order) == _central(chain, STATUS, n=order)
    assert till.query(LINES, n=order) == _central(chain, LINES, n=order)
    theirs = _money(_central(chain, PAYMENTS, n=order))
    assert sorted(_money(till.query(PAYMENTS, n=order))) == sorted(theirs)
    assert _by_method(_money(till.query(PAYMENTS, n=order))) == _by_method(theirs)
    return theirs


def _resolve(chain: Chain, conflict: dict[str, Any], by: str) -> Any:
    return chain.central(
        "conflicts", "resolve", str(conflict["id"]), "--by", by, user="ada", check=False
    )


def _shown(chain: Chain, conflict: dict[str, Any]) -> str:
    done = chain.central("conflicts", "show", str(conflict["id"]), user="ada")
    return " ".join(done.stdout.split())


def _expected_cash(till: Terminal) -> Decimal:
    x = json.loads(till.cli("--user", "mia", "shift", "x", "--json").stdout)
    return Decimal(x["expected_cash"])


def test_a_fulfilment_after_central_voided_is_recorded_by_record_sale(chain: Chain) -> None:
    """Central voided the layby (its 200 deposit refunded there); the till then took the
    700 balance in cash and handed the unit over. ``record_sale`` sells the unit at central
    and books the till's 700: the order fulfilled at both ends, owing the 200."""
    till, order, total = _layby(chain, "CF1")
    till.cli("--user", "mia", "shift", "open", "--float", "100")
    [voided] = chain.post({"op": "order_void", "order": order})
    assert voided["ok"], voided
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'CF1-1'") == "in_stock"
    due = f"{Decimal(total) - Decimal('200'):.2f}"
    [here] = till.apply(
        {"op": "order_fulfil", "order": order, "payments": [{"method": "cash", "amount": due}]}
    )
    assert here["ok"], here
    assert till.sync(check=False)["conflicts"] == 1
    conflict = _conflict_of(chain, order)
    assert conflict["resolutions"] == ["accept", "record_sale"], conflict
    shown = _shown(chain, conflict)
    assert f"took {due} by cash" in shown and "record_sale books it at central" in shown, shown
    # refund is for an order central fulfilled: refused, saying what works.
    wrong = _resolve(chain, conflict, "refund")
    assert wrong.returncode != 0 and "resolve it by record_sale" in wrong.stderr, wrong.stderr
    done = _resolve(chain, conflict, "record_sale")
    assert done.returncode == 0, done.stderr
    # The resolution says what the customer owes: the deposit central refunded.
    assert json.loads(done.stdout)["owes"] == {"order": order, "amount": "200.00"}, done.stdout
    assert till.sync()["recorded_sales"] == 1
    paid = _both(chain, till, order)
    assert sorted(paid) == sorted(
        [
            ("payment", "cash", Decimal("200.00")),
            ("refund", "cash", Decimal("-200.00")),
            ("payment", "cash", Decimal(due)),
        ]
    )
    assert till.query(STATUS, n=order) == [("fulfilled",)]
    # The customer owes the deposit central refunded.
    assert Decimal(total) - sum(a for _k, _m, a in paid) == Decimal("200.00")
    # The unit is sold at both ends, at central by the till's cashier on the order.
    assert till.unit_state("CF1-1") == "sold"
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'CF1-1'") == "sold"
    assert _central(chain, SOLD, s="CF1-1") == [("mia", order, "in_stock")]
    # The till's invoice, as printed on its receipt, is central's too.
    invoice = "SELECT i.number FROM invoice i JOIN sale_order o ON o.id = i.order_id "
    invoice += "WHERE o.number = :n"
    assert _central(chain, invoice, n=order) == till.query(invoice, n=order)
    # The balance in the till's drawer stays there: nothing paid back.
    assert _expected_cash(till) == Decimal(100) + Decimal(due)
    till.check_clean()
    chain.check_clean()
    # A second resolution is refused and changes nothing.
    again = _resolve(chain, conflict, "record_sale")
    assert again.returncode != 0 and "already resolved" in again.stderr, again.stderr
    assert sorted(_money(_central(chain, PAYMENTS, n=order))) == sorted(paid)
    assert len(_central(chain, SOLD, s="CF1-1")) == 1


def test_a_fulfilment_after_central_fulfilled_is_refunded(chain: Chain) -> None:
    """Central fulfilled the layby (700 by card); the till, not knowing, took 750 cash (50
    change) and handed the same unit over. ``refund`` books the till's money at central as
    taken and refunded; the till pays the 700 back out of its drawer and takes central's
    rows: central's sale and invoice stand at both ends, the unit sold."""
    till, order, total = _layby(chain, "CF2")
    till.cli("--user", "mia", "shift", "open", "--float", "100")
    due = f"{Decimal(total) - Decimal('200'):.2f}"
    [there] = chain.post(
        {"op": "order_fulfil", "order": order, "payments": [{"method": "card", "amount": due}]}
    )
    assert there["ok"], there
    tendered = f"{Decimal(due) + 50:.2f}"
    [here] = till.apply(
        {
            "op": "order_fulfil",
            "order": order,
            "payments": [{"method": "cash", "amount": tendered}],
        }
    )
    assert here["ok"] and Decimal(here["change_due"]) == 50, here
    assert till.sync(check=False)["conflicts"] == 1
    conflict = _conflict_of(chain, order)
    assert conflict["resolutions"] == ["accept", "refund"], conflict
    shown = _shown(chain, conflict)
    assert "refund books it at central" in shown, shown
    wrong = _resolve(chain, conflict, "record_sale")
    assert wrong.returncode != 0 and "resolve it by refund" in wrong.stderr, wrong.stderr
    done = _resolve(chain, conflict, "refund")
    assert done.returncode == 0, done.stderr
    assert till.sync()["recorded_sales"] == 1
    paid = _both(chain, till, order)
    assert sorted(paid) == sorted(
        [
            ("payment", "cash", Decimal("200.00")),
            ("payment", "card", Decimal(due)),
            ("payment", "cash", Decimal(tendered)),
            ("change", "cash", Decimal("-50.00")),
            ("refund", "cash", Decimal(f"-{due}")),
        ]
    )
    assert _by_method(paid) == {"cash": Decimal("200.00"), "card": Decimal(due)}
    assert till.query(STATUS, n=order) == [("fulfilled",)]
    assert till.unit_state("CF2-1") == "sold"
    assert chain.scalar("SELECT state FROM serial_unit WHERE serial = 'CF2-1'") == "sold"
    # The till's 700 came into its drawer and went back out of it: the float alone.
    assert _expected_cash(till) == Decimal(100)
    # Its sales count central's invoice, not its own of the refunded fulfilment.
    sales = json.loads(till.cli("--user", "mia", "report", "sales", "--json").stdout)
    rows = sales["rows"] if isinstance(sales, dict) else sales
    invoices = {r["invoice"] for r in rows if r["order"] == order}
    assert invoices == {str(there["invoice"])}, invoices
    till.check_clean()
    chain.check_clean()
    again = _resolve(chain, conflict, "refund")
    assert again.returncode != 0 and "already resolved" in again.stderr, again.stderr
    assert sorted(_money(_central(chain, PAYMENTS, n=order))) == sorted(paid)


def test_record_sale_is_refused_for_a_unit_central_sold_after_its_void(chain: Chain) -> None:
    """Central voided the layby and sold its unit to another customer; the till's customer
    took it too (the till offline). ``record_sale`` would sell one unit twice: refused
    naming where the unit is, nothing changed; ``accept`` only is offered."""
    till, order, total = _layby(chain, "CF3")
    [voided] = chain.post({"op": "order_void", "order": order})
    assert voided["ok"], voided
    [sold] = chain.post({"op": "sell", "store": "S1", "sku": "LBCF3", "serial": "CF3-1"})
    assert sold["ok"], sold
    due = f"{Decimal(total) - Decimal('200'):.2f}"
    [here] = till.apply(
        {"op": "order_fulfil", "order": order, "payments": [{"method": "cash", "amount": due}]}
    )
    assert here["ok"], here
    assert till.sync(check=False)["conflicts"] == 1
    conflict = _conflict_of(chain, order)
    assert conflict["resolutions"] == ["accept"], conflict
    before = sorted(_money(_central(chain, PAYMENTS, n=order)))
    refused = _resolve(chain, conflict, "record_sale")
    assert refused.returncode != 0, refused.stdout
    assert "CF3-1 is sold at S1" in refused.stderr and "nothing was resolved" in refused.stderr
    assert _central(chain, STATUS, n=order) == [("voided",)]
    assert sorted(_money(_central(chain, PAYMENTS, n=order))) == before
    assert len(_central(chain, SOLD, s="CF3-1")) == 1
    assert _conflict_of(chain, order)["status"] == "open"


def test_a_fulfilment_by_card_refunded_at_the_till_is_taken_at_once(chain: Chain) -> None:
    """The same after central's fulfilment, the till's balance taken by card and the
    conflict resolved at the till itself: the card refund is booked at central and the
    till takes central's rows at once (no sync round), its drawer's cash untouched."""
    till, order, total = _layby(chain, "CF4")
    till.cli("--user", "mia", "shift", "open", "--float", "100")
    due = f"{Decimal(total) - Decimal('200'):.2f}"
    [there] = chain.post(
        {"op": "order_fulfil", "order": order, "payments": [{"method": "cash", "amount": due}]}
    )
    assert there["ok"], there
    [here] = till.apply(
        {"op": "order_fulfil", "order": order, "payments": [{"method": "card", "amount": due}]}
    )
    assert here["ok"], here
    assert till.sync(check=False)["conflicts"] == 1
    conflict = _conflict_of(chain, order)
    assert conflict["resolutions"] == ["accept", "refund"], conflict
    till.cli("--user", "mia", "conflicts", "resolve", str(conflict["id"]), "--by", "refund")
    paid = _both(chain, till, order)
    assert sorted(paid) == sorted(
        [
            ("payment", "cash", Decimal("200.00")),
            ("payment", "cash", Decimal(due)),
            ("payment", "card", Decimal(due)),
            ("refund", "card", Decimal(f"-{due}")),
        ]
    )
    assert till.unit_state("CF4-1") == "sold"
    assert _expected_cash(till) == Decimal(100)
    assert till.sync()["recorded_sales"] == 0  # taken already, once
    till.check_clean()
    chain.check_clean()
