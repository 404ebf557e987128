"""The open orders list says what a lay-by has paid and what is left (80x24 and 40x16): a
cashier finding a customer's lay-by to take the next payment saw only its total. A special
order says it once something is paid on it; a sale with nothing paid says neither."""

from __future__ import annotations

from decimal import Decimal

import pytest
from textual.widgets import OptionList
from tui_helpers import SIZES, MakeApp, async_test, screen_text, settle

from serialpos.db.engine import Database
from serialpos.domain.users import Role
from serialpos.services.context import Actor
from serialpos.services.orders import add_item, add_payment, open_order, park
from serialpos.tui.screens.sale_dialogs.open_orders import OrdersDialog

from test_sale import open_sale  # isort: skip

CASHIER = Actor("cashier", Role.CASHIER, "T9")


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_laybys_paid_and_due_are_listed(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    layby = open_order(demo_db, CASHIER, "S01", type="layby").order
    add_item(demo_db, CASHIER, layby, sku="AC-USBC1")  # 15.59 with tax
    add_payment(demo_db, CASHIER, layby, "card", Decimal("5.00"))
    fresh = open_order(demo_db, CASHIER, "S01", type="layby").order
    add_item(demo_db, CASHIER, fresh, sku="AC-USBC1")
    sale = open_order(demo_db, CASHIER, "S01").order
    add_item(demo_db, CASHIER, sale, sku="AC-USBC1")
    park(demo_db, CASHIER, sale)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await open_sale(pilot)
        await pilot.press("ctrl+t", "o")  # the order menu, then open orders
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, OrdersDialog)
        options = dialog.query_one(OptionList)
        shown = {
            str(options.get_option_at_index(i).id): str(options.get_option_at_index(i).prompt)
            for i in range(options.option_count)
        }
        assert "15.59 · paid 5.00 · due 10.59 ·" in shown[layby], shown[layby]
        assert "15.59 · paid 0.00 · due 15.59 ·" in shown[fresh], shown[fresh]
        assert "paid" not in shown[sale] and "due" not in shown[sale], shown[sale]
        on_screen = " ".join(screen_text(app).split())
        assert "paid 5.00 · due 10.59" in on_screen, screen_text(app)  # not cut at 40x16
