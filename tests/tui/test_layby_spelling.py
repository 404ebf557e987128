"""One spelling of the lay-by in what the console shows (80x24 and 40x16): the open orders
list said ``S01-000005 open layby`` (the stored value) while the sale's head and the sale
type dialog say ``Lay-by``. The stored value, the CSV/JSON keys and the CLI's options stay
``layby``."""

from __future__ import annotations

import pytest
from textual.widgets import OptionList
from tui_helpers import SIZES, MakeApp, async_test, settle

from serialpos.db.engine import Database
from serialpos.domain.users import Role
from serialpos.services.context import Actor
from serialpos.services.orders import add_item, open_order
from serialpos.tui.screens.sale_dialogs.open_orders import OrdersDialog

from test_sale import open_sale  # isort: skip


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_the_open_orders_say_lay_by(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    cashier = Actor("cashier", Role.CASHIER, "T9")
    order = open_order(demo_db, cashier, "S01", type="layby").order
    add_item(demo_db, cashier, order, sku="AC-USBC1")
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await open_sale(pilot)
        await pilot.press("ctrl+t", "o")  # the order menu, then open orders
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, OrdersDialog)
        options = dialog.query_one(OptionList)
        shown = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        mine = [line for line in shown if order in line]
        assert len(mine) == 1, shown
        assert f"{order} open Lay-by " in mine[0], mine
        assert all("layby" not in line.lower() for line in shown), shown
