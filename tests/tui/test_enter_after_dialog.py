"""An Enter pressed again just after a dialog closed by Enter is not taken by the screen beneath
(tui/enter_after_close.py): an impatient cashier's second Enter, a bouncing key or a scanner's
CR LF opened a serial entry on the Fulfilment report under its export dialog, and rang "scan
or type a barcode" on the sale under a dialog. A scan made right after the dialog (its
characters, then Enter) is still taken, and so is an Enter a person presses once the moment
has passed."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_fulfilment_screen import open_fulfilment, waiting_orders
from textual import events
from textual.pilot import Pilot
from tui_helpers import SCANNER, SIZES, KeyClock, MakeApp, async_test, settle, terminal_keys

from serialpos.db.engine import Database
from serialpos.services.orders.reading import get_order
from serialpos.tui.enter_after_close import EnterAfterClose
from serialpos.tui.held_keys import OnceEachKey
from serialpos.tui.screens.fulfilment import FulfilmentScreen
from serialpos.tui.screens.sale import SaleScreen
from serialpos.tui.screens.sale_dialogs.discount import DiscountDialog
from serialpos.tui.screens.sale_dialogs.serial_entry import SerialEntry
from serialpos.tui.widgets.message_line import MessageLine
from serialpos.tui.widgets.report_dialogs import ExportDialog

#: An impatient cashier's second Enter: a fifth of a second after the first.
IMPATIENT = 0.2


async def export_closed_by_enter(pilot: Pilot[object], clock: KeyClock) -> FulfilmentScreen:
    """The Fulfilment report's export dialog opened and closed by a first Enter."""
    screen = await open_fulfilment(pilot)
    await pilot.press("f5")
    await settle(pilot)
    assert isinstance(pilot.app.screen, ExportDialog)
    clock.step = IMPATIENT
    clock.send(pilot.app, events.Key("enter", "\r"))
    await settle(pilot)
    assert pilot.app.screen is screen, type(pilot.app.screen).__name__
    return screen


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_second_enter_after_the_export_dialog_opens_nothing(
    make_app: MakeApp, demo_db: Database, outbox_folder: Path, size: tuple[int, int]
) -> None:
    waiting_orders(demo_db)
    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        screen = await export_closed_by_enter(pilot, clock)
        clock.send(app, events.Key("enter", "\r"))
        await settle(pilot)
        await pilot.pause(0.2)
        await settle(pilot)
        assert app.screen is screen, type(app.screen).__name__
        [written] = outbox_folder.iterdir()
        said = screen.query_one(MessageLine).text
        assert said == f"✓ 5 rows written to {written}", said  # the export's answer stays


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_an_enter_a_moment_after_the_dialog_is_taken(
    make_app: MakeApp, demo_db: Database, outbox_folder: Path, size: tuple[int, int]
) -> None:
    """A person's Enter once the moment has passed does what Enter does there."""
    waiting_orders(demo_db)
    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        await export_closed_by_enter(pilot, clock)
        clock.step = 2.0
        clock.send(app, events.Key("enter", "\r"))
        await settle(pilot)
        assert isinstance(app.screen, SerialEntry), type(app.screen).__name__


