"""What a conflicting sale made by ``serialpos apply`` on a till, with discounts, did not
record (issue 16): each line's price is what the till charged (it was ``null``: the host's
line named no price and the journal entry carried none), and the line's own discount and
the order discount show, so the lines less the discounts come to the money taken. Real
``serialpos serve`` on PostgreSQL, the tills as separate processes."""

from __future__ import annotations

import json
from decimal import Decimal

import sqlalchemy as sa
from terminal_chain import Chain, till_db
from test_conflicting_sale import PRICE, _receive, priced

from serialpos.db.engine import Database
from serialpos.services import products, users
from serialpos.services.orders import NewOrder, add_item, fulfil

__all__ = ["priced"]

TAXED = Decimal("1330.80")


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


PAYMENTS = (
    "SELECT p.kind, p.method, p.amount FROM order_payment p "
    "JOIN sale_order o ON o.id = p.order_id WHERE o.number = :n ORDER BY p.id"
)


def test_a_cash_sale_with_change_says_the_money_the_till_kept(
    chain: Chain, opened: list[Database]
) -> None:
    """Tax added to the prices and cash tendered over the total (walk of session thirteen:
    2900.00 tendered, the till kept the rest after change): ``taken`` said the tenders,
    money the till gave back. The entry carries the change the till gave; ``taken`` is the
    money kept, ``tendered`` and ``change`` say how, and ``record_sale`` records exactly
    that (the change once, at once: the whole sale was handed over at the counter)."""
    ada = users.actor_for(chain.server.db, "ada", "setup")
    products.create_product(
        chain.server.db, ada, sku="TXP", name="Taxed", serial_mode="required", price=TAXED
    )
    with chain.server.db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE product SET tax_rate = 8.25 WHERE sku = 'TXP'")
    for serial in ("TX-034", "TX-042"):
        assert chain.post({"op": "receive", "store": "S1", "sku": "TXP", "serial": serial})[0]["ok"]
    a, b = chain.terminal("tx-a"), chain.terminal("tx-b")
    assert a.apply({"op": "sell", "store": "S1", "sku": "TXP", "serial": "TX-034"})[0]["ok"]
    db, mia = till_db(b, opened)
    first = add_item(db, mia, None, sku="TXP", serial="TX-034", start=NewOrder("S1"))
    order = first.order.order
    add_item(db, mia, order, sku="TXP", serial="TX-042")
    done = fulfil(db, mia, order, payments=[("cash", Decimal("2900.00"))])
    kept = Decimal("2900.00") - done.change_due
    assert done.change_due > 0 and kept == Decimal("2881.18")  # 2 x (1330.80 + 8.25% tax)
    assert a.sync()["accepted"] == 1
    assert b.sync()["conflicts"] == 1
    number = int(chain.scalar("SELECT max(id) FROM sync_conflict"))
    shown = json.loads(chain.central("conflicts", "show", str(number), "--json").stdout)
    missing = shown["not_recorded"]
    assert (missing["taken"], missing["tendered"], missing["change"]) == (
        "2881.18",
        "2900.00",
        "18.82",
    )
    said = " ".join(chain.central("conflicts", "show", str(number)).stdout.split())
    assert "2 lines, 2881.18 taken (cash 2900.00, 18.82 change given)" in said, said
    chain.central("conflicts", "resolve", str(number), "--by", "record_sale", user="ada")
    with chain.server.db.engine.connect() as conn:
        rows = conn.execute(sa.text(PAYMENTS), {"n": order}).all()
    paid = [(kind, method, Decimal(str(amount))) for kind, method, amount in rows]
    assert paid == [("payment", "cash", Decimal("2900.00")), ("change", "cash", -done.change_due)]
    assert sum(p[-1] for p in paid) == Decimal(missing["taken"])
    b.sync()
    assert [(k, m, Decimal(str(x))) for k, m, x in b.query(PAYMENTS, n=order)] == paid
    b.check_clean()
    chain.check_clean()


def test_an_apply_sale_with_change_says_the_money_the_till_kept(chain: Chain, priced: str) -> None:
    """The verify walk's till sold by ``serialpos apply`` with cash over the total: its entry
    named no change (the console's did), so ``taken`` said the tenders. The entry carries
    the change the verdict gave now."""
    _receive(chain, priced, "AC-034")
    a, b = chain.terminal("ac-a"), chain.terminal("ac-b")
    assert a.apply({"op": "sell", "store": "S1", "sku": priced, "serial": "AC-034"})[0]["ok"]
    [sold] = b.apply(
        {
            "op": "order_create",
            "store": "S1",
            "lines": [{"sku": priced, "serial": "AC-034"}],
            "fulfil": True,
            "payments": [{"method": "cash", "amount": "500.00"}],
        }
    )
    assert sold["ok"] and Decimal(sold["change_due"]) == Decimal("81.20"), sold
    assert a.sync()["accepted"] == 1
    assert b.sync()["conflicts"] == 1
    number = int(chain.scalar("SELECT max(id) FROM sync_conflict"))
    shown = json.loads(chain.central("conflicts", "show", str(number), "--json").stdout)
    missing = shown["not_recorded"]
    assert (missing["taken"], missing["tendered"], missing["change"]) == (
        "418.80",
        "500.00",
        "81.20",
    ), missing
    chain.check_clean()
