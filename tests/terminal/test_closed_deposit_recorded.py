"""A till's offline deposit on a layby central voided, then its offline fulfilment of the
same layby: the deposit is booked at central by ``record_sale`` once the fulfilment's sale
is (issue 16).

Central voided the layby (its 200 deposit refunded there); the till, offline, took a 300
deposit and then the 400 balance and handed the unit over: two conflicts ``order_closed``.
``record_sale`` of the fulfilment fulfils central's order, owing 500 (the 200 central
refunded and the till's 300). The deposit's conflict offered ``refund`` (pay the 300 back:
money the sale needed) and ``accept`` (the 300 in no book at central while its order said
the customer owed it). Now ``refund`` is refused there, naming ``record_sale``, which books
the 300 on central's order as taken (the till's cashier, no shift at central): the order
owes the 200, and the till converges at its next sync. Real ``serialpos serve`` on
PostgreSQL, the till its own process.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from terminal_chain import Chain
from test_closed_fulfil_resolved import _both, _expected_cash, _resolve, _shown
from test_money_on_closed_order import _layby
from test_refund_not_taken import PAYMENTS, STATUS, _central, _money

#: Who booked each payment row at central, and in which shift.
BOOKED = (
    "SELECT p.kind, p.method, p.amount, p.user_name, p.shift_id FROM order_payment p "
    "JOIN sale_order o ON o.id = p.order_id WHERE o.number = :n ORDER BY p.id"
)


def _conflicts_of(chain: Chain, order: str) -> dict[str, dict[str, Any]]:
    """Central's conflicts naming ``order``, by their entry's op."""
    listed = json.loads(chain.central("conflicts", "list", "--json", user="ada").stdout)
    found = [x for x in listed if order in json.dumps(x)]
    return {x["entry"]["line"]["op"]: x for x in found}


def test_a_deposit_before_a_recorded_fulfilment_is_booked_by_record_sale(chain: Chain) -> None:
    till, order, total = _layby(chain, "CD1")
    till.cli("--user", "mia", "shift", "open", "--float", "100")
    [voided] = chain.post({"op": "order_void", "order": order})
    assert voided["ok"], voided
    [deposit] = till.apply(
        {"op": "order_pay", "order": order, "payments": [{"method": "cash", "amount": "300"}]}
    )
    assert deposit["ok"], deposit
    due = f"{Decimal(total) - Decimal('500'):.2f}"
    [fulfilled] = till.apply(
        {"op": "order_fulfil", "order": order, "payments": [{"method": "cash", "amount": due}]}
    )
    assert fulfilled["ok"], fulfilled
    assert till.sync(check=False)["conflicts"] == 2
    conflicts = _conflicts_of(chain, order)
    pay, fulfil = conflicts["order_pay"], conflicts["order_fulfil"]
    # While central's order is voided the deposit's refund would pay back money the
    # till's sale took after it: refused, naming the fulfilment's conflict.
    assert pay["resolutions"] == ["accept"], pay
    early = _resolve(chain, pay, "refund")
    assert early.returncode != 0, early.stdout
    assert f"book conflict {fulfil['id']}'s sale at central first" in early.stderr, early.stderr
    assert _resolve(chain, fulfil, "record_sale").returncode == 0
    pay = _conflicts_of(chain, order)["order_pay"]
    assert pay["resolutions"] == ["accept", "record_sale"], pay
    assert "record_sale books it at central" in _shown(chain, pay), _shown(chain, pay)
    before = sorted(_money(_central(chain, PAYMENTS, n=order)))
    wrong = _resolve(chain, pay, "refund")
    assert wrong.returncode != 0, wrong.stdout
    assert "owing 500.00" in wrong.stderr and "resolve it by record_sale" in wrong.stderr
    assert sorted(_money(_central(chain, PAYMENTS, n=order))) == before
    done = _resolve(chain, pay, "record_sale")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["owes"] == {"order": order, "amount": "200.00"}, done.stdout
    # Booked as the till took it: its cashier, in no shift of central's.
    assert ("payment", "cash", Decimal("300.00"), "mia", None) in [
        (k, m, Decimal(str(a)), u, s) for k, m, a, u, s in _central(chain, BOOKED, n=order)
    ]
    assert till.sync()["recorded_sales"] == 2
    paid = _both(chain, till, order)
    assert sorted(paid) == sorted(
        [
            ("payment", "cash", Decimal("200.00")),
            ("refund", "cash", Decimal("-200.00")),
            ("payment", "cash", Decimal("300.00")),
            ("payment", "cash", Decimal(due)),
        ]
    )
    assert till.query(STATUS, n=order) == [("fulfilled",)]
    assert Decimal(total) - sum(a for _k, _m, a in paid) == Decimal("200.00")
    # The deposit and the balance stay in the till's drawer: nothing paid back.
    assert _expected_cash(till) == Decimal(100) + Decimal(300) + Decimal(due)
    till.check_clean()
    chain.check_clean()
    again = _resolve(chain, pay, "record_sale")
    assert again.returncode != 0 and "already resolved" in again.stderr, again.stderr
    assert sorted(_money(_central(chain, PAYMENTS, n=order))) == sorted(paid)
    assert till.sync()["recorded_sales"] == 0


def test_a_deposit_more_than_the_order_owes_is_refused(chain: Chain) -> None:
    """The customer paid at central what the order owed after the fulfilment's
    ``record_sale``: the till's deposit was paid twice. ``record_sale`` of it would book
    past what the order owes: refused naming the amounts; ``refund`` pays it back."""
    till, order, total = _layby(chain, "CD2")
    till.cli("--user", "mia", "shift", "open", "--float", "100")
    [voided] = chain.post({"op": "order_void", "order": order})
    assert voided["ok"], voided
    till.apply(
        {"op": "order_pay", "order": order, "payments": [{"method": "cash", "amount": "300"}]}
    )
    due = f"{Decimal(total) - Decimal('500'):.2f}"
    till.apply(
        {"op": "order_fulfil", "order": order, "payments": [{"method": "cash", "amount": due}]}
    )
    assert till.sync(check=False)["conflicts"] == 2
    conflicts = _conflicts_of(chain, order)
    assert _resolve(chain, conflicts["order_fulfil"], "record_sale").returncode == 0
    [owed] = chain.post(
        {"op": "order_pay", "order": order, "payments": [{"method": "card", "amount": "500"}]}
    )
    assert owed["ok"], owed
    pay = _conflicts_of(chain, order)["order_pay"]
    assert pay["resolutions"] == ["accept", "refund"], pay
    before = sorted(_money(_central(chain, PAYMENTS, n=order)))
    refused = _resolve(chain, pay, "record_sale")
    assert refused.returncode != 0, refused.stdout
    assert "deposit of 300.00" in refused.stderr and "the 0.00 it owes" in refused.stderr
    assert "nothing was resolved" in refused.stderr, refused.stderr
    assert sorted(_money(_central(chain, PAYMENTS, n=order))) == before
    assert _resolve(chain, pay, "refund").returncode == 0
    assert till.sync()["recorded_sales"] == 2
    _both(chain, till, order)
    till.check_clean()
    chain.check_clean()
