"""The serial card's warranty and timeline, and picking from prefix matches, at 80x24 and 40x16,
on units sold through the orders service."""

from __future__ import annotations

from datetime import date

import pytest
from textual.widgets import DataTable, Input, Static
from tui_helpers import SIZES, MakeApp, async_test, bells, log_in, screen_text, settle

from serialpos.db.engine import Database
from serialpos.domain.warranty import add_months
from serialpos.services import users
from serialpos.services.orders.checkout import fulfil
from serialpos.services.orders.header import open_order, set_customer
from serialpos.services.orders.lines import add_item
from serialpos.services.orders.reading import get_order
from serialpos.services.orders.serials import set_serial
from serialpos.services.orders.views import Customer
from serialpos.services.product_import import import_products_text
from serialpos.tui.app import SerialposApp
from serialpos.tui.screens.lookup import LookupScreen
from serialpos.tui.widgets.message_line import MessageLine

AURORA_1, AURORA_2 = "356938030000013", "356938030000021"  # demo IMEIs, in stock at S01


def sell_aurora(db: Database, serial: str) -> str:
    """Give the Aurora a 24-month warranty (a product feed update) and sell ``serial``."""
    admin = users.actor_for(db, "admin", "till-1")
    import_products_text(
        db,
        admin,
        "SKU,Name,Price,Serial Number Option,WarrantyMonths\n"
        "PH-AUR15,Aurora X15 smartphone 128GB,899.00,Required,24\n",
    )
    order = open_order(db, admin, "S01").order
    set_customer(db, admin, order, Customer("Ann Buyer", "555-0101", None))
    add_item(db, admin, order, sku="PH-AUR15")
    set_serial(db, admin, order, get_order(db, order).lines[0].line, serial)
    return fulfil(db, admin, order, settle_in="cash").invoice


