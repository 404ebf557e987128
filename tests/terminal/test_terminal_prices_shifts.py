"""A store terminal's sale at central when central's rules moved under it (issue 16, items 2
and 3), against a real ``serialpos serve``: a price changed at central before the till took it
(the sale is recorded at the till's price, paid, and the difference audited), and
``require_shift`` on for the whole chain (the till checks it with its own shifts; central
takes its sales without a shift of its own and still refuses its own sales without one)."""

from __future__ import annotations

import json
from decimal import Decimal

import sqlalchemy as sa
from terminal_chain import Chain, till_db

from serialpos.db import journal
from serialpos.db.engine import Database
from serialpos.services.orders import NewOrder, add_item, fulfil
from serialpos.services.orders.discounts import LineChange, change_line


def _set_price(chain: Chain, sku: str, price: str) -> None:
    with chain.server.client("ada") as client:
        done = client.put(
            "/v1/products",
            content=f"SKU,Name,Price,Serial Number Option\n{sku},Phone,{price},Required\n",
            headers={"Content-Type": "text/csv"},
        )
    assert done.status_code == 200 and done.json()["updated"] == 1, done.text


def _differs(chain: Chain, order: str) -> list[tuple[str, str | None, str | None, str | None]]:
    """Each line of ``order`` at central: its price, central's shelf price kept beside it,
    the reason and who sold it."""
    with chain.server.db.engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT l.unit_price, l.list_price, l.discount_reason, l.discount_by "
                "FROM order_line l JOIN sale_order o ON o.id = l.order_id "
                "WHERE o.number = :n ORDER BY l.number"
            ),
            {"n": order},
        ).all()
    return [(f"{a:.2f}", None if b is None else f"{b:.2f}", c, d) for a, b, c, d in rows]


def test_a_price_raised_at_central_before_the_till_took_it(
    chain: Chain, opened: list[Database]
) -> None:
    _set_price(chain, "PH1", "400.00")
    received = chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": ["PR-1"]})
    assert received[0]["ok"]
    till = chain.terminal("pr-a")
    db, mia = till_db(till, opened)
    _set_price(chain, "PH1", "450.00")  # the till has not refreshed: it still says 400.00

    added = add_item(db, mia, None, sku="PH1", serial="PR-1", start=NewOrder("S1"))
    assert added.order.totals.total == Decimal("400.00")
    done = fulfil(db, mia, added.order.order, payments=[("card", Decimal("400.00"))])
    [entry] = db.read(journal.entries)
    [line] = json.loads(entry.line)["lines"]
    assert line["catalogue_price"] == "400.00" and "price" not in line

    report = till.sync()
    assert (report["accepted"], report["refused"], report["pending"]) == (1, 0, 0)
    with chain.server.client("ada") as client:
        order = client.get(f"/v1/orders/{done.order.order}").json()
    # not payment_due: the customer paid what the till asked, and the sale says so
    assert (order["status"], order["total"], order["paid"], order["due"]) == (
        "fulfilled",
        "400.00",
        "400.00",
        "0.00",
    )
    assert [ln["unit_price"] for ln in order["lines"]] == ["400.00"]
    # The difference is kept on the sale's line, as a price override is (shown in the
    # sales report's reason), not in the users' audit.
    assert _differs(chain, done.order.order) == [
        ("400.00", "450.00", "price_differs: sold at 400.00 on the till, 450.00 at central", "mia")
    ]
    assert chain.scalar("SELECT count(*) FROM user_audit WHERE action = 'price_differs'") == 0
    assert Decimal(chain.scalar("SELECT price FROM product WHERE sku = 'PH1'")) == Decimal("450")
    chain.check_clean()
    till.check_clean()

    # A host may not name a catalogue price: it prices a line with 'price' (and a reason).
    [host] = chain.post(
        {
            "op": "order_create",
            "store": "S1",
            "lines": [{"sku": "CAB", "catalogue_price": "1.00"}],
        }
    )
    assert host["error"] == "bad_request" and "'price'" in host["message"]


def test_a_price_override_on_a_line_whose_price_differs_keeps_both(
    chain: Chain, opened: list[Database]
) -> None:
    """The till sells at its shelf price of 400.00 less a price override to 380.00
    (5% off: within the store's 10% limit, no manager); central raised its price to 450.00
    meanwhile. Central takes the sale as the till made it (380.00 paid: 15.6% off central's
    price would need a manager, but the till checked the override against the shelf it
    showed) and keeps both on the line: the override's reason and the price difference
    (central's price as ``list_price``, the till's shelf in the reason). The sales report
    and its export show both reasons beside the line."""
    _set_price(chain, "PH1", "400.00")
    received = chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": ["PO-1"]})
    assert received[0]["ok"]
    till = chain.terminal("po-a")
    db, mia = till_db(till, opened)
    _set_price(chain, "PH1", "450.00")  # the till has not refreshed: it still says 400.00

    added = add_item(db, mia, None, sku="PH1", serial="PO-1", start=NewOrder("S1"))
    order = added.order.order
    change_line(db, mia, order, added.line, LineChange("scratched box", price=Decimal("380")))
    fulfil(db, mia, order, payments=[("card", Decimal("380.00"))])
    [entry] = db.read(journal.entries)
    [line] = json.loads(entry.line)["lines"]
    assert (line["catalogue_price"], line["price"], line["reason"]) == (
        "400.00",
        "380.00",
        "scratched box",
    )

    report = till.sync()
    assert (report["accepted"], report["refused"], report["pending"]) == (1, 0, 0), report
    both = "scratched box; price_differs: 400.00 on the till, 450.00 at central"
    assert _differs(chain, order) == [("380.00", "450.00", both, "mia")]
    with chain.server.client("ada") as client:
        central = client.get(f"/v1/orders/{order}").json()
    assert (central["total"], central["paid"], central["due"]) == ("380.00", "380.00", "0.00")
    for kind in ("sales", "sales-detail"):
        args = ["--json"] if kind == "sales" else ["--format", "json"]
        rows = json.loads(
            chain.central("report", kind, "--serial", "PO-1", *args, user="ada").stdout
        )
        assert [(r["serial"], r["discount"], r["discount_reason"]) for r in rows] == [
            ("PO-1", "0.00", both)
        ], kind
    chain.check_clean()
    till.check_clean()


