"""The sale reads at both sizes (issue 14, item 10): change due stays on screen until the next
sale; serial entry says what it did; a serial-format refusal is said in words and whole; the
line the payment gate moves to is on screen; leaving an unfinished sale asks to park or void.
Every check reads what the person sees (the screen's text), not only internal state."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Input
from tui_helpers import SIZES, MakeApp, async_test, log_in, sale_with_line, screen_text, settle

from serialpos.db.engine import Database
from serialpos.services import orders
from serialpos.tui.app import SerialposApp
from serialpos.tui.screens.home import HomeScreen
from serialpos.tui.screens.login import LoginScreen
from serialpos.tui.screens.sale import SaleScreen
from serialpos.tui.screens.sale_dialogs.leave_sale import LeaveSale
from serialpos.tui.screens.sale_dialogs.serial_entry import SerialEntry
from serialpos.tui.screens.sale_dialogs.tender import Tender
from serialpos.tui.widgets.message_line import MessageLine
from serialpos.tui.widgets.sale_lines import SaleLines

LAPTOP = "ZB24000101"  # a demo LT-ZEN14 in stock at S01


def squeezed(text: str) -> str:
    """Text with all white space and a dialog's side borders gone: a sentence wrapped over
    rows, inside a box or not, still reads as one."""
    return "".join(text.translate(str.maketrans("", "", "│▊▎")).split())


def on_screen(app: SerialposApp, sentence: str) -> bool:
    """The whole sentence is on the terminal (wrapped or not)."""
    return squeezed(sentence) in squeezed(screen_text(app))


async def _sale(pilot: Pilot[object]) -> SaleScreen:
    await log_in(pilot, "cashier")
    await pilot.press("3")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, SaleScreen)
    return screen


async def _enter(pilot: Pilot[object], text: str, field: str = "#scan") -> None:
    widget = pilot.app.screen.query_one(field, Input)
    widget.focus()
    widget.value = text
    await pilot.press("enter")
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_change_due_stays_on_screen_until_the_next_sale(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await sale_with_line(pilot)  # AC-USBC1, 15.59
        await pilot.press("ctrl+y")
        await settle(pilot)
        assert isinstance(app.screen, Tender)
        await _enter(pilot, "20", "#tender-amount")
        assert app.screen is sale
        assert "CHANGE DUE 4.41" in screen_text(app)
        await _enter(pilot, "")  # the next thing said overwrites the message line...
        assert sale.query_one(MessageLine).kind == "error"
        assert "change 4.41" not in sale.query_one(MessageLine).text
        assert "CHANGE DUE 4.41" in screen_text(app)  # ...not the change
        await _enter(pilot, "AC-CASE15")  # the next sale starts
        assert sale.view is not None and sale.view.order == "S01-000002"
        assert "CHANGE DUE" not in screen_text(app)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_serial_entry_says_what_it_did_and_the_format_in_words(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await _sale(pilot)
        await _enter(pilot, "LT-ZEN14")
        assert isinstance(app.screen, SerialEntry)
        await pilot.press(*"ZB123", "enter")
        await settle(pilot)
        refusal = (
            "✗ serial 'ZB123' is not valid for LT-ZEN14: the format is 8 digits after ZB "
            "(example: ZB12345678)"
        )
        assert app.screen.query_one("#serial-message", MessageLine).text == refusal
        assert on_screen(app, refusal), screen_text(app)  # whole, at 40x16 too
        assert "[0-9]" not in screen_text(app) and "{8}" not in screen_text(app)
        await pilot.press(*LAPTOP, "enter")
        await settle(pilot)
        assert app.screen is sale
        message = sale.query_one(MessageLine)
        assert message.text == f"✓ serial {LAPTOP} recorded on line 1"
        assert on_screen(app, message.text)

        sale.query_one(SaleLines).focus()
        await pilot.press("s")  # the line's serial again: Escape keeps it
        await settle(pilot)
        assert isinstance(app.screen, SerialEntry)
        await pilot.press("escape")
        await settle(pilot)
        assert message.text == f"› line 1: serial {LAPTOP} kept, nothing changed"
        assert on_screen(app, message.text)
        assert sale.view is not None and sale.view.lines[0].serial == LAPTOP

        sale.query_one(SaleLines).focus()
        await pilot.press("s")  # Enter on the empty field removes it, and says so
        await settle(pilot)
        assert isinstance(app.screen, SerialEntry)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is sale
        assert message.text == "✓ line 1: serial removed; it is needed before payment"
        assert on_screen(app, message.text)
        assert sale.view is not None and sale.view.lines[0].serial is None
        assert "S/N needed" in screen_text(app)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_the_line_the_payment_gate_moves_to_is_on_screen(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await _sale(pilot)
        for sku in ("AC-USBC1", "AC-CASE15", "AC-CHG65"):
            await _enter(pilot, sku)
        await _enter(pilot, "PH-NOVA7")
        assert isinstance(app.screen, SerialEntry)
        await pilot.press("escape")  # the phone's serial left missing
        await settle(pilot)
        await _enter(pilot, "3520")  # offered to the waiting phone: not an IMEI
        refusal = "✗ serial '3520' is not valid for PH-NOVA7: an IMEI has 15 digits, this has 4"
        assert sale.query_one(MessageLine).text == refusal
        assert on_screen(app, refusal), screen_text(app)
        lines = sale.query_one(SaleLines)
        lines.focus()
        await pilot.press("up", "up", "up", "up")  # the cursor on line 1, the top
        await settle(pilot)
        await pilot.press("escape")  # back to the field: the footer changes
        await settle(pilot)
        await pilot.press("ctrl+y")  # pay: refused, the cursor goes to line 4
        await settle(pilot)
        message = sale.query_one(MessageLine).text
        assert message == "✗ serial needed before payment on line 4"
        assert on_screen(app, message)
        assert lines.current is not None and lines.current.number == 4
        rows = [row for row in screen_text(app).splitlines() if "PH-NOVA7" in row]
        assert len(rows) == 1, screen_text(app)  # the line the gate moved to, on screen
        assert rows[0].split()[0] == "4" and "S/N needed" in rows[0], rows[0]


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_leaving_an_unfinished_sale_asks_to_park_or_void(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await _sale(pilot)
        await pilot.press("escape")  # no lines: nothing to ask
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        sale = await _sale_again(pilot)
        await _enter(pilot, "AC-USBC1")
        order = sale.view.order if sale.view else ""
        await pilot.press("escape")  # going home with a line on the sale
        await settle(pilot)
        assert isinstance(app.screen, LeaveSale)
        assert on_screen(app, f"{order} is not finished (1 line;")
        assert on_screen(app, "Park it or void it?")
        await pilot.press("escape")  # stay: nothing changes
        await settle(pilot)
        assert app.screen is sale
        assert sale.query_one(MessageLine).text == f"› {order} still open: nothing changed"
        assert orders.get_order(demo_db, order).status.value == "open"
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("v")  # void it, then home
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert orders.get_order(demo_db, order).status.value == "voided"

        sale = await _sale_again(pilot)
        await _enter(pilot, "AC-CASE15")
        second = sale.view.order if sale.view else ""
        await pilot.press("ctrl+o")  # logging out with a line on the sale
        await settle(pilot)
        assert isinstance(app.screen, LeaveSale)
        assert on_screen(app, f"{second} is not finished")
        await pilot.press("p")  # park it, then log out
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert orders.get_order(demo_db, second).status.value == "parked"


async def _sale_again(pilot: Pilot[object]) -> SaleScreen:
    await pilot.press("3")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, SaleScreen)
    return screen
