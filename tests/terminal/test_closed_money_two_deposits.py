"""Two deposits a till took offline on a layby central voided, one refunded by a manager:
the other stays in the till's drawer and books (issue 16).

Each deposit is a conflict ``order_closed``. When a manager resolved the first by
``refund``, the till took central's rows of the order (db/closed_order_sql.py) and deleted
every row of its own central had no match for: the second deposit (300 in cash, in its
drawer, its conflict still open) left the till's order and its shift, and the X report's
expected cash fell 300 below what the drawer held. Found by the money machine
(tests/terminal/test_money_stateful.py). A row that moved in a shift of this till's is
money its drawer moved: it stays, and the voided copy holding it says so (``db check``:
``voided_order_holds_money``) beside the open conflict.
"""

from __future__ import annotations

import json
from decimal import Decimal

from terminal_chain import Chain
from test_money_on_closed_order import _layby
from test_refund_not_taken import PAYMENTS, _money


def test_a_second_deposit_stays_when_the_first_is_refunded(chain: Chain) -> None:
    till, order, _total = _layby(chain, "TD1")
    till.cli("--user", "mia", "shift", "open", "--float", "100")
    [voided] = chain.post({"op": "order_void", "order": order})
    assert voided["ok"], voided
    pay = {"op": "order_pay", "order": order}
    [card] = till.apply({**pay, "payments": [{"method": "card", "amount": "100"}]})
    [cash] = till.apply({**pay, "payments": [{"method": "cash", "amount": "300"}]})
    assert card["ok"] and cash["ok"], (card, cash)
    assert till.sync(check=False)["conflicts"] == 2
    listed = json.loads(chain.central("conflicts", "list", "--json", user="ada").stdout)
    mine = [c for c in listed if c["entry"]["line"].get("order") == order]
    [first] = [c for c in mine if c["entry"]["line"]["payments"][0]["method"] == "card"]
    chain.central("conflicts", "resolve", str(first["id"]), "--by", "refund", user="ada")
    till.sync()
    # The 300 is still in the drawer and on the till's order; the card deposit came in and
    # went back (a card refund: no cash).
    x = json.loads(till.cli("--user", "mia", "shift", "x", "--json").stdout)
    assert Decimal(x["expected_cash"]) == Decimal(400), x
    assert ("payment", "cash", Decimal("300")) in _money(till.query(PAYMENTS, n=order))
    done = till.cli("db", "check", "--json", check=False)
    findings = json.loads(done.stdout)["findings"]
    assert [f["rule"] for f in findings if order in f["detail"]] == ["voided_order_holds_money"], (
        findings
    )
