"""The balance a till's refunded void leaves on central's fulfilled order is collected
(issue 16).

The till voided its layby offline, paying the 200 deposit back out of its drawer, while
central fulfilled it; ``refund`` booked the till's refund at central, so the order stays
fulfilled and owes 200 (tests/terminal/test_closed_order_settled.py). Before, nothing took
that money: a fulfilled order refused every payment (``order_closed``). Now ``serialpos
apply`` ``order_pay`` at central takes up to what it owes, refuses more naming the amount,
and the till takes the rest offline, applied at central by the same rule; both ends then
hold the same order, paid in full, and ``db check`` is clean on both. Real ``serialpos
serve`` on PostgreSQL, the till its own process.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from terminal_chain import Chain
from test_closed_order_settled import _same_order, refunded_void
from test_refund_not_taken import PAYMENTS, _central, _money


def _central_pay(chain: Chain, folder: Path, order: str, amount: str) -> dict[str, Any]:
    """``serialpos apply`` at central of one ``order_pay`` line; its verdict."""
    lines = folder / f"pay-{amount}.jsonl"
    pay = {"op": "order_pay", "order": order, "payments": [{"method": "cash", "amount": amount}]}
    lines.write_text(json.dumps(pay) + "\n")
    done = chain.central("apply", str(lines), user="ada", check=False)
    [verdict] = [json.loads(x) for x in done.stdout.splitlines() if x.startswith("{")]
    return verdict


def test_the_balance_of_a_refunded_void_is_collected(chain: Chain, tmp_path: Path) -> None:
    till, order, total = refunded_void(chain, "OW1")
    # The till takes 150 of the 200 offline: applied at central by the same rule.
    pay = {"op": "order_pay", "order": order}
    [part] = till.apply({**pay, "payments": [{"method": "cash", "amount": "150"}]})
    assert part["ok"], part
    report = till.sync()
    assert (report["accepted"], report["conflicts"], report["refused"]) == (1, 0, 0), report
    paid = _same_order(chain, till, order)
    assert sum(amount for _kind, _method, amount in paid) == Decimal(total) - 50
    # At central: more than the 50 owed is refused naming it, nothing booked; 50 is taken.
    over = _central_pay(chain, tmp_path, order, "60.00")
    assert over["error"] == "order_closed", over
    assert "owes 50.00" in over["message"], over
    taken = _central_pay(chain, tmp_path, order, "50.00")
    assert taken["ok"], taken
    assert sum(amount for _kind, _method, amount in _money(_central(chain, PAYMENTS, n=order))) == (
        Decimal(total)
    )
    # Paid up: it owes nothing, and refuses as any fulfilled order does.
    again = _central_pay(chain, tmp_path, order, "0.01")
    assert again["error"] == "order_closed", again
    assert "is fulfilled: return it" in again["message"], again
    # The till, not knowing central's 50, takes it too: a conflict at central, not lost.
    [twice] = till.apply({**pay, "payments": [{"method": "cash", "amount": "50"}]})
    assert twice["ok"], twice
    assert till.sync(check=False)["conflicts"] == 1
    listed = json.loads(chain.central("conflicts", "list", "--json", user="ada").stdout)
    [late] = [x for x in listed if order in json.dumps(x) and x["status"] == "open"]
    assert late["error"] == "order_closed", late
    assert late["entry"]["line"]["payments"] == [{"method": "cash", "amount": "50"}], late
    till.check_clean()
    chain.check_clean()
