"""Adjustments in the console at 80x24 and 40x16: a stockroom user is refused on the home
screen; a manager picks a reason and a note, removes and adds units and quantities in one
continuous loop (refusals said with the bell), and posts one document with its event file."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from tui_helpers import SIZES, MakeApp, async_test, log_in, said, screen_text, settle
from tui_helpers import paste_into_scan as paste

from serialpos.db.engine import Database
from serialpos.services.lookup import lookup_serial
from serialpos.tui.screens.adjustments import AdjustmentsScreen
from serialpos.tui.screens.home import HomeScreen

PHONES = ["356938030000013", "356938030000021"]
AT_S02 = "356938030000062"


def where(db: Database, serial: str) -> tuple[str, str]:
    (card,) = lookup_serial(db, serial)
    return card.state, card.store


async def open_adjustments(pilot: Pilot[object]) -> AdjustmentsScreen:
    """A manager logged in, on the adjustments screen (9), asked for the reason."""
    await log_in(pilot, "manager")
    await pilot.press("9")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, AdjustmentsScreen)
    return screen


async def type_in(pilot: Pilot[object], text: str) -> None:
    from textual.widgets import Input

    box = pilot.app.screen.query_one("#scan", Input)
    box.focus()
    box.value = text
    await pilot.press("enter")
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_stockroom_user_is_refused(make_app: MakeApp, size: tuple[int, int]) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "stockroom")
        await pilot.press("9")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert said(pilot).startswith("✗ stockroom (stockroom) may not adjust stock")


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_manager_removes_and_adds_units(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], outbox_folder: Path
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_adjustments(pilot)
        assert "1  damaged" in screen_text(app)
        await type_in(pilot, "9")
        assert said(pilot).startswith("✗ '9' is no reason: type 1-6 or a code")
        await type_in(pilot, "6")  # other: a note is needed
        await type_in(pilot, "")
        assert said(pilot) == "✗ give the note"
        await type_in(pilot, "shelf 4 recount")
        await type_in(pilot, PHONES[0])
        assert said(pilot) == f"✓ PH-AUR15 {PHONES[0]} ✓ 1 unit"
        await type_in(pilot, AT_S02)
        assert said(pilot) == f"✗ serial {AT_S02} is in stock at S02, not at S01"
        await type_in(pilot, "")  # seen (kept until then: kept_refusals.py)
        await paste(pilot, f"{PHONES[1]}\n{AT_S02}\n")  # a pasted list, refused whole
        assert said(pilot).startswith(
            f"✗ the list was refused whole at serial {AT_S02} (number 2 of 2)"
        )
        assert len(screen.entries) == 1
        await pilot.press("f5")  # now adding
        await type_in(pilot, "NEW-1")
        assert (
            said(pilot) == "✗ serial NEW-1 needs its product: scan the product first, "
            "then the units to add"
        )
        await type_in(pilot, "")  # seen (kept until then: kept_refusals.py)
        await type_in(pilot, "TL-DRL18")
        await type_in(pilot, "DRL18-A001")
        assert said(pilot) == "✗ serial DRL18-A001 is already recorded (in stock at S01)"
        await type_in(pilot, "")  # seen (kept until then: kept_refusals.py)
        await type_in(pilot, "DRL18-A009")
        assert said(pilot) == "✓ TL-DRL18 DRL18-A009 ✓ 2 units"
        await type_in(pilot, "AC-CASE15")
        await type_in(pilot, "3")
        assert said(pilot) == "✓ AC-CASE15: 3 counted · 5 units in all"
        await pilot.press("ctrl+f")
        await settle(pilot)
        await pilot.press("y")  # posting asks first
        await settle(pilot)
        assert said(pilot).startswith(
            "✓ posted A-S01-000001: 5 units (+3 on hand), other: shelf 4 recount"
        ), said(pilot)
    assert where(demo_db, PHONES[0]) == ("written_off", "S01")
    assert where(demo_db, "DRL18-A009") == ("in_stock", "S01")
    data = (outbox_folder / "adjustment-A-S01-000001.csv").read_text("utf-8")
    assert data.splitlines()[1:] == [
        line.replace("{at}", data.splitlines()[1].split(",")[3])
        for line in (
            "adjustment,A-S01-000001,S01,{at},manager,AC-CASE15,3,",
            f"adjustment,A-S01-000001,S01,{{at}},manager,PH-AUR15,-1,{PHONES[0]}",
            "adjustment,A-S01-000001,S01,{at},manager,TL-DRL18,1,DRL18-A009",
        )
    ]


@async_test
async def test_found_units_take_no_serial_of_a_gone_unit_of_another_product(
    make_app: MakeApp, demo_db: Database
) -> None:
    """A ZenBook sold, its serial added as a found drill, blocked the customer's return."""
    from serialpos.domain.states import Action
    from serialpos.services import ledger, users

    manager = users.actor_for(demo_db, "manager", "test")
    ledger.move(demo_db, manager, Action.SELL, store="S01", sku="LT-ZEN14", serials=["ZB24000101"])
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_adjustments(pilot)
        await type_in(pilot, "6")
        await type_in(pilot, "shelf 4")
        await pilot.press("f5")  # now adding
        await type_in(pilot, "TL-DRL18")
        await type_in(pilot, "ZB24000101")
        assert said(pilot) == (
            "✗ ZB24000101 is the serial of LT-ZEN14 ZenBook 14 laptop (sold): take it back as "
            "a return of LT-ZEN14, or check the label"
        )
        await type_in(pilot, "")  # seen (kept until then: kept_refusals.py)
        await type_in(pilot, "FR-300-1015-FR-300-1017")
        assert "looks like two labels run together" in said(pilot)
        assert app.screen.entries == []
    assert [(c.sku, c.state) for c in lookup_serial(demo_db, "ZB24000101")] == [
        ("LT-ZEN14", "sold")
    ]


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_found_adds_units_and_posting_asks_first(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], outbox_folder: Path
) -> None:
    """The walk: 9, 3 Enter (found), Enter, DRL18-A001 Enter, F10 opened in removing mode and
    posted at once, writing the drill off "found". Found adds; F10 asks."""
    from serialpos.tui.screens.serial_mode import Confirm

    app = make_app()
    async with app.run_test(size=size) as pilot:
        await open_adjustments(pilot)
        await type_in(pilot, "3")  # found
        await type_in(pilot, "")  # no note
        assert "ADDING · found" in screen_text(app)
        await type_in(pilot, "DRL18-A001")  # adding: never taken out of stock
        assert said(pilot).startswith("✗ serial DRL18-A001 needs its product")
        await type_in(pilot, "")  # seen
        await pilot.press("f5")  # found only adds
        await settle(pilot)
        assert said(pilot).startswith("✗ reason 'found' only adds units")
        await type_in(pilot, "")  # seen
        await type_in(pilot, "TL-DRL18")
        await type_in(pilot, "DRL18-A009")
        await pilot.press("f10")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        assert "add 1 unit" in " ".join(screen_text(app).split())
        await pilot.press("n")
        await settle(pilot)
        assert said(pilot) == "› not yet: go on scanning"
        await pilot.press("f10")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert said(pilot).startswith("✓ posted A-S01-000001: 1 unit (+1 on hand), found")
    assert where(demo_db, "DRL18-A001") == ("in_stock", "S01")
    assert where(demo_db, "DRL18-A009") == ("in_stock", "S01")
