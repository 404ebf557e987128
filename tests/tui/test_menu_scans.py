"""A scan on a menu (80x24 and 40x16, a burst and a jittered one): refused, named, nothing
opened. On the Reports menu a serial's Enter opened the highlighted report (Fulfilment);
the Admin menu the same. A person's digit still opens its entry."""

from __future__ import annotations

import pytest
from scan_bursts import ARRIVALS, scanner_types
from tui_helpers import PERSON, SIZES, KeyClock, MakeApp, async_test, log_in, said, settle

from serialpos.db.engine import Database
from serialpos.tui.screens.admin import AdminScreen
from serialpos.tui.screens.fulfilment import FulfilmentScreen
from serialpos.tui.screens.reports import ReportsScreen

SERIAL = "356938030000013"


@pytest.mark.parametrize("arrival", ARRIVALS)
@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_scan_opens_no_report(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], arrival: str
) -> None:
    clock = KeyClock(PERSON)
    app = make_app(key_clock=clock, key_hold=None)  # held for the real key gap
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "manager")
        await pilot.press("0")
        await settle(pilot)
        menu = app.screen
        assert isinstance(menu, ReportsScreen)
        await scanner_types(pilot, clock, f"{SERIAL}\r", arrival)
        assert app.screen is menu, "the scan opened a report"
        assert said(pilot).startswith(f"✗ scan '{SERIAL}' is not a menu choice: nothing opened")
        clock.now += 2
        await pilot.press("1")  # a person's key still opens its report
        await settle(pilot)
        assert isinstance(app.screen, FulfilmentScreen)


@pytest.mark.parametrize("arrival", ARRIVALS)
@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_scan_opens_no_admin_section(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], arrival: str
) -> None:
    clock = KeyClock(PERSON)
    app = make_app(key_clock=clock, key_hold=None)
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "admin")
        await pilot.press("a")
        await settle(pilot)
        menu = app.screen
        assert isinstance(menu, AdminScreen)
        await scanner_types(pilot, clock, f"{SERIAL}\r", arrival)
        assert app.screen is menu, "the scan opened a section"
        assert said(pilot).startswith(f"✗ scan '{SERIAL}' is not a menu choice: nothing opened")
