"""Serial lookup: one key away, the unit's state, store, product and history; several units;
not found; and a serial full of control characters shown literally."""

from __future__ import annotations

from decimal import Decimal

import pytest
from textual import events
from textual.widgets import DataTable, Input, Static
from tui_helpers import COUNTER, HANDHELD, MakeApp, async_test, log_in, screen_text, settle

from serialpos.db.engine import Database
from serialpos.domain.events import DocumentRef
from serialpos.domain.states import Action
from serialpos.services import ledger, products, users
from serialpos.tui.screens.lookup import LookupScreen
from serialpos.tui.widgets.message_line import MessageLine

AURORA_1 = "356938030000013"  # the first demo IMEI: received at S01


def table_rows(table: DataTable[object]) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(row)] for row in range(table.row_count)]


@pytest.mark.parametrize(("size", "key"), [(COUNTER, "f2"), (HANDHELD, "ctrl+l")])
@async_test
async def test_lookup_shows_state_store_product_and_history(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], key: str
) -> None:
    manager = users.actor_for(demo_db, "manager", "till-1")
    ledger.move(
        demo_db,
        manager,
        Action.SELL,
        store="S01",
        sku="PH-AUR15",
        serials=[AURORA_1],
        document=DocumentRef("sale", "INV-1001", "1"),
    )
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "cashier")
        await pilot.press(key)
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)
        assert app.screen.query_one("#serial", Input).has_focus
        await pilot.press(*AURORA_1, "enter")
        await settle(pilot)

        summary = str(app.screen.query_one("#units", Static).render())
        assert "SOLD at S01" in summary
        assert "PH-AUR15 Aurora X15 smartphone 128GB" in summary
        table: DataTable[object] = app.screen.query_one("#history", DataTable)
        assert [str(c.label) for c in table.ordered_columns] == [
            "When",
            "Action",
            "Store",
            "From → To",
            "User",
            "Document",
            "Reason",
        ]
        rows = table_rows(table)
        assert [r[1:5] for r in rows] == [
            ["receive", "S01", "— → in stock", "stockroom"],
            ["sell", "S01", "in stock → sold", "manager"],
        ]
        assert rows[0][5] == "receipt DEMO-OPENING"
        assert rows[1][5] == "sale INV-1001 line 1"
        assert app.screen.query_one(MessageLine).text == f"✓ {AURORA_1}: 1 unit, 2 events"
        # The field is empty again, ready for the next scan.
        assert app.screen.query_one("#serial", Input).value == ""
        assert "SOLD at S01" in screen_text(app)


@async_test
async def test_several_units_with_one_serial_are_all_listed(
    make_app: MakeApp, demo_db: Database
) -> None:
    admin = users.actor_for(demo_db, "admin", "t")
    for sku in ("X-ONE", "X-TWO"):
        products.create_product(
            demo_db,
            admin,
            sku=sku,
            name=f"Product {sku}",
            price=Decimal("1.00"),
            serial_mode="required",
        )
        # Two makers' SHARED-1, both live: only with a manager's word (issue 10).
        ledger.move(
            demo_db,
            admin,
            Action.RECEIVE,
            store="S02",
            sku=sku,
            serials=["SHARED-1"],
            shared_by=admin if sku == "X-TWO" else None,
        )
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "stockroom")
        await pilot.press("f2", *"SHARED-1", "enter")
        await settle(pilot)
        summary = str(app.screen.query_one("#units", Static).render())
        assert "#1 IN STOCK at S02 · X-ONE Product X-ONE" in summary
        assert "#2 IN STOCK at S02 · X-TWO Product X-TWO" in summary
        table: DataTable[object] = app.screen.query_one("#history", DataTable)
        assert str(table.ordered_columns[0].label) == "#"
        assert [row[0] for row in table_rows(table)] == ["1", "2"]
        assert "2 units, 2 events" in app.screen.query_one(MessageLine).text


@async_test
async def test_unknown_serial_is_said_plainly(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        await log_in(pilot, "cashier")
        await pilot.press("ctrl+l", *"NOPE-42", "enter")
        await settle(pilot)
        message = app.screen.query_one(MessageLine)
        assert message.text == "✗ no unit has the serial 'NOPE-42'"
        assert not app.screen.query_one("#history", DataTable).display


@async_test
async def test_control_character_serial_is_shown_literally(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "cashier")
        await pilot.press("f2")
        await settle(pilot)
        field = app.screen.query_one("#serial", Input)
        field.post_message(events.Paste("\x1b[2J\x07SN"))
        await pilot.pause()
        assert field.value == "\\x1b[2J\\x07SN"
        assert "control characters" in app.screen.query_one(MessageLine).text
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query_one(MessageLine).text == (
            "✗ no unit has the serial '\\x1b[2J\\x07SN'"
        )
        text = screen_text(app)
        assert "\x1b" not in text and "\x07" not in text
        assert "\\x1b[2J" in text


@async_test
async def test_lookup_is_one_key_away_from_a_dialog_too(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("down", "m")  # the serial-mode dialog is open
        await pilot.pause()
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, LookupScreen)


@pytest.mark.parametrize("size", [COUNTER, HANDHELD])
@async_test
async def test_a_product_barcode_is_named_as_such(make_app: MakeApp, size: tuple[int, int]) -> None:
    """Through the scan resolver: a product's barcode names its product (it was "that is a
    product barcode (GTIN ...)"); digits no product carries are looked up as a serial."""
    from serialpos.domain.decoder import decode
    from serialpos.tui.messages import ScanRead

    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "cashier")
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, LookupScreen)
        app.post_message(ScanRead("5012345000015", "test", decode("5012345000015")))
        await settle(pilot)
        message = app.screen.query_one(MessageLine)
        assert message.text == (
            "✗ '5012345000015' is the barcode of PH-AUR15, not a serial: scan the serial label"
        )
        await pilot.press(*"5012345000015", "enter")  # typed: the same answer
        await settle(pilot)
        assert message.text.startswith("✗ '5012345000015' is the barcode of PH-AUR15")
        await pilot.press(*"05099999000011", "enter")  # no product's: looked up as a serial
        await settle(pilot)
        assert message.text == (
            "✗ no unit has the serial '05099999000011' (it reads as a "
            "product barcode, GTIN 05099999000011: scan the serial)"
        )
