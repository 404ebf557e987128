"""A unit laid by again at the till after central voided its first layby stays held by the
new layby's line (issue 16).

The till voided its layby while central voided it too (each refunded the deposit: the till's
void a conflict), and the till laid the unit by again for another customer, all before a
sync. The pull then brought central's void (the unit released, older at central than the
new layby's reserve) and central's copy of the till's reserve: the release let go of the
new layby's line, and the reserve put the unit back in ``reserved`` holding no line. The
till's ``db check`` said ``reserved_without_open_line`` for good, and the layby's line held
nothing (its fulfilment would sell no unit here). Found by the money machine
(tests/terminal/test_money_stateful.py). Now a pulled event that reserves a unit for an
order this till holds an open line of, with that serial, holds that line again
(db/mirror_sql.py ``open_line_holding``).
"""

from __future__ import annotations

from decimal import Decimal

from terminal_chain import Chain
from test_money_on_closed_order import _layby


def test_a_unit_laid_by_again_keeps_its_new_line(chain: Chain) -> None:
    till, order, total = _layby(chain, "RV1")
    [voided] = chain.post({"op": "order_void", "order": order})
    assert voided["ok"], voided
    [void] = till.apply({"op": "order_void", "order": order})
    assert void["ok"], void
    sku = "LBRV1"
    [again] = till.apply(
        {
            "op": "order_create",
            "store": "S1",
            "type": "layby",
            "lines": [{"sku": sku, "serial": "RV1-1"}],
        }
    )
    assert again["ok"], again
    report = till.sync(check=False)
    assert (report["accepted"], report["conflicts"]) == (1, 1), report
    assert till.unit_state("RV1-1") == "reserved"
    till.check_clean()
    # The new layby's line holds the unit: its fulfilment sells it, at both ends.
    [done] = till.apply(
        {
            "op": "order_fulfil",
            "order": again["order"],
            "payments": [{"method": "card", "amount": f"{Decimal(total):.2f}"}],
        }
    )
    assert done["ok"], done
    assert till.unit_state("RV1-1") == "sold"
    assert till.sync()["accepted"] == 1
    till.check_clean()
    chain.check_clean()
