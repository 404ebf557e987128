"""A scan arriving while a yes/no dialog is open answers nothing (80x24 and 40x16): the void,
refund and ASN-complete questions stay open, name the scan with the bell, record nothing;
the screen behind keeps the refusal; a person's Enter still answers Yes."""

from __future__ import annotations

import pytest
from scan_bursts import scanner_types
from textual.pilot import Pilot
from textual.widgets import Static
from tui_helpers import (
    PERSON,
    SCANNER,
    SIZES,
    KeyClock,
    MakeApp,
    async_test,
    bells,
    device_scan,
    sale_with_line,
    settle,
    terminal_keys,
)

from serialpos.db.engine import Database
from serialpos.services.asn import asn_detail
from serialpos.services.orders.reading import get_order
from serialpos.tui.screens.checklist import ChecklistScreen
from serialpos.tui.screens.complete_receipt import CompleteDialog
from serialpos.tui.screens.sale import SaleScreen
from serialpos.tui.screens.serial_mode import Confirm
from serialpos.tui.widgets.message_line import MessageLine

from test_receiving_screen import enter, import_asn, open_asn  # isort: skip
from test_returns_screen import (  # isort: skip
    LAPTOPS,
    find,
    open_returns,
    sell_three_laptops,
    state_of,
)


async def void_question(pilot: Pilot[object]) -> tuple[SaleScreen, str, Confirm]:
    """A sale with one line, F7 pressed: the void question open over it."""
    sale = await sale_with_line(pilot)
    assert sale.view is not None
    await pilot.press("f7")  # void
    await settle(pilot)
    dialog = pilot.app.screen
    assert isinstance(dialog, Confirm)
    return sale, sale.view.order, dialog


def refusal_shown(dialog: Confirm | CompleteDialog) -> str:
    return str(dialog.query_one("#answer-refused", Static).render())


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_scan_in_the_void_question_voids_nothing(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = KeyClock(PERSON)
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        sale, order, dialog = await void_question(pilot)
        rung = bells(app, monkeypatch)
        await scanner_types(pilot, clock, "356938030000021\r", "burst")
        assert app.screen is dialog, "the scan's Enter answered the void question"
        assert dialog.refused == ["356938030000021"]
        assert "scan '356938030000021' is not an answer" in refusal_shown(dialog)
        assert rung
        assert get_order(demo_db, order).status.value == "open"
        clock.now += 2  # a person, having read it, presses Enter: Yes
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is sale
        assert get_order(demo_db, order).status.value == "voided"


@async_test
async def test_a_console_too_busy_to_read_keys_does_not_cut_a_scan_beginning_with_y(
    make_app: MakeApp, demo_db: Database
) -> None:
    """The keys of a scan came 60 ms apart on the key clock, but the console got round to
    the second one only after more than the key gap on the wall clock (a loaded till). The
    held ``y`` waited on the wall clock alone: it answered Yes and voided the sale, and the
    rest of the scan went to the screen behind. Now the wait is judged on the key clock: the
    scan is one refused scan and the sale stays open."""
    clock = KeyClock(PERSON)
    app = make_app(key_clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        _sale, order, dialog = await void_question(pilot)
        clock.now += PERSON
        clock.step = SCANNER
        clock.sending = True
        clock.send(app, terminal_keys("y")[0])
        await pilot.pause(dialog.gate.window * 2)  # the console busy past the gap
        assert app.screen is dialog, "the held y answered the question during the stall"
        clock.now += 0.06
        for event in terminal_keys("5012345\r"):
            clock.send(app, event)
        clock.sending = False
        await settle(pilot)
        clock.step = PERSON
        assert app.screen is dialog
        assert dialog.refused == ["y5012345"]
        assert get_order(demo_db, order).status.value == "open"


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_scan_in_the_refund_question_refunds_nothing(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    sell_three_laptops(demo_db)
    clock = KeyClock(PERSON)
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        screen = await open_returns(pilot)
        await find(pilot, screen, LAPTOPS[1])
        await pilot.press("ctrl+y")  # F9: refund
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, Confirm)
        await scanner_types(pilot, clock, "ZB24000104\r", "burst")
        assert app.screen is dialog, "the scan's Enter answered the refund question"
        assert dialog.refused == ["ZB24000104"]
        assert "scan 'ZB24000104' is not an answer" in refusal_shown(dialog)
        assert "scan 'ZB24000104' is not an answer" in screen.query_one(MessageLine).text
        await device_scan(pilot, "ZB24000103")  # a serial scanner's scan: refused alike
        assert app.screen is dialog
        assert dialog.refused == ["ZB24000104", "ZB24000103"]
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
    assert [state_of(demo_db, serial) for serial in LAPTOPS] == ["sold"] * 3


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_scan_in_the_asn_complete_question_receives_nothing(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    import_asn(demo_db)
    clock = KeyClock(PERSON)
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        screen = await open_asn(pilot, app)
        assert isinstance(screen, ChecklistScreen)
        await enter(pilot, screen, "ZB24100001")
        await pilot.press("ctrl+f")  # F10: complete
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, CompleteDialog)
        # Two scans in one burst, the second with a y in it: neither answers.
        await scanner_types(pilot, clock, "ZB24100002\ry5012345\r", "jitter")
        assert app.screen is dialog, "a scan's Enter completed the ASN"
        assert dialog.refused == ["ZB24100002", "y5012345"]
        clock.now += 2  # a person, having read it
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is screen
        kept = [k.message for k in screen.kept]
        assert any("'ZB24100002' is not an answer" in k for k in kept), kept
        assert any("'y5012345' is not an answer" in k for k in kept), kept
    detail = asn_detail(demo_db, "ASN-T1")
    assert detail.status == "open", detail.status


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_scan_beginning_with_v_on_leaving_a_sale_voids_nothing(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Leaving a sale asks park (p) or void (v): a scanned serial beginning with ``v`` voided
    the sale by its first character. Now the scan is refused in the menu, which stays open;
    a person's ``p`` parks it one key gap later."""
    from serialpos.tui.screens.sale_dialogs.leave_sale import LeaveSale

    clock = KeyClock(PERSON)
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        sale = await sale_with_line(pilot)
        assert sale.view is not None
        order = sale.view.order
        await pilot.press("escape")  # going home with a line on the sale
        await settle(pilot)
        menu = app.screen
        assert isinstance(menu, LeaveSale)
        rung = bells(app, monkeypatch)
        await scanner_types(pilot, clock, "v5530\r", "burst")
        assert app.screen is menu, "the scan's first character voided the sale"
        assert menu.refused == ["v5530"]
        assert "scan 'v5530' is not an answer" in str(
            menu.query_one("#answer-refused", Static).render()
        )
        assert rung
        assert get_order(demo_db, order).status.value == "open"
        clock.now += 2  # a person, having read it, presses p: park
        await pilot.press("p")
        await settle(pilot)
        assert get_order(demo_db, order).status.value == "parked"
