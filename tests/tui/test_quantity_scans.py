"""A number scanned at a "how many?" prompt (80x24 and 40x16): never a quantity. 400123 scanned
at "how many AC-USBC1?" received 400,124 cables on an ASN (and in a blind receipt, and an
adjustment offered to add them). A burst is refused, named; the same scan slowed by the link
arrives as typed digits and is asked about by a question a scan cannot answer; a person's
likely quantity is taken as before, an unlikely one after a yes."""

from __future__ import annotations

import pytest
from scan_bursts import ARRIVALS, scanner_types
from textual.widgets import Input
from tui_helpers import PERSON, SIZES, KeyClock, MakeApp, async_test, said, settle

from serialpos.db.engine import Database
from serialpos.tui.screens.serial_mode import Confirm

from test_receiving_screen import import_asn, open_asn  # isort: skip
from test_adjustment_screen import open_adjustments  # isort: skip

CABLE = "AC-USBC1"
CABLE_BARCODE = "05012345000077"


async def typed(pilot: object, text: str) -> None:
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    box = pilot.app.screen.query_one("#scan", Input)
    box.focus()
    box.value = text
    await pilot.press("enter")
    await settle(pilot)


@pytest.mark.parametrize("arrival", ARRIVALS)
@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_scanned_number_is_no_quantity_on_an_asn(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], arrival: str
) -> None:
    import_asn(demo_db)
    clock = KeyClock(PERSON)
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        screen = await open_asn(pilot, app)
        line = screen.receiving.checklist.lines[CABLE]
        await scanner_types(pilot, clock, f"{CABLE_BARCODE}\r", arrival)
        assert line.received == 1, said(pilot)
        await scanner_types(pilot, clock, "400123\r", arrival)
        if arrival == "burst":
            assert app.screen is screen
            assert "scan '400123' is not a quantity: nothing counted" in said(pilot)
        else:  # slowed past a scanner's pace: typed digits, asked about; No counts nothing
            question = app.screen
            assert isinstance(question, Confirm), said(pilot)
            assert question.question.startswith(f"Count 400,123 {CABLE}?")
            assert "More than 10 times the 5 expected." in question.question
            await pilot.press("n")
            await settle(pilot)
            assert app.screen is screen
        assert line.received == 1
        # A 15-digit scan is a scan: said so, never "type it in parts".
        await scanner_types(pilot, clock, "356938030000013\r", "burst")
        assert "type it in parts" not in said(pilot)
        assert line.received == 1
        await typed(pilot, "")  # the kept refusals seen
        # A person's quantity is taken; an unlikely one after a yes.
        await typed(pilot, "4")
        assert line.received == 5
        await typed(pilot, "60")
        question = app.screen
        assert isinstance(question, Confirm)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen
        assert line.received == 65


@pytest.mark.parametrize("arrival", ARRIVALS)
@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_scanned_number_is_no_quantity_in_an_adjustment(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], arrival: str
) -> None:
    clock = KeyClock(PERSON)
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        screen = await open_adjustments(pilot)
        await typed(pilot, "6")  # other
        await typed(pilot, "shelf 4 recount")
        await typed(pilot, CABLE)
        await scanner_types(pilot, clock, "400123\r", arrival)
        if arrival == "burst":
            assert app.screen is screen
            assert "scan '400123' is not a quantity: nothing counted" in said(pilot)
        else:
            question = app.screen
            assert isinstance(question, Confirm), said(pilot)
            assert question.question == f"Count 400,123 {CABLE}? More than 999 in one entry."
            await pilot.press("n")
            await settle(pilot)
            assert app.screen is screen
        assert screen.counted() == 0
        await typed(pilot, "")
        await typed(pilot, "3")
        assert screen.counted() == 3
