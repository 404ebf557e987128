"""Products: search, details, serial modes changed by a manager (one or many) and refused to a
cashier; names with markup shown literally; a huge paste cut before it reaches the field."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from textual import events
from textual.widgets import DataTable, Input, Static
from tui_helpers import SIZES, MakeApp, async_test, log_in, screen_text, settle

from serialpos.db.engine import Database
from serialpos.domain.errors import BadValue
from serialpos.domain.products import SerialMode
from serialpos.services import products, users
from serialpos.tui.screens.product_details import ProductDetails
from serialpos.tui.screens.products import ProductsScreen
from serialpos.tui.screens.serial_mode import ChooseSerialMode, Confirm
from serialpos.tui.widgets.message_line import MessageLine

EVIL = "[red]Evil[/red] [bold]phone[/bold]"


def cell(app: object, sku: str, column: str) -> str:
    screen = app.screen  # type: ignore[attr-defined]
    table: DataTable[object] = screen.query_one("#products", DataTable)
    return str(table.get_cell(sku, column))


async def open_products(pilot: object, search: str | None = None) -> None:
    await pilot.press("2")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    if search is not None:
        await pilot.press(*search, "enter")  # type: ignore[attr-defined]
        await settle(pilot)  # type: ignore[arg-type]


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_manager_changes_the_mode_of_every_selected_product(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "manager")
        await open_products(pilot, "AC-")
        assert isinstance(app.screen, ProductsScreen)
        table: DataTable[object] = app.screen.query_one("#products", DataTable)
        assert table.has_focus  # Enter in the search moved to the results
        skus = [str(table.get_row_at(r)[1]) for r in range(table.row_count)]
        assert skus == ["AC-CASE15", "AC-CHG65", "AC-USBC1"]

        await pilot.press("space", "space")  # the first two; the cursor moves down
        assert cell(app, "AC-CASE15", "sel") == "✓" and cell(app, "AC-CHG65", "sel") == "✓"
        assert cell(app, "AC-USBC1", "sel") == " "
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, ChooseSerialMode)
        assert "2 selected products" in screen_text(app)
        await pilot.press("o")
        await settle(pilot)  # the letter acts one key gap later (a scan may begin with it)
        assert isinstance(app.screen, Confirm)
        assert "AC-CASE15, AC-CHG65" in str(app.screen.query_one("#question", Static).render())
        await pilot.press("y")
        await settle(pilot)

        assert isinstance(app.screen, ProductsScreen)
        message = app.screen.query_one(MessageLine).text
        assert message == "✓ serial mode is now optional for 2 products: AC-CASE15, AC-CHG65"
        assert cell(app, "AC-CASE15", "mode") == "optional"
        assert cell(app, "AC-USBC1", "mode") == "disabled"
        assert cell(app, "AC-CASE15", "sel") == " "  # the selection is done with
    assert products.get_product(demo_db, "AC-CHG65").serial_mode is SerialMode.OPTIONAL
    assert products.get_product(demo_db, "AC-USBC1").serial_mode is SerialMode.DISABLED


@async_test
async def test_mode_of_the_product_under_the_cursor_and_cancel(
    make_app: MakeApp, demo_db: Database
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "admin")
        await open_products(pilot, "TL-BITS")
        await pilot.press("m", "escape")
        await pilot.pause()
        assert app.screen.query_one(MessageLine).text == "› serial mode not changed"
        await pilot.press("m", "enter", "n")  # Enter picks "required"; then "no"
        await settle(pilot)  # "n" acts one key gap later (a scan may begin with it)
        assert app.screen.query_one(MessageLine).text == "› serial mode not changed"
        await pilot.press("m", "r")
        await settle(pilot)  # the letter acts one key gap later (a scan may begin with it)
        await pilot.press("enter")  # Enter confirms
        await settle(pilot)
        assert cell(app, "TL-BITS", "mode") == "required"
    assert products.get_product(demo_db, "TL-BITS").serial_mode is SerialMode.REQUIRED


@pytest.mark.parametrize("user", ["cashier", "stockroom"])
@async_test
async def test_mode_change_is_refused_naming_the_role_needed(
    make_app: MakeApp, demo_db: Database, user: str
) -> None:
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        await log_in(pilot, user)
        await open_products(pilot, "AC-USBC1")
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, ProductsScreen)  # no dialog opened
        assert app.screen.query_one(MessageLine).text == (
            f"✗ {user} ({user}) may not change products; that needs the role manager or admin"
        )
    assert products.get_product(demo_db, "AC-USBC1").serial_mode is SerialMode.DISABLED


@async_test
async def test_service_refusal_is_shown_not_raised(make_app: MakeApp, demo_db: Database) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "manager")
        await open_products(pilot, "AC-USBC1")
        # Another terminal deletes nothing here, so make the service refuse another way: the
        # row's SKU no longer exists when the change is applied.
        screen = app.screen
        assert isinstance(screen, ProductsScreen)
        screen.change_modes(app.session.actor, ["NO-SUCH-SKU"], "required")  # type: ignore[union-attr]
        await settle(pilot)
        message = screen.query_one(MessageLine)
        assert message.kind == "error"
        assert message.text == "✗ no product with SKU NO-SUCH-SKU; nothing was changed"


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_markup_in_a_product_name_is_shown_literally(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    admin = users.actor_for(demo_db, "admin", "t")
    with pytest.raises(BadValue, match="control characters"):
        products.create_product(demo_db, admin, sku="EVIL-2", name="[red]Evil[/red] \x1b[2J")
    products.create_product(demo_db, admin, sku="EVIL-1", name=EVIL, price=Decimal("5.00"))
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "cashier")
        await open_products(pilot, "Evil")
        assert cell(app, "EVIL-1", "name") == EVIL
        # The name column is narrow at 40x16; either way the brackets are on screen, literally.
        assert "[red]Evi" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ProductDetails)
        assert f"Name: {EVIL}" in str(app.screen.query_one("#details", Static).render())
        assert "[red]Evil[/red]" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ProductsScreen)


@async_test
async def test_huge_paste_is_cut_before_it_reaches_the_field(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        await log_in(pilot, "cashier")
        await open_products(pilot)
        field = app.screen.query_one("#search", Input)
        assert field.has_focus
        started = time.perf_counter()
        field.post_message(events.Paste("x" * 5_000_000))
        await pilot.pause()
        assert len(field.value) == 4096
        assert app.screen.query_one(MessageLine).text == (
            "› pasted text was cut to 4096 characters"
        )
        await pilot.press("y")  # the field is full: more typing is refused, not appended
        assert len(field.value) == 4096
        await pilot.press("enter")
        await settle(pilot)
        assert time.perf_counter() - started < 10  # generous: it must not hang
        assert app.screen.query_one(MessageLine).text.startswith("✗ no products matching")


@async_test
async def test_paste_of_several_lines_keeps_the_first(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "cashier")
        await open_products(pilot)
        field = app.screen.query_one("#search", Input)
        field.post_message(events.Paste("AC-USBC1\r\n"))  # a scanner's suffix: not a cut
        await pilot.pause()
        assert field.value == "AC-USBC1"
        assert app.screen.query_one(MessageLine).kind != "note"
        field.clear()
        field.post_message(events.Paste("PH-AUR15\nPH-NOVA7\n"))
        await pilot.pause()
        assert field.value == "PH-AUR15"
        assert app.screen.query_one(MessageLine).text == (
            "› only the first line of the pasted text was kept"
        )
