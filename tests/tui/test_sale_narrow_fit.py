"""A handheld's sale reads whole: at 40x16 the totals of a four-digit sale (a 1,199.00 laptop:
1,438.80 with tax) took two rows, and a discounted line showed "-10% AC…" (its row kept 12
columns for a serial state it did not have, and 4 for a quantity of 1). At 80x24 both read in
full as before."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace
from typing import Any, cast

import pytest
from test_discount_screen import discount
from test_sale import enter, open_sale, rows
from tui_helpers import SIZES, MakeApp, async_test, screen_text

from serialpos.db.engine import Database
from serialpos.tui.screens.sale_outcome import totals_text


def _view(net: str, tax: str, total: str, paid: str, due: str) -> Any:
    amounts = zip(("net", "tax", "total", "paid", "due"), (net, tax, total, paid, due), strict=True)
    return cast(Any, SimpleNamespace(totals=SimpleNamespace(**{k: Decimal(v) for k, v in amounts})))


def test_four_digit_totals_leave_out_the_net_before_they_wrap() -> None:
    laptop = _view("1199.00", "239.80", "1438.80", "0.00", "1438.80")
    assert totals_text(laptop, width=38).plain == "Tax 239.80 Total 1438.80 Due 1438.80"
    paid = _view("1199.00", "239.80", "1438.80", "500.00", "938.80")
    assert totals_text(paid, width=38).plain == "T239.80 Total 1438.80 P500 Due 938.80"
    big = _view("11990.50", "2398.10", "14388.60", "1000.00", "13388.60")
    assert totals_text(big, width=38).plain == "Total 14388.60 P1000 Due 13388.60"
    assert totals_text(laptop, width=78).plain == (
        "Net 1199.00  Tax 239.80  Total 1438.80  Paid 0.00  Due 1438.80"
    )


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_laptops_totals_keep_one_row(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        await enter(pilot, "LT-ZEN14")
        await enter(pilot, "ZB24000101", "Input:focus")  # in its serial entry
        assert sale.view is not None and sale.view.totals.total == Decimal("1438.80")
        shown = [r for r in screen_text(app).splitlines() if "Total" in r]
        assert len(shown) == 1, screen_text(app)
        assert shown[0].count("1438.80") == 2, shown  # the total and what is due, one row
        if size[0] >= 80:
            assert "Net 1199.00  Tax 239.80  Total 1438.80  Paid 0.00  Due 1438.80" in shown[0]


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_discounted_line_shows_its_discount_and_sku_whole(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        await enter(pilot, "AC-CHG65")
        await enter(pilot, "PH-NOVA7")  # a phone: its serial state shown beside the lines
        await pilot.press("escape")  # its serial later
        await enter(pilot, "AC-USBC1")
        await enter(pilot, "AC-USBC1")  # a quantity of 2
        await pilot.press("up", "up", "up")
        await discount(pilot, "10%", "loyal", "")
        await pilot.press("down", "down")  # back on the lines, then the phone's
        await discount(pilot, "5%", "loyal", "")
        shown = rows(sale).splitlines()
        assert "-10% AC-CHG65" in shown[0] or "AC-CHG65 -10%" in shown[0], shown
        assert "-5% PH-NOVA7" in shown[1] or "PH-NOVA7 -5%" in shown[1], shown
        assert "S/N needed" in shown[1], shown
        if size[0] >= 80:  # as before: quantity, price and total in their columns
            assert shown[2].split()[-3:] == ["2", "12.99", "31.18"], shown
            return
        assert shown[2].split()[-2:] == ["2", "31.18"], shown  # the quantity when it is not 1
        ends = {len(row.rstrip()) for row in shown}
        assert len(ends) == 1, shown  # the totals line up on the right