def test_a_long_override_reason_is_cut_to_keep_the_price_difference(
    chain: Chain, opened: list[Database]
) -> None:
    """An override's reason of 200 characters (the most a reason holds) on a line whose
    price differs: the reason kept at central is cut so the price difference still fits
    (the whole reason stays in the till's entry, kept at central with its outcome)."""
    _set_price(chain, "PH1", "400.00")
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serial": "PO-2"})[0]["ok"]
    till = chain.terminal("po-b")
    db, mia = till_db(till, opened)
    _set_price(chain, "PH1", "390.00")
    added = add_item(db, mia, None, sku="PH1", serial="PO-2", start=NewOrder("S1"))
    long = "x" * 200
    change_line(db, mia, added.order.order, added.line, LineChange(long, price=Decimal("395")))
    fulfil(db, mia, added.order.order, payments=[("card", Decimal("395.00"))])
    assert till.sync()["accepted"] == 1
    [(price, shelf, reason, _by)] = _differs(chain, added.order.order)
    tail = "; price_differs: 400.00 on the till, 390.00 at central"
    assert (price, shelf, len(reason or "")) == ("395.00", "390.00", 200)
    assert reason == "x" * (199 - len(tail)) + "…" + tail
    chain.check_clean()


def test_a_sell_line_on_a_till_is_invoiced_at_the_tills_price(chain: Chain) -> None:
    """An ``apply`` ``sell`` line run on a till journals the price the till charged; central
    lowered its price meanwhile: the invoice is at the till's price, paid in full, central's
    price kept on the line (price_differs). At the same price the line is plain: no mark."""
    _set_price(chain, "PH1", "300.00")
    serials = ["PS-1", "PS-2"]
    assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": serials})[0]["ok"]
    till = chain.terminal("ps-a")
    _set_price(chain, "PH1", "280.00")  # the till still says 300.00
    sell = {"op": "sell", "store": "S1", "sku": "PH1", "serial": "PS-1", "payment": "card"}
    [sold] = till.apply(sell)
    assert sold["ok"], sold
    [line] = till.query("SELECT line FROM journal_entry WHERE id = :e", e=sold["entry"])
    assert json.loads(line[0])["catalogue_price"] == "300.00"
    report = till.sync()
    assert (report["accepted"], report["refused"], report["pending"]) == (1, 0, 0), report
    with chain.server.client("ada") as client:
        order = client.get(f"/v1/orders/{sold['order']}").json()
    assert (order["total"], order["paid"], order["due"]) == ("300.00", "300.00", "0.00")
    assert _differs(chain, sold["order"]) == [
        ("300.00", "280.00", "price_differs: sold at 300.00 on the till, 280.00 at central", "mia")
    ]
    # A host names no till price.
    [host] = chain.post({**sell, "serial": "PS-2", "catalogue_price": "1.00"})
    assert host["error"] == "bad_request" and "catalogue_price" in host["message"]
    chain.check_clean()
    till.check_clean()


def test_require_shift_on_for_the_whole_chain(chain: Chain, opened: list[Database]) -> None:
    chain.central("settings", "set", "require_shift", "yes", user="ada")  # the chain default
    try:
        serials = ["SH-1", "SH-2", "SH-3"]
        assert chain.post({"op": "receive", "store": "S1", "sku": "PH1", "serials": serials})[0][
            "ok"
        ]
        till = chain.terminal("sh-a")
        sell = {"op": "sell", "store": "S1", "sku": "PH1", "serial": "SH-1", "payment": "card"}
        # The till checks the rule itself, offline too: no shift open here, no sale.
        [refused] = till.apply(sell, check=False)
        assert (refused["ok"], refused["error"]) == (False, "shift_required")
        assert till.status()["pending"] == 0
        till.cli("--user", "mia", "shift", "open", "--float", "50")
        [sold] = till.apply(sell)
        assert sold["ok"], sold
        db, mia = till_db(till, opened)
        added = add_item(db, mia, None, sku="PH1", serial="SH-2", start=NewOrder("S1"))
        fulfil(db, mia, added.order.order, payments=[("cash", Decimal("1000"))])

        # Central holds none of the till's shifts and takes both sales: the plain sale
        # (set-based) and the counter sale (one by one).
        report = till.sync()
        assert (report["accepted"], report["refused"], report["pending"]) == (2, 0, 0), report
        states = [
            chain.scalar("SELECT state FROM serial_unit WHERE serial = :s", s=s) for s in serials
        ]
        assert states == ["sold", "sold", "in_stock"]
        # The till's X report counts both; central's own sale still needs a shift there.
        x = json.loads(till.cli("--user", "mia", "shift", "x", "--json").stdout)
        assert sum(t["count"] for t in x["takings"]) == 2, x
        [host] = chain.post({**sell, "serial": "SH-3"})
        assert (host["ok"], host["error"]) == (False, "shift_required")
        chain.check_clean()
    finally:
        chain.central("settings", "set", "require_shift", "no", user="ada")
