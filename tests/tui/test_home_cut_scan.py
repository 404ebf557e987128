"""A wedge scan on the home menu cut by a pause (80x24 and 40x16): 'ZB2400', a pause, '0101'
Enter. Home's digits are menu keys, so the cut scan's '2' opened Products and the tail was
searched there; now the cut scan and its tail do nothing and the screen says so."""

from __future__ import annotations

import pytest
from tui_helpers import (
    PERSON,
    SCANNER,
    SIZES,
    KeyClock,
    MakeApp,
    async_test,
    log_in,
    settle,
    terminal_keys,
)

from serialpos.tui.screens.home import HomeScreen


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_scan_cut_by_a_pause_on_home_opens_nothing(
    make_app: MakeApp, size: tuple[int, int]
) -> None:
    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "cashier")
        assert isinstance(app.screen, HomeScreen)
        clock.now += PERSON
        clock.step = SCANNER
        for event in terminal_keys("ZB2400"):
            app.post_message(event)
        await pilot.pause(0.1)  # the hold runs out: the link paused mid-scan
        clock.now += 0.5  # past the 300 ms gap
        for event in terminal_keys("0101\r"):
            app.post_message(event)
        await settle(pilot)
        clock.step = PERSON
        assert isinstance(app.screen, HomeScreen)
        said = app.screen.message_line.text
        # The tail is named joined to the piece cut before it: the whole scan, to scan again.
        assert "'ZB24000101' looks like a scan cut by a pause: not used" in said
        # A menu key pressed afterwards still opens its flow.
        clock.now += 5
        await pilot.press("1")
        await settle(pilot)
        assert not isinstance(app.screen, HomeScreen)
