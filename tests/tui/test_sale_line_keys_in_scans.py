"""Sale lines (80x24 and 40x16): a scan's ``-`` and ``+`` are characters of the scan, never
the line's quantity keys. With the lines in focus (Up), a scanned serial ``DRL18-A002`` took
its ``-`` as "one less" (the quantity dropped silently, the scan refused as 'DRL18A002'), and
``Q+Q`` raised it. Scans sent as a scanner sends them: one burst, and a burst in pieces."""

from __future__ import annotations

import pytest
from scan_bursts import ARRIVALS, scanner_types
from test_sale import open_sale
from tui_helpers import SIZES, KeyClock, MakeApp, async_test, settle


@pytest.mark.parametrize("arrival", ARRIVALS)
@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_scans_minus_and_plus_on_the_lines_are_part_of_the_scan(
    make_app: MakeApp, size: tuple[int, int], arrival: str
) -> None:
    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        for _ in range(3):
            await scanner_types(pilot, clock, "AC-USBC1\r", arrival)
        assert sale.view is not None and [ln.quantity for ln in sale.view.lines] == [3]
        await pilot.press("up")
        await settle(pilot)
        assert sale.lines.has_focus
        await scanner_types(pilot, clock, "DRL18-A002\r", arrival)
        assert sale.view is not None
        assert [(ln.sku, ln.quantity, ln.serial) for ln in sale.view.lines] == [
            ("AC-USBC1", 3, None),
            ("TL-DRL18", 1, "DRL18-A002"),
        ]
        await pilot.press("up", "up")
        await settle(pilot)
        await scanner_types(pilot, clock, "Q+Q\r", arrival)  # no such product: refused
        assert [ln.quantity for ln in sale.view.lines] == [3, 1]
        assert "Q+Q" in sale.message_line.text
        # A deliberate key on a selected line still changes its quantity.
        await pilot.press("up", "up", "plus")
        await settle(pilot)
        assert [ln.quantity for ln in sale.view.lines] == [4, 1]


@pytest.mark.parametrize("arrival", ARRIVALS)
@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_serial_scanned_twice_is_already_on_this_sale(
    make_app: MakeApp, size: tuple[int, int], arrival: str
) -> None:
    """It said "reserved on order S01-…", the very sale, as if another held the unit."""
    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        await scanner_types(pilot, clock, "DRL18-A002\r", arrival)
        await scanner_types(pilot, clock, "DRL18-A002\r", arrival)
        assert sale.view is not None and len(sale.view.lines) == 1
        assert "serial DRL18-A002 is already on this sale, line 1" in sale.message_line.text
