"""A till's fulfilment of its layby that central closed meanwhile is a conflict, never a
refusal with no trace (issue 16).

The customer collected the layby at the till while its link was down, paying the balance
into the drawer; central meanwhile fulfilled the same layby (the head office, a host's
``order_fulfil``) or voided it. The till's ``order_fulfil`` was refused ``order_closed``:
central recorded nothing, the till's money was in no book at central and no manager was
asked, as a deposit or a void on a closed order were before they became conflicts. Found
by the money machine (tests/terminal/test_money_stateful.py). Now it is a conflict
``order_closed`` naming the tenders and the change the till gave, and the till keeps its
fulfilment as made (its customer took the unit) until a manager settles it.
"""

from __future__ import annotations

from decimal import Decimal

from terminal_chain import Chain
from test_money_on_closed_order import _conflict_of, _layby


def test_a_fulfilment_at_the_till_of_a_layby_central_fulfilled_is_a_conflict(
    chain: Chain,
) -> None:
    till, order, total = _layby(chain, "FC1")
    due = f"{Decimal(total) - Decimal('200'):.2f}"
    [there] = chain.post(
        {"op": "order_fulfil", "order": order, "payments": [{"method": "card", "amount": due}]}
    )
    assert there["ok"], there
    [here] = till.apply(
        {"op": "order_fulfil", "order": order, "payments": [{"method": "cash", "amount": due}]}
    )
    assert here["ok"], here
    report = till.sync(check=False)
    assert (report["accepted"], report["conflicts"], report["refused"]) == (0, 1, 0), report
    conflict = _conflict_of(chain, order)
    assert conflict["error"] == "order_closed", conflict
    line = conflict["entry"]["line"]
    assert line["payments"] == [{"method": "cash", "amount": due}], line
    assert line["change_due"] == "0.00", line
    assert till.unit_state("FC1-1") == "sold"
    # Accept, or refund (the till's money taken and refunded: test_closed_fulfil_resolved.py),
    # and it says the money the till's drawer holds.
    assert conflict["resolutions"] == ["accept", "refund"], conflict
    shown = " ".join(
        chain.central("conflicts", "show", str(conflict["id"]), user="ada").stdout.split()
    )
    assert f"money: the till's fulfilment of {order} took {due} by cash" in shown, shown
    chain.check_clean()


def test_a_fulfilment_at_the_till_of_a_layby_central_voided_is_a_conflict(
    chain: Chain,
) -> None:
    """Central voided the layby (its unit back in stock there); the till's customer took the
    unit: the till keeps it sold, and central's conflict says so."""
    till, order, total = _layby(chain, "FC2")
    [voided] = chain.post({"op": "order_void", "order": order})
    assert voided["ok"], voided
    due = f"{Decimal(total) - Decimal('200'):.2f}"
    [here] = till.apply(
        {"op": "order_fulfil", "order": order, "payments": [{"method": "cash", "amount": due}]}
    )
    assert here["ok"], here
    report = till.sync(check=False)
    assert (report["accepted"], report["conflicts"], report["refused"]) == (0, 1, 0), report
    conflict = _conflict_of(chain, order)
    assert conflict["error"] == "order_closed", conflict
    assert till.unit_state("FC2-1") == "sold"
