"""What a conflicting sale made by ``serialpos apply`` on a till, with discounts, did not
record (issue 16): each line's price is what the till charged (it was ``null``: the host's
line named no price and the journal entry carried none), and the line's own discount and
the order discount show, so the lines less the discounts come to the money taken. Real
``serialpos serve`` on PostgreSQL, the tills as separate processes."""

from __future__ import annotations

import json
from decimal import Decimal

from terminal_chain import Chain
from test_conflicting_sale import PRICE, _receive, priced

__all__ = ["priced"]


def test_an_apply_sale_with_discounts_says_its_prices_and_discounts(
    chain: Chain, priced: str
) -> None:
    _receive(chain, priced, "DM-034", "DM-042")
    a, b = chain.terminal("dm-a"), chain.terminal("dm-b")
    assert a.apply({"op": "sell", "store": "S1", "sku": priced, "serial": "DM-034"})[0]["ok"]
    [sold] = b.apply(
        {
            "op": "order_create",
            "store": "S1",
            "lines": [
                {"sku": priced, "serial": "DM-034", "discount_percent": "10", "reason": "dent"},
                {"sku": priced, "serial": "DM-042"},
            ],
            "discount": "20.00",
            "reason": "regular",
            "fulfil": True,
            "payments": [{"method": "cash", "amount": "775.72"}],
        }
    )
    assert sold["ok"], sold
    [(line,)] = b.query("SELECT line FROM journal_entry")
    assert [x["catalogue_price"] for x in json.loads(line)["lines"]] == ["418.80", "418.80"]
    assert a.sync()["accepted"] == 1
    assert b.sync()["conflicts"] == 1
    number = int(chain.scalar("SELECT max(id) FROM sync_conflict"))
    shown = json.loads(chain.central("conflicts", "show", str(number), "--json").stdout)
    missing = shown["not_recorded"]
    assert missing["lines"] == [
        {"sku": priced, "serial": "DM-034", "quantity": 1, "price": "418.80", "discount": "41.88"},
        {"sku": priced, "serial": "DM-042", "quantity": 1, "price": "418.80", "discount": None},
    ]
    assert missing["order_discount"] == "20.00"
    [(total, tax)] = b.query(
        "SELECT total, tax FROM invoice WHERE number = :n", n=missing["invoice"]
    )
    charged = 2 * PRICE - Decimal("41.88") - Decimal("20.00")
    assert Decimal(missing["taken"]) == Decimal(str(total)).quantize(Decimal("0.01"))
    assert Decimal(str(total)) - Decimal(str(tax)) == charged  # the money adds up
    words = chain.central("conflicts", "show", str(number)).stdout
    said = " ".join(words.split())
    assert "2 lines (61.88 off in discounts)" in said, said
    assert f"* {priced} DM-034 x1 at 418.80 less 41.88" in words
    # The price the till charged is the one central records when a manager records it.
    chain.central("conflicts", "resolve", str(number), "--by", "record_sale", user="ada")
    paid = chain.scalar(
        "SELECT sum(p.amount) FROM order_payment p JOIN sale_order o ON o.id = p.order_id "
        "WHERE o.number = :n",
        n=missing["order"],
    )
    assert Decimal(str(paid)) == Decimal(missing["taken"])
    chain.check_clean()


def test_percent_and_amount_discounts_add_up() -> None:
    """Worked out from the entry's line alone (domain/discounts.py's rules): a line's own
    discount first (a percent of its amount, or an amount), then the order's percent of
    what is left of each line."""
    from serialpos.domain.sale_not_recorded import line_words, not_recorded

    line = {
        "op": "order_create",
        "lines": [
            {"sku": "PH1", "serial": "S-1", "catalogue_price": "100.00", "discount": "15"},
            {"sku": "CAB", "quantity": 3, "catalogue_price": "9.99", "discount_percent": "10"},
        ],
        "discount_percent": "5",
        "payments": [{"method": "card", "amount": "106.37"}],
    }
    found = not_recorded(line, "S-1")
    assert found is not None
    assert [(x["price"], x["discount"]) for x in found["lines"]] == [
        ("100.00", "15.00"),
        ("9.99", "3.00"),
    ]
    # 85.00 and 26.97 left; 5% of each: 4.25 and 1.35.
    assert found["order_discount"] == "5.60"
    left = Decimal("100.00") + 3 * Decimal("9.99") - Decimal("15.00") - Decimal("3.00")
    assert left - Decimal(found["order_discount"]) == Decimal(found["taken"])
    assert line_words(found["lines"][1]) == "CAB x3 at 9.99 less 3.00"
    assert "2 lines (23.60 off in discounts), 106.37 taken" in found["words"]
