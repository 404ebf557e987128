"""A scan whose first character is a line key, on a sale's or a return's lines (80x24 and
40x16): the whole scan is a scan, never a key and the rest. ``s901`` on the sale's lines
opened the serial dialog of line 1 and sold unit ``901`` instead of ``s901``; on a return's
lines ``d4471`` marked the phone damaged and left ``4471`` in the field, and a second scan's
Enter was dropped (the serial sat in the field, the next scan glued onto it). The keys come as
a scanner sends them: one burst, a burst in pieces, and the first key alone before the rest.
A person's line key, pressed alone, still acts."""

from __future__ import annotations

import pytest
from scan_bursts import FIRST_KEY_ARRIVALS, scanner_types
from textual.widgets import Input
from tui_helpers import SIZES, KeyClock, MakeApp, async_test, screen_text, settle

from serialpos.db.engine import Database
from serialpos.domain.users import Role
from serialpos.services.apply.dispatch import apply_object
from serialpos.services.context import Actor
from serialpos.tui.screens.sale_dialogs.serial_entry import SerialEntry
from serialpos.tui.screens.serial_mode import Confirm

from test_returns_screen import open_returns, state_of  # isort: skip
from test_sale import open_sale  # isort: skip

PHONES = ["356938030000013", "356938030000021"]  # PH-AUR15 units in stock at S01
BIKES = ["s900", "s901", "901", "d4471"]  # BK-CITY7 serials that begin with line keys


def receive_bikes(db: Database) -> None:
    admin = Actor("admin", Role.ADMIN, "T1")
    done = apply_object(
        db, admin, {"op": "receive", "store": "S01", "sku": "BK-CITY7", "serials": BIKES}
    )
    assert done["ok"], done


def sell(db: Database, *units: tuple[str, str]) -> str:
    """One fulfilled sale of ``(sku, serial)`` units; its order number."""
    from serialpos.services.orders.checkout import fulfil
    from serialpos.services.orders.header import open_order
    from serialpos.services.orders.lines import add_item

    actor = Actor("cashier", Role.CASHIER, "T1")
    order = open_order(db, actor, "S01").order
    for sku, serial in units:
        add_item(db, actor, order, sku=sku, serial=serial)
    fulfil(db, actor, order, settle_in="card")
    return order


@pytest.mark.parametrize("arrival", FIRST_KEY_ARRIVALS)
@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_sale_scan_beginning_with_s_on_the_lines_is_that_serial(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], arrival: str
) -> None:
    receive_bikes(demo_db)
    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        await scanner_types(pilot, clock, "s900\r", arrival)
        await pilot.press("up")
        await settle(pilot)
        assert sale.lines.has_focus
        await scanner_types(pilot, clock, "s901\r", arrival)
        assert app.screen is sale, app.screen  # no serial dialog
        assert sale.view is not None
        assert [(ln.sku, ln.serial) for ln in sale.view.lines] == [
            ("BK-CITY7", "s900"),
            ("BK-CITY7", "s901"),
        ], sale.message_line.text
        assert sale.query_one("#scan", Input).value == ""
        assert state_of(demo_db, "901") == "in_stock"
        # A cashier's own S on a line, pressed alone, still opens its serial entry.
        await pilot.press("up", "s")
        await settle(pilot)
        assert isinstance(app.screen, SerialEntry)


@pytest.mark.parametrize("arrival", FIRST_KEY_ARRIVALS)
@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_each_serial_scanned_on_a_returns_lines_chooses_its_line(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], arrival: str
) -> None:
    sell(demo_db, *(("PH-AUR15", phone) for phone in PHONES))
    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        screen = await open_returns(pilot)
        await scanner_types(pilot, clock, f"{PHONES[0]}\r", arrival)
        assert screen.lines.has_focus  # the sale found: its lines
        await pilot.pause(0.3)  # the clerk looks before the next unit
        await scanner_types(pilot, clock, f"{PHONES[1]}\r", arrival)
        assert screen.query_one("#find", Input).value == ""
        assert len(screen.lines.marked) == 2, screen.message_line.text
        assert screen.message_line.text.startswith("✓ line 2 chosen"), screen.message_line.text
        # A clerk's own d, pressed alone on the line under the cursor, still marks it damaged.
        await pilot.press("up", "d")
        await settle(pilot)
        assert len(screen.lines.damaged) == 1
        await pilot.press("d")
        await settle(pilot)
        assert not screen.lines.damaged
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        assert "for 2 lines" in app.screen.question, app.screen.question
        await pilot.press("y")
        await settle(pilot)
    assert [state_of(demo_db, phone) for phone in PHONES] == ["in_stock", "in_stock"]


@pytest.mark.parametrize("arrival", FIRST_KEY_ARRIVALS)
@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_return_scan_beginning_with_d_chooses_that_unit_and_damages_none(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], arrival: str
) -> None:
    receive_bikes(demo_db)
    sell(demo_db, ("PH-AUR15", PHONES[0]), ("BK-CITY7", "d4471"))
    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        screen = await open_returns(pilot)
        await scanner_types(pilot, clock, f"{PHONES[0]}\r", arrival)
        await scanner_types(pilot, clock, "d4471\r", arrival)
        assert not screen.lines.damaged, screen.message_line.text
        assert len(screen.lines.marked) == 2, screen.message_line.text
        assert screen.query_one("#find", Input).value == ""
        await pilot.press("f9")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        assert "damaged" not in app.screen.question, app.screen.question
        await pilot.press("y")
        await settle(pilot)
    assert [state_of(demo_db, s) for s in (PHONES[0], "d4471")] == ["in_stock", "in_stock"]


@pytest.mark.parametrize("arrival", FIRST_KEY_ARRIVALS)
@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_shift_s_on_a_sale_line_is_the_footers_s_and_a_scan_of_s_is_a_scan(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], arrival: str
) -> None:
    """The footer says "S Serial"; Shift+S typed "S" into the scan field. Now S in either
    case opens the line's serial entry, through the same gate: a scan beginning with "S"
    (``S902``) is still that serial, whole."""
    done = apply_object(
        demo_db,
        Actor("admin", Role.ADMIN, "T1"),
        {"op": "receive", "store": "S01", "sku": "BK-CITY7", "serials": ["S902"]},
    )
    assert done["ok"], done
    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        await scanner_types(pilot, clock, "AC-USBC1\r", arrival)
        await pilot.press("up")
        await settle(pilot)
        assert sale.lines.has_focus
        assert "S Serial" in screen_text(app) or size[0] < 80  # the counter's footer
        await scanner_types(pilot, clock, "S902\r", arrival)
        assert app.screen is sale, app.screen  # no serial dialog
        assert sale.view is not None
        assert [(ln.sku, ln.serial) for ln in sale.view.lines][-1] == ("BK-CITY7", "S902")
        assert sale.query_one("#scan", Input).value == ""
        await pilot.press("up", "S")  # Shift+S, pressed alone by the cashier
        await settle(pilot)
        assert isinstance(app.screen, SerialEntry), sale.query_one("#scan", Input).value


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_shift_d_on_a_return_line_marks_it_damaged(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    """The returns footer says "D Damaged": Shift+D acts as d does."""
    sell(demo_db, ("PH-AUR15", PHONES[0]))
    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        screen = await open_returns(pilot)
        await scanner_types(pilot, clock, f"{PHONES[0]}\r", "burst")
        assert screen.lines.has_focus
        await pilot.press("D")
        await settle(pilot)
        assert len(screen.lines.damaged) == 1, screen.query_one("#find", Input).value
