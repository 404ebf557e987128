"""A scanner configured to end each scan with Tab (80x24 and 40x16): the Tab right after the
burst ends the scan as Enter does, in the shared scan field of every screen. It left the scan
in the field with no bell; the next scan replaced it (a count, a blind receipt: the unit lost
silently) or was glued onto it (a sale, returns). A Tab typed after a pause still moves on."""

from __future__ import annotations

import pytest
from scan_bursts import ARRIVALS, scanner_types
from test_sale import open_sale
from tui_helpers import SIZES, KeyClock, MakeApp, async_test, settle

from serialpos.db.engine import Database
from serialpos.services.counts.reconciling import reconcile

from test_counts_screen import count_whole_store  # isort: skip


@pytest.mark.parametrize("arrival", ARRIVALS)
@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_tab_suffix_ends_each_scan_of_a_count(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], arrival: str
) -> None:
    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        screen = await count_whole_store(pilot, "Cat")
        await scanner_types(pilot, clock, "TL-DRL18\tDRL18-NEW1\tDRL18-NEW2\t", arrival)
        assert screen.field.value == ""
        assert screen.count is not None
        result = reconcile(demo_db, screen.count.number)
        assert sorted(u.serial for u in result.never_seen) == ["DRL18-NEW1", "DRL18-NEW2"]


@pytest.mark.parametrize("arrival", ARRIVALS)
@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_tab_suffix_ends_each_scan_of_a_sale(
    make_app: MakeApp, size: tuple[int, int], arrival: str
) -> None:
    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        await scanner_types(pilot, clock, "AC-USBC1\tAC-USBC1\t", arrival)
        assert sale.view is not None and [ln.quantity for ln in sale.view.lines] == [2]
        field = sale.query_one("#scan")
        assert field.has_focus
        # Typed, then Tab after a pause (a person): the focus moves on, nothing is entered.
        await pilot.press("A", "C")
        clock.now += 5
        await pilot.press("tab")
        await settle(pilot)
        assert not field.has_focus
        assert [ln.quantity for ln in sale.view.lines] == [2]
