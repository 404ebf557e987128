"""The open orders at 40x16, a handheld's screen, with more orders than it holds: the list
ran past the screen's foot, so the orders beyond the first few and the dialog's keys were cut
off, and the highlight went down into rows nobody saw. The list now takes the rows between
its title and its keys and scrolls in them: the last order can be seen and opened."""

from __future__ import annotations

from decimal import Decimal

from textual.widgets import OptionList
from tui_helpers import MakeApp, async_test, screen_text, settle

from serialpos.db.engine import Database
from serialpos.domain.users import Role
from serialpos.services.context import Actor
from serialpos.services.orders import add_item, add_payment, open_order, park
from serialpos.tui.screens.sale import SaleScreen
from serialpos.tui.screens.sale_dialogs.open_orders import OrdersDialog

from test_sale import open_sale  # isort: skip

CASHIER = Actor("cashier", Role.CASHIER, "T9")


@async_test
async def test_every_open_order_can_be_seen_and_opened_at_40x16(
    make_app: MakeApp, demo_db: Database
) -> None:
    orders = []
    for i in range(8):
        order = open_order(demo_db, CASHIER, "S01", type="layby" if i % 2 else "sale").order
        add_item(demo_db, CASHIER, order, sku="AC-USBC1")
        if i % 2:
            add_payment(demo_db, CASHIER, order, "card", Decimal("5.00"))
        else:
            park(demo_db, CASHIER, order)
        orders.append(order)
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        await open_sale(pilot)
        await pilot.press("ctrl+t", "o")  # the order menu, then open orders
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, OrdersDialog)
        listed = dialog.query_one(OptionList)
        assert "Enter Open" in screen_text(app), screen_text(app)
        for _ in range(listed.option_count - 1):  # down to the last (the oldest) order
            await pilot.press("down")
            await settle(pilot)
        last = str(listed.get_option_at_index(listed.option_count - 1).id)
        assert last == orders[0]
        shown = screen_text(app)
        assert last in shown, shown  # scrolled to, not below the screen's foot
        assert "Enter Open" in shown, shown
        await pilot.press("enter")
        await settle(pilot)
        sale = app.screen
        assert isinstance(sale, SaleScreen), type(sale).__name__
        assert sale.order_no == last