def text_of(app: SerialposApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_card_shows_warranty_and_timeline(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    invoice = sell_aurora(demo_db, AURORA_1)
    ends = add_months(date.today(), 24)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "cashier")
        await pilot.press("f2", *AURORA_1, "enter")
        await settle(pilot)
        summary = text_of(app, "#units")
        assert "SOLD at S01" in summary
        assert (
            f"in warranty until {ends.isoformat()} ({(ends - date.today()).days} days left)"
            in summary
        )
        assert f"invoice {invoice}" in summary
        assert f"invoice {invoice}, customer Ann Buyer" in summary  # who bought it (issue 14)
        timeline = text_of(app, "#timeline")
        assert "received into stock at S01" in timeline
        assert "put on a customer order at S01 (reserved)" in timeline
        assert "sold at S01" in timeline
        assert "receipt DEMO-OPENING" in timeline and "stockroom" in timeline
        shown = screen_text(app)
        # The warranty is on screen at both sizes (it comes before the sale's line), and so
        # is the start of the timeline.
        assert f"in warranty until {ends.isoformat()}" in shown
        assert "received into stock" in shown
        assert app.screen.query_one("#timeline-box").display
        assert not app.screen.query_one("#history").display

        await pilot.press("f4")  # the ledger's own events
        await pilot.pause()
        assert app.screen.query_one("#history").display
        assert not app.screen.query_one("#timeline-box").display
        history: DataTable[object] = app.screen.query_one("#history", DataTable)
        assert [str(history.get_row_at(r)[1]) for r in range(history.row_count)] == [
            "receive",
            "reserve",
            "sell",
        ]
        assert "reserve" in screen_text(app)
        await pilot.press("f4")
        await pilot.pause()
        assert app.screen.query_one("#timeline-box").display


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_partial_serial_lists_matches_to_pick_from(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    invoice = sell_aurora(demo_db, AURORA_1)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "cashier")
        await pilot.press("f2", *"35693803000", "enter")
        await settle(pilot)
        grid: DataTable[object] = app.screen.query_one("#matches", DataTable)
        assert grid.display and grid.has_focus
        rows = [[str(c) for c in grid.get_row_at(r)] for r in range(grid.row_count)]
        assert len(rows) == 12  # 8 Aurora and 4 Nova units start with it
        assert [str(c.label) for c in grid.ordered_columns] == [
            "Serial",
            "SKU",
            "State",
            "Store",
            "Sold",
            "Invoice",
            "Customer",
            "Product",
        ]
        assert rows[0][:4] == [AURORA_1, "PH-AUR15", "sold", "S01"]
        assert rows[0][4] == date.today().isoformat()
        assert rows[0][5:7] == [invoice, "Ann Buyer"]
        assert rows[1][:4] == [AURORA_2, "PH-AUR15", "in stock", "S01"]
        assert app.screen.query_one(MessageLine).text == (
            "✗ no unit has the serial '35693803000'; 12 start with it: Enter opens the one chosen"
        )
        assert AURORA_2 in screen_text(app)

        await pilot.press("down", "enter")  # open the second
        await settle(pilot)
        assert not grid.display
        assert "IN STOCK at S01" in text_of(app, "#units")
        assert "not sold (warranty starts at sale)" in text_of(app, "#units")
        assert app.screen.query_one(MessageLine).text == f"✓ {AURORA_2}: 1 unit, 1 event"
        assert app.screen.query_one("#serial", Input).has_focus

        await pilot.press("escape")  # back to the list, on the row picked
        await pilot.pause()
        assert grid.display and grid.cursor_row == 1
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, LookupScreen)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_serial_resolves_only_exactly_and_f3_lists_even_an_exact_serial(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    """A scan cut short (``35693803000002``, one digit lost) opened the card of the only unit
    starting with it, as if it were the unit in hand: now that unit is offered in a list of
    one, with the bell, and only a deliberate Enter opens it."""
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "stockroom")
        rung = bells(app, monkeypatch)
        await pilot.press("f2", *AURORA_2[:-1], "enter")
        await settle(pilot)
        grid: DataTable[object] = app.screen.query_one("#matches", DataTable)
        assert grid.display and grid.row_count == 1 and grid.has_focus
        assert not app.screen.query_one("#units-box").display  # no card: nothing resolved
        assert rung == [1]
        assert app.screen.query_one(MessageLine).text == (
            "✗ no unit has the serial '35693803000002'; 1 starts with it: Enter opens the one "
            "chosen"
        )
        await pilot.press("enter")  # the person's choice
        await settle(pilot)
        assert not grid.display
        assert app.screen.query_one(MessageLine).text == f"✓ {AURORA_2}: 1 unit, 1 event"
        await pilot.press(*AURORA_2, "enter")  # the whole serial: its card at once
        await settle(pilot)
        assert not grid.display and rung == [1]
        assert app.screen.query_one(MessageLine).text == f"✓ {AURORA_2}: 1 unit, 1 event"

        await pilot.press("f3")  # the field is empty: the last text typed, as a prefix
        await settle(pilot)
        grid = app.screen.query_one("#matches", DataTable)
        assert grid.display and grid.row_count == 1
        assert app.screen.query_one(MessageLine).text == f"✓ 1 unit starts with {AURORA_2}"

        await pilot.press("escape", "f2")
        await settle(pilot)
        await pilot.press(*"3569380300010", "f3")
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)
        grid = app.screen.query_one("#matches", DataTable)  # a new lookup screen
        assert grid.display and grid.row_count == 4


@async_test
async def test_nothing_matches_and_f3_without_text(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "cashier")
        await pilot.press("f2", "f3")
        await pilot.pause()
        assert app.screen.query_one(MessageLine).text == ("✗ type the start of a serial, then F3")
        await pilot.press(*"35693803X", "enter")
        await settle(pilot)
        assert app.screen.query_one(MessageLine).text == ("✗ no unit has the serial '35693803X'")
        assert not app.screen.query_one("#matches").display
        await pilot.press(*"35693803X", "f3")
        await settle(pilot)
        assert app.screen.query_one(MessageLine).text == (
            "✗ no serial starts with '35693803X' (serials are case-sensitive)"
        )
