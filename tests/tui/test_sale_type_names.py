"""The sale type dialog names the choices as the order header, receipts and reports do: it
said "Special order" and "Cash and carry" while the header and the sales report said
"Special Order" and "Cash and Carry" (the seeds' names), so a cashier met two spellings of
one choice."""

from __future__ import annotations

import pytest
from textual.widgets import Static
from tui_helpers import SIZES, MakeApp, async_test, settle

from serialpos.tui.screens.sale_dialogs.sale_type import SaleTypeDialog

from test_sale import open_sale  # isort: skip


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_the_sale_type_dialog_says_the_names_the_header_says(
    make_app: MakeApp, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        await pilot.press("f3")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, SaleTypeDialog)
        choices = str(dialog.query_one("#choices", Static).render())
        assert "2 Special Order" in choices
        assert "C Cash and Carry" in choices
        assert "P Pickup Later" in choices
        assert "Special order" not in choices and "Cash and carry" not in choices
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is sale
        head = str(sale.query_one("#order-head", Static).render())
        assert "Special Order" in head
