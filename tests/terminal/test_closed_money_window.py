"""A till's void of its layby that reaches central after the manager refunded the till's
deposit on it (issue 16).

The till took 300 in cash on its layby (200 paid before) while central voided the layby
(refunding the 200 there); the deposit's push made a conflict and the link dropped before
the till pulled central's void. Offline, the till voided its own copy: its drawer paid the
customer 500 (everything its copy held). Meanwhile a manager resolved the deposit's
conflict by ``refund`` (the void had not reached central: nothing said the till paid it
back already). When the void arrives it is a conflict of its own (central voided too).

The till's drawer paid 500 in one row. Taking central's rows of the order dropped that row
(central has no row of 500) and booked central's refund of the 300 in the till's shift:
the drawer's expected cash said 200 more than the drawer held, and nothing anywhere said
the customer was paid the 200 twice. Now the till's own payout stays (money its drawer
moved is never dropped), central's refund of the deposit is taken out of it (paid once,
by the void), and the rest, what the customer got twice, stays on the till's order as a
refund central does not hold: its ``db check`` names it, and the void's conflict says it.
Real ``serialpos serve`` on PostgreSQL, the till its own process.
"""

from __future__ import annotations

import json
from decimal import Decimal

from terminal_chain import Chain
from test_money_on_closed_order import _conflict_of, _layby
from test_refund_not_taken import PAYMENTS, STATUS, _central, _money

from serialpos.db.engine import Database
from serialpos.terminal import push
from serialpos.terminal.client import CentralClient
from serialpos.terminal.sync_report import SyncReport


def test_a_void_after_the_deposit_was_refunded_keeps_the_drawer_true(chain: Chain) -> None:
    till, order, _total = _layby(chain, "CW1")
    till.cli("--user", "mia", "shift", "open", "--float", "1000")
    [deposit] = till.apply(
        {"op": "order_pay", "order": order, "payments": [{"method": "cash", "amount": "300"}]}
    )
    assert deposit["ok"], deposit
    [voided] = chain.post({"op": "order_void", "order": order})
    assert voided["ok"], voided
    # The deposit is pushed, and the link drops before the till pulls central's void.
    db = Database(till.db_url)
    try:
        with CentralClient(chain.server.base, till.token, timeout=30) as client:
            report = SyncReport()
            push.push(db, client, report, store="S1")
    finally:
        db.dispose()
    assert report.conflicts == 1, report
    paid_first = _conflict_of(chain, order)
    chain.central("conflicts", "resolve", str(paid_first["id"]), "--by", "refund", user="ada")
    # Offline, the till voids its copy: its drawer pays back everything the copy holds.
    [void] = till.apply({"op": "order_void", "order": order})
    assert void["ok"], void
    assert till.query(STATUS, n=order) == [("voided",)]
    before = json.loads(till.cli("--user", "mia", "shift", "x", "--json").stdout)
    # 1000 float + 300 deposit - 500 paid back (the customer had 200 of it from central
    # already)
    assert Decimal(before["expected_cash"]) == Decimal(800), before
    report2 = till.sync(check=False)
    assert report2["conflicts"] == 1, report2
    after = json.loads(till.cli("--user", "mia", "shift", "x", "--json").stdout)
    # The drawer paid what it paid: the sync changes nothing of it.
    assert Decimal(after["expected_cash"]) == Decimal(before["expected_cash"]), after
    # Central's rows, and the 200 the customer was paid twice: the rest of the till's 500.
    theirs = _money(_central(chain, PAYMENTS, n=order))
    assert sorted(_money(till.query(PAYMENTS, n=order))) == sorted(
        [*theirs, ("refund", "cash", Decimal("-200.00"))]
    )
    # The till's 500 is in its shift as 300 (central's refund of the deposit) and 200.
    shifted = till.query(
        "SELECT p.amount FROM order_payment p JOIN sale_order o ON o.id = p.order_id "
        "WHERE o.number = :n AND p.kind = 'refund' AND p.shift_id IS NOT NULL ORDER BY p.id",
        n=order,
    )
    assert sorted(Decimal(str(a)) for (a,) in shifted) == [Decimal(-300), Decimal(-200)]
    # Said, not hidden: the till's check names the order paid back twice; the void's
    # conflict at central asks a manager to settle it with the customer.
    checked = till.cli("db", "check", "--json", check=False)
    found = json.loads(checked.stdout)
    named = [f for f in found["findings"] if f["rule"] == "voided_order_holds_money"]
    assert [order in f["detail"] and "-200.00" in f["detail"] for f in named] == [True], found
    chain.check_clean()
    listed = json.loads(chain.central("conflicts", "list", "--json", user="ada").stdout)
    [second] = [c for c in listed if order in json.dumps(c) and c["status"] == "open"]
    assert second["entry"]["line"]["op"] == "order_void" and second["resolutions"] == ["accept"]
    shown = chain.central("conflicts", "show", str(second["id"]), user="ada").stdout
    assert "settle it with the customer" in " ".join(shown.split()), shown
