"""Discounts at the counter, at 80x24 and 40x16: from the order menu (F6), "d" gives the line
under the cursor a discount with a reason; past the store's limit the manager's name and PIN
are asked, a wrong PIN is refused in words and changes nothing; the line shows the discount."""

from __future__ import annotations

from decimal import Decimal

import pytest
from test_sale import enter, message, open_sale, rows
from textual.pilot import Pilot
from tui_helpers import SIZES, MakeApp, async_test, settle

from serialpos.db.engine import Database
from serialpos.services.orders.reading import get_order
from serialpos.tui.screens.sale import SaleScreen
from serialpos.tui.screens.sale_dialogs.discount import DiscountDialog


async def discount(pilot: Pilot[object], *values: str) -> None:
    await pilot.press("f6")
    await settle(pilot)
    await pilot.press("d")
    await settle(pilot)
    assert isinstance(pilot.app.screen, DiscountDialog)
    for value in values:
        await enter(pilot, value, "Input:focus")
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_line_discount_past_the_limit_needs_the_manager(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_sale(pilot)
        await enter(pilot, "AC-CHG65")
        assert isinstance(app.screen, SaleScreen) and screen.order_no is not None
        order = screen.order_no
        before = get_order(demo_db, order).totals.total

        await discount(pilot, "50%", "damaged box", "")  # no manager named
        assert "manager's name and PIN" in message(app), message(app)
        await discount(pilot, "50%", "damaged box", "manager", "0000")
        assert "wrong PIN" in message(app), message(app)
        await discount(pilot, "120%", "oops", "")
        assert "more than 100%" in message(app), message(app)
        assert get_order(demo_db, order).totals.total == before  # nothing changed

        await discount(pilot, "50%", "damaged box", "manager", "2222")
        view = get_order(demo_db, order)
        line = view.lines[0]
        assert (line.discount_label, line.discount_approved_by) == ("-50%", "manager")
        # 39.99 less 50% (19.995 -> 20.00 off, half up) = 19.99.
        assert (line.unit_price, line.discount, line.net) == (
            Decimal("39.99"),
            Decimal("20.00"),
            Decimal("19.99"),
        )
        assert "-50%" in rows(screen), rows(screen)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_line_discount_says_was_and_now_on_the_price_columns_basis(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    """The charger (39.99 before 20% tax) matched at 30.00 said ``was 39.99, now 36.00``:
    the shelf price before tax beside the total with tax, a price cut read as a rise. Both
    figures are now before tax, as the line's price column shows them, and the total with
    tax is named as such."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_sale(pilot)
        await enter(pilot, "AC-CHG65")
        await discount(pilot, "=30.00", "price match", "manager", "2222")
        assert message(app) == "✓ line 1: was 39.99, now 30.00 before tax (36.00 with tax)"
        await enter(pilot, "AC-USBC1")
        await discount(pilot, "10%", "loyal", "")
        assert message(app) == "✓ line 2: -10%, now 11.69 before tax (14.03 with tax)"
        assert screen.order_no is not None
        line = get_order(demo_db, screen.order_no).lines[1]
        assert (line.net, line.total) == (Decimal("11.69"), Decimal("14.03"))
