"""A blind receipt at the console (80x24 and 40x16): a line's quantity that would pass the
limit of one line (1,000,000) is refused at the entry that would cross it, naming the product
and the limit, nothing changed. Entries of +999999 added up to 3,199,991 and Complete was
then refused naming no line."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from tui_helpers import SIZES, MakeApp, async_test, screen_text, settle

from serialpos.db.engine import Database
from serialpos.services.stock import stock_levels
from serialpos.tui.screens.checklist import ChecklistScreen
from serialpos.tui.screens.serial_mode import Confirm

from test_blind_receiving_screen import CABLE_BARCODE, data_home, enter, message, open_blind  # isort: skip  # noqa: F401


async def enter_asked(pilot: Pilot[object], screen: ChecklistScreen, text: str) -> None:
    """A typed quantity over 999 is asked about before it is counted (a scan cannot
    answer: domain/quantity_entry.py); a person says yes."""
    await enter(pilot, screen, text)
    asked = pilot.app.screen
    assert isinstance(asked, Confirm), asked
    assert "Count 999,999 AC-USBC1? More than 999" in screen_text(pilot.app)
    await pilot.press("y")
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_receipt_line_refuses_the_entry_that_would_pass_the_limit(
    make_app: MakeApp, demo_db: Database, outbox_folder: Path, size: tuple[int, int]
) -> None:
    app = make_app()
    before = {ln.sku: ln.quantity for ln in stock_levels(demo_db, "S01")}["AC-USBC1"]
    async with app.run_test(size=size) as pilot:
        screen = await open_blind(pilot, "Northwind", "PS-78")
        await enter(pilot, screen, CABLE_BARCODE)  # one cable
        await enter_asked(pilot, screen, "+999999")
        assert screen.receiving.checklist.line("AC-USBC1").counted == 1_000_000
        await enter_asked(pilot, screen, "+999999")
        assert message(app) == (
            "✗ AC-USBC1: 1,000,000 counted, +999,999 would pass the limit of 1,000,000 "
            "for one line: not counted"
        )
        assert screen.receiving.checklist.line("AC-USBC1").counted == 1_000_000
        await enter(pilot, screen, "")  # seen
        await pilot.press("ctrl+f")  # completes: the line within the limit is received
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
    after = {ln.sku: ln.quantity for ln in stock_levels(demo_db, "S01")}["AC-USBC1"]
    assert after == before + 1_000_000
