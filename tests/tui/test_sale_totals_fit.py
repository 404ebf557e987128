"""The sale's totals keep one row: at 40x16 the line (net, tax, total, paid, due: 56
characters for a sale of 226.78) wrapped onto a second row, taking a line's row; now its words
are shortened to fit the width ("Total" and "Due" kept whole; a paid of zero left out only
when nothing else fits). At 80x24 it reads in full as before."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace
from typing import Any, cast

import pytest
from test_sale import enter, open_sale
from tui_helpers import SIZES, MakeApp, async_test, screen_text

from serialpos.tui.screens.sale_outcome import totals_text


def _view(net: str, tax: str, total: str, paid: str, due: str) -> Any:
    amounts = dict(
        zip(
            ("net", "tax", "total", "paid", "due"),
            map(Decimal, (net, tax, total, paid, due)),
            strict=True,
        )
    )
    return cast(Any, SimpleNamespace(totals=SimpleNamespace(**amounts)))


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_the_totals_fit_one_row(make_app: MakeApp, size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        for text in ("DRL18-A002", "AC-CASE15", "AC-CASE15"):
            await enter(pilot, text)
        assert sale.view is not None and len(sale.view.lines) == 2
        rows = [r for r in screen_text(app).splitlines() if "226.78" in r]
        assert len(rows) == 1, screen_text(app)  # total and due on one row
        for number in ("188.98", "37.80"):
            assert number in rows[0], rows
        assert rows[0].count("226.78") == 2, rows
        if size[0] >= 80:
            assert "Net 188.98  Tax 37.80  Total 226.78  Paid 0.00  Due 226.78" in rows[0]
        else:
            assert "N188.98 T37.80 Total 226.78 Due 226.78" in rows[0]


def test_the_narrowest_form_keeps_every_number() -> None:
    phone = _view("1082.50", "216.50", "1299.00", "0.00", "1299.00")
    assert totals_text(phone, width=38).plain == "N1082.50 T216.50 Total 1299 Due 1299"
    paid = _view("1082.50", "216.50", "1299.00", "500.00", "799.00")
    assert totals_text(paid, width=40).plain == "N1082.50 T216.50 Total 1299 P500 Due 799"
    assert totals_text(phone).plain == (
        "Net 1082.50  Tax 216.50  Total 1299.00  Paid 0.00  Due 1299.00"
    )
    change = totals_text(_view("8.33", "1.67", "10.00", "20.00", "0.00"), Decimal("10"), 38)
    assert change.plain == "CHANGE DUE 10 N8.33 T1.67 Total 10 P20 Due 0"
