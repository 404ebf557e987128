"""Return to vendor in the console at 80x24 and 40x16: vendor, reason, a continuous scanning
loop (no dialog between units, the bell on each refusal with its reason), a pasted list taken
whole or refused whole, then one document with its event file."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from tui_helpers import SIZES, MakeApp, async_test, log_in, said, screen_text, settle

from serialpos.db.engine import Database
from serialpos.services.lookup import lookup_serial
from serialpos.tui.screens.rtv import RtvScreen
from serialpos.tui.screens.serial_mode import Confirm

PHONES = ["356938030000013", "356938030000021", "356938030000039"]
AT_S02 = "356938030000062"


def state_of(db: Database, serial: str) -> str:
    (card,) = lookup_serial(db, serial)
    return card.state


async def type_in(pilot: Pilot[object], text: str) -> None:
    from textual.widgets import Input

    field = pilot.app.screen.query_one("#scan", Input)
    field.focus()
    field.value = text
    await pilot.press("enter")
    await settle(pilot)


async def open_rtv(pilot: Pilot[object], user: str = "stockroom") -> RtvScreen:
    await log_in(pilot, user)
    await pilot.press("7")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, RtvScreen)
    return screen


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_scan_units_back_to_the_vendor(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_rtv(pilot)
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert said(pilot) == "✗ give the vendor first"
        await type_in(pilot, "  ")
        assert said(pilot) == "✗ give the vendor"
        await type_in(pilot, "Aurora Devices")
        await type_in(pilot, "dead on arrival")
        assert (screen.vendor, screen.reason) == ("Aurora Devices", "dead on arrival")
        assert "0 units · to Aurora Devices" in screen_text(app)
        await type_in(pilot, PHONES[0])
        assert said(pilot).startswith(f"✓ PH-AUR15 {PHONES[0]} ✓ 1 unit"), said(pilot)
        await type_in(pilot, PHONES[0])
        assert said(pilot) == f"✗ serial {PHONES[0]} is already on the list (counted once)"
        await type_in(pilot, "")  # seen (kept until then: kept_refusals.py)
        await type_in(pilot, AT_S02)
        assert said(pilot) == f"✗ serial {AT_S02} is in stock at S02, not at S01"
        await type_in(pilot, "")  # seen (kept until then: kept_refusals.py)
        await type_in(pilot, "5012345000022")  # a product's barcode selects that product
        assert said(pilot) == "› PH-NOVA7 Nova 7 phone 64GB: scan its serials"
        # A bare serial finds its own product's unit whichever product is selected (these
        # were refused "is a unit of PH-AUR15"); taken off again to keep the counts below.
        await type_in(pilot, PHONES[1])
        assert said(pilot) == f"✓ PH-AUR15 {PHONES[1]} ✓ 2 units"
        await type_in(pilot, "PH-AUR15")
        await type_in(pilot, "ZB24000101")
        assert said(pilot) == "✓ LT-ZEN14 ZB24000101 ✓ 3 units"
        await pilot.press("f3")
        await type_in(pilot, "ZB24000101")
        await type_in(pilot, PHONES[1])
        assert said(pilot) == f"› {PHONES[1]} taken off · 1 unit"
        await pilot.press("f3")
        await type_in(pilot, "35693803000001")
        assert (
            said(pilot) == "✗ serial '35693803000001' is not valid for PH-AUR15: an IMEI "
            "has 15 digits, this has 14"
        ), said(pilot)
        await type_in(pilot, "")  # seen (kept until then: kept_refusals.py)
        await type_in(pilot, f"{PHONES[1]}, {PHONES[2]}, NOPE")
        assert "the list was refused whole at serial NOPE (number 3 of 3)" in said(pilot)
        await type_in(pilot, "")  # seen (kept until then: kept_refusals.py)
        assert len(screen.entries) == 1
        await type_in(pilot, f"{PHONES[1]}, {PHONES[2]}")
        assert said(pilot).startswith("✓ 2 serials added from the list · 3 units")
        await type_in(pilot, "AC-USBC1")
        await type_in(pilot, "4")
        assert said(pilot) == "✓ AC-USBC1: 4 counted · 7 units in all"
        assert PHONES[2] in screen_text(app)  # the newest unit is listed at the top
        await pilot.press("escape")  # leaving would lose the scans: asked first
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        assert (
            app.screen.question == "Leave without recording? The 7 units scanned here "
            "are not recorded."
        )
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert getattr(app.screen, "question", "") == (
            "Return 7 units to Aurora Devices? They leave stock now."
        )
        await pilot.press("y")
        await settle(pilot)
        assert said(pilot).startswith("✓ returned V-S01-000001: 7 units to Aurora Devices")
        assert "V-S01-000001" in screen_text(app)
        await type_in(pilot, PHONES[0])
        assert said(pilot) == "✗ V-S01-000001 is done: Esc to go back"
    assert all(state_of(demo_db, s) == "returned_to_vendor" for s in PHONES)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_serialized_inventory_off_counts_instead_of_scanning(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    from serialpos.services.context import SYSTEM
    from serialpos.services.settings import set_setting
    from serialpos.services.stock import stock_levels

    set_setting(demo_db, SYSTEM, "serialized_inventory", "false", "S01")
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_rtv(pilot)
        await type_in(pilot, "Aurora Devices")
        await type_in(pilot, "recall")
        await type_in(pilot, PHONES[0])
        assert (
            said(pilot) == "✗ serialized inventory is off at S01: count PH-AUR15 (scan "
            "its barcode or type how many), do not scan its serials"
        )
        await type_in(pilot, "")  # seen (kept until then: kept_refusals.py)
        await type_in(pilot, "5012345000015")  # the phone's barcode: one unit counted
        assert said(pilot) == "✓ PH-AUR15: 1 counted · 1 unit in all"
        assert "how many PH-AUR15?" in screen.field.placeholder
        await type_in(pilot, "2")
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert getattr(app.screen, "question", "") == (
            "Return 3 units to Aurora Devices? They leave stock now."
        )
        await pilot.press("y")
        await settle(pilot)
        assert said(pilot).startswith("✓ returned V-S01-000001: 3 units to Aurora Devices")
    assert stock_levels(demo_db, store="S01", sku="PH-AUR15")[0].quantity == 2
    assert state_of(demo_db, PHONES[0]) == "in_stock"  # serials are not tracked at S01 now


@async_test
async def test_a_cashier_is_told_returns_to_vendor_are_not_theirs(make_app: MakeApp) -> None:
    app = make_app()
    async with app.run_test(size=(40, 16)) as pilot:
        await log_in(pilot, "cashier")
        home = app.screen
        assert "Return to vendor" not in screen_text(app)  # not on a cashier's menu
        await pilot.press("7")
        await settle(pilot)
        assert app.screen is home  # nothing opens
        assert said(pilot).startswith("✗ cashier (cashier) may not receive or move stock")
        # Opened anyway (a future shortcut), the screen itself still refuses.
        app.push_screen(RtvScreen())
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RtvScreen)
        await type_in(pilot, "Aurora Devices")
        assert screen.vendor == ""
        assert said(pilot).startswith("✗ cashier (cashier) may not receive or move stock")
