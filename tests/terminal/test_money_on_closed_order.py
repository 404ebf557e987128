"""Money a till moved offline on its order that central closed meanwhile (issue 16).

A deposit taken at the till on a layby central voided, or a void (its refund paid out of the
till's drawer) of a layby central fulfilled, was refused ``order_closed``: central kept no
trace, the till kept the money on its order, and no manager was asked. Each is now recorded
at central as a conflict naming the money, for a manager to settle.
"""

from __future__ import annotations

import json
from decimal import Decimal

from terminal_chain import Chain, Terminal

from serialpos.services import products, users


def _layby(chain: Chain, name: str) -> tuple[Terminal, str, str]:
    """A layby of one unit made at a till, with 200 paid, known at central."""
    sku = f"LB{name}"
    ada = users.actor_for(chain.server.db, "ada", "setup")
    products.create_product(
        chain.server.db, ada, sku=sku, name=sku, price=Decimal("900.00"), serial_mode="required"
    )
    serial = f"{name}-1"
    assert chain.post({"op": "receive", "store": "S1", "sku": sku, "serial": serial})[0]["ok"]
    till = chain.terminal(name)
    [made] = till.apply(
        {
            "op": "order_create",
            "store": "S1",
            "type": "layby",
            "lines": [{"sku": sku, "serial": serial}],
        }
    )
    assert made["ok"], made
    order = made["order"]
    [paid] = till.apply(
        {"op": "order_pay", "order": order, "payments": [{"method": "cash", "amount": "200"}]}
    )
    assert paid["ok"], paid
    report = till.sync()
    assert (report["accepted"], report["conflicts"], report["refused"]) == (2, 0, 0), report
    return till, order, made["total"]


def _conflict_of(chain: Chain, order: str) -> dict[str, object]:
    listed = json.loads(chain.central("conflicts", "list", "--json", user="ada").stdout)
    [found] = [x for x in listed if order in json.dumps(x)]
    return found


def test_a_deposit_taken_on_an_order_central_voided_is_a_conflict(chain: Chain) -> None:
    """The till took 300 in cash on its layby offline; central voided it meanwhile: the
    deposit is a conflict at central naming the money, not refused with no trace."""
    till, order, _total = _layby(chain, "MC1")
    [deposit] = till.apply(
        {"op": "order_pay", "order": order, "payments": [{"method": "cash", "amount": "300"}]}
    )
    assert deposit["ok"], deposit
    [voided] = chain.post({"op": "order_void", "order": order})
    assert voided["ok"], voided
    report = till.sync(check=False)
    assert (report["accepted"], report["conflicts"], report["refused"]) == (0, 1, 0), report
    conflict = _conflict_of(chain, order)
    assert conflict["error"] == "order_closed", conflict
    entry = conflict["entry"]
    assert isinstance(entry, dict)
    assert entry["line"]["payments"] == [{"method": "cash", "amount": "300"}], entry
    chain.check_clean()


def test_a_void_of_an_order_central_fulfilled_is_a_conflict(chain: Chain) -> None:
    """The till voided its layby offline (refunding 200 from its drawer); central fulfilled
    it meanwhile: a conflict at central, where a manager sees the till's void."""
    till, order, total = _layby(chain, "MC2")
    due = f"{Decimal(total) - Decimal('200'):.2f}"
    [done] = chain.post(
        {"op": "order_fulfil", "order": order, "payments": [{"method": "card", "amount": due}]}
    )
    assert done["ok"], done
    [void] = till.apply({"op": "order_void", "order": order})
    assert void["ok"], void
    report = till.sync(check=False)
    assert (report["accepted"], report["conflicts"], report["refused"]) == (0, 1, 0), report
    conflict = _conflict_of(chain, order)
    assert conflict["error"] == "order_closed", conflict
    chain.check_clean()
