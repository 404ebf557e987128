"""Packages on the products screen: the Package column, and the details of a package with
its type (what it means for serials) and its components."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Static
from tui_helpers import SIZES, MakeApp, async_test, log_in, screen_text, settle

from serialpos.db.engine import Database
from serialpos.tui.screens.product_details import ProductDetails
from serialpos.tui.screens.products import ProductsScreen


def cell(app: object, sku: str, column: str) -> str:
    screen = app.screen  # type: ignore[attr-defined]
    table: DataTable[object] = screen.query_one("#products", DataTable)
    return str(table.get_cell(sku, column))


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_products_screen_shows_packages(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "cashier")
        await pilot.press("2")
        await settle(pilot)
        assert isinstance(app.screen, ProductsScreen)
        await pilot.press(*"BN-", "enter")
        await settle(pilot)
        assert list(app.screen.products) == ["BN-AUR15", "BN-DRILLKIT"]
        assert cell(app, "BN-AUR15", "package") == "consolidated (3 items)"
        assert cell(app, "BN-DRILLKIT", "package") == "exploded (2 items)"

        await pilot.press("enter")  # the first row: the sealed bundle
        await settle(pilot)
        assert isinstance(app.screen, ProductDetails)
        shown = str(app.screen.query_one("#details", Static).render())
        assert "Package: consolidated — one serial for the sealed box" in shown
        assert "Components: AC-CASE15 × 1, AC-CHG65 × 1, PH-AUR15 × 1" in shown
        assert "Serial mode: required" in shown
        if size[0] >= 80:
            assert "Package: consolidated" in screen_text(app)

        await pilot.press("escape", "down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ProductDetails)
        shown = str(app.screen.query_one("#details", Static).render())
        assert "Package: exploded — each component follows its own serial mode" in shown
        assert "Components: TL-BITS × 1, TL-DRL18 × 1" in shown


@async_test
async def test_an_ordinary_product_is_no_package(make_app: MakeApp, demo_db: Database) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "cashier")
        await pilot.press("2")
        await settle(pilot)
        await pilot.press(*"PH-NOVA7", "enter")
        await settle(pilot)
        assert cell(app, "PH-NOVA7", "package") == ""
        await pilot.press("enter")
        await settle(pilot)
        shown = str(app.screen.query_one("#details", Static).render())
        assert "Package: no" in shown and "Components" not in shown
