"""A scan while a product's details are open (80x24 and 40x16, a burst and a jittered one) is
never lost without a word: the details stay open, the scan is named in them and on the
Products screen behind, with the bell ("not taken: close the details first"); a person's
Enter or Escape still closes them. The keys went to a dialog with no field before: the
characters were dropped and the scan's Enter closed the details, the scan gone."""

from __future__ import annotations

import pytest
from scan_bursts import ARRIVALS, scanner_types
from textual.widgets import Static
from tui_helpers import (
    PERSON,
    SIZES,
    KeyClock,
    MakeApp,
    async_test,
    bells,
    device_scan,
    log_in,
    settle,
)

from serialpos.db.engine import Database
from serialpos.tui.screens.product_details import ProductDetails
from serialpos.tui.screens.products import ProductsScreen
from serialpos.tui.widgets.message_line import MessageLine

SERIAL = "356938030000013"


async def open_details(pilot: object, search: str) -> ProductDetails:
    await pilot.press("2")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    await pilot.press(*search, "enter")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    await pilot.press("enter")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]
    details = pilot.app.screen  # type: ignore[attr-defined]
    assert isinstance(details, ProductDetails)
    return details


@pytest.mark.parametrize("arrival", ARRIVALS)
@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_scan_on_the_details_is_refused_and_named(
    make_app: MakeApp,
    demo_db: Database,
    size: tuple[int, int],
    arrival: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = KeyClock(PERSON)
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "cashier")
        details = await open_details(pilot, "PH-AUR15")
        behind = app.screen_stack[-2]
        assert isinstance(behind, ProductsScreen)
        rung = bells(app, monkeypatch)
        await scanner_types(pilot, clock, f"{SERIAL}\r", arrival)
        assert app.screen is details, "the scan's Enter closed the details, the scan lost"
        assert rung, "no bell for the refused scan"
        words = f"scan '{SERIAL}' not taken: close the details first"
        inside = str(details.query_one("#answer-refused", Static).render())
        assert words in inside, inside
        assert details.query_one("#answer-refused", Static).region.height > 0
        assert words in behind.query_one(MessageLine).text
        await device_scan(pilot, "5012345678900")  # a serial scanner's scan: refused alike
        assert app.screen is details
        assert details.refused == [SERIAL, "5012345678900"]
        clock.now += 2  # a person, having read it, closes the details with Enter
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is behind