async def discount_closed_by_enter(pilot: Pilot[object], clock: KeyClock) -> SaleScreen:
    """A sale with a charger, its discount dialog filled in and closed by a first Enter."""
    from test_sale import enter, open_sale

    sale = await open_sale(pilot)
    await enter(pilot, "AC-CHG65")
    await pilot.press("f6")
    await settle(pilot)
    await pilot.press("d")
    await settle(pilot)
    assert isinstance(pilot.app.screen, DiscountDialog)
    for value in ("5%", "loyal"):
        await enter(pilot, value, "Input:focus")
    clock.step = IMPATIENT
    clock.send(pilot.app, events.Key("enter", "\r"))  # the manager's name, left empty
    await settle(pilot)
    assert pilot.app.screen is sale, type(pilot.app.screen).__name__
    return sale


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_second_enter_after_a_sale_dialog_rings_nothing(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    from test_sale import message

    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        await discount_closed_by_enter(pilot, clock)
        said = message(app)
        assert "-5%" in said or "was" in said, said
        clock.send(app, events.Key("enter", "\r"))
        await settle(pilot)
        assert message(app) == said  # not "scan or type a barcode…"


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_scan_right_after_a_dialog_is_taken(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    """A scanner's burst (the characters, then Enter) a few milliseconds after the dialog
    closed: its Enter is not a repeat, the item is added."""
    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        sale = await discount_closed_by_enter(pilot, clock)
        assert sale.order_no is not None
        clock.step = SCANNER
        clock.sending = True
        for key in terminal_keys("AC-USBC1\r"):
            clock.send(app, key)
        clock.sending = False
        await settle(pilot)
        skus = [line.sku for line in get_order(demo_db, sale.order_no).lines]
        assert skus == ["AC-CHG65", "AC-USBC1"], skus


def test_only_an_enter_right_after_the_closing_enter_is_dropped() -> None:
    """The rule without a screen: a close by an Enter watches the keys after it."""
    watch = EnterAfterClose(window=0.75)
    watch.closed(10.0)
    assert watch.repeat(10.1) and watch.repeat(10.5)  # a burst: all of it
    assert not watch.repeat(11.0)  # the moment has passed: taken, and the watch ends
    assert not watch.watching
    watch.closed(11.0)
    watch.other_key()  # a scan begins
    assert not watch.watching and not watch.repeat(11.1)
    watch.closed(None)  # closed by Esc (the latest key was not an Enter)
    assert not watch.watching and not watch.repeat(11.2)
    watch.closed(12.0)  # a question opened since: watched half a second
    assert watch.repeat(12.4, follow_up=True) and not watch.repeat(12.6, follow_up=True)


def test_an_enter_right_after_the_enter_that_opened_a_question_is_dropped() -> None:
    """The rule without a screen: a question an Enter opened (no screen closed) is watched
    half a second after that Enter; a letter answers at once."""
    watch = EnterAfterClose(window=0.75, follow_up_window=0.5)
    watch.opened(20.0)
    assert watch.watching and watch.question
    assert watch.repeat(20.002) and watch.repeat(20.4)  # a CR LF's line feed, a bounce
    assert not watch.repeat(20.6)  # a person's quick answer: taken, and the watch ends
    assert not watch.watching and not watch.question
    watch.opened(21.0)
    watch.other_key()  # y or n: answered at once
    assert not watch.watching and not watch.repeat(21.1)
    watch.opened(22.0)
    watch.closed(22.0)  # the question closed by that Enter: the screen beneath, 0.75 s
    assert not watch.question and watch.repeat(22.7)


def test_the_key_clock_is_read_once_for_each_key() -> None:
    clock = KeyClock(step=1.0)
    once = OnceEachKey(clock)
    first, second = events.Key("enter", "\r"), events.Key("a", "a")
    assert (once(first), once(first), once(second), once(first)) == (1001.0, 1001.0, 1002.0, 1001.0)
    assert once.current == clock.current


@async_test
async def test_a_second_enter_does_not_answer_the_question_a_close_opened(
    make_app: MakeApp, demo_db: Database
) -> None:
    """The order menu's "Void this order" picked by Enter opens "Void ...?": a bounced or
    double-pressed Enter a fifth of a second later answered it Yes and voided the sale. It is
    dropped; a person's Enter once the question has been up a moment answers it."""
    from test_sale import enter, open_sale

    from serialpos.tui.screens.sale_dialogs.order_menu import OrderMenu
    from serialpos.tui.screens.serial_mode import Confirm

    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=(80, 24)) as pilot:
        sale = await open_sale(pilot)
        await enter(pilot, "AC-CHG65")
        order = sale.order_no
        assert order is not None
        await pilot.press("f6")
        await settle(pilot)
        assert isinstance(app.screen, OrderMenu)
        for _ in range(6):  # down to "Void this order"
            clock.send(app, events.Key("down", None))
            await settle(pilot)
        clock.step = IMPATIENT
        clock.send(app, events.Key("enter", "\r"))  # Void this order
        await settle(pilot)
        question = app.screen
        assert isinstance(question, Confirm), type(question).__name__
        assert question.question.startswith(f"Void {order}")
        clock.send(app, events.Key("enter", "\r"))  # the same press, bounced
        await settle(pilot)
        assert app.screen is question
        assert get_order(demo_db, order).status == "open"
        clock.step = 0.4  # 0.6 s after the Enter that opened it: a person's quick answer
        clock.send(app, events.Key("enter", "\r"))
        await settle(pilot)
        assert app.screen is sale, type(app.screen).__name__
        await settle(pilot)
        assert get_order(demo_db, order).status == "voided"
