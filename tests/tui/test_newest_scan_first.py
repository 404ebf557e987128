"""The newest scan's outcome is what a person reads first on a scanning screen (80x24 and
40x16): after a refusal, the good scan that follows leads the message line, the refusal kept
after it (and in F7's list); a second refusal leads over the first. The line said the kept
refusals first and the latest answer last (``✗ … · then ✓ …``): on a handheld the refusal
filled the rows a person looks at and the last scan's answer came after it, or was cut."""

from __future__ import annotations

import pytest
from tui_helpers import SIZES, KeyClock, MakeApp, async_test

from serialpos.db.engine import Database
from serialpos.tui.screens.counts import CountsScreen

from test_burst_refusals import burst, open_transfer_pick  # isort: skip
from test_counts_screen import enter as count_enter  # isort: skip
from test_counts_screen import open_counts  # isort: skip
from test_message_rows_after_burst import visible_message  # isort: skip


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_good_scan_after_a_refusal_leads_the_line_when_picking(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        await open_transfer_pick(pilot)
        await burst(pilot, clock, "356938030000062")  # at S02: refused
        first = visible_message(app)
        assert first.startswith("✗ serial 356938030000062 is in stock at S02"), first
        await burst(pilot, clock, "356938030000013")
        shown = visible_message(app)
        assert shown.startswith("✓ PH-AUR15 356938030000013 ✓ 1 unit"), shown
        assert "356938030000062" in shown, shown  # the refusal stays listed, after it
        await burst(pilot, clock, "ZB24000101", "ZB24000101")  # the second a repeat
        shown = visible_message(app)
        assert shown.startswith("✗ serial ZB24000101 is already on the list"), shown


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_good_scan_after_a_refusal_leads_the_line_in_a_count(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        screen = await open_counts(pilot, "stockroom")
        await count_enter(pilot, screen, "AP-FRG300")  # a count of the fridges only
        await count_enter(pilot, screen, "Ann")
        assert isinstance(app.screen, CountsScreen) and screen.stage == "scan"
        await burst(pilot, clock, "AP-FRG300", "356938030000013", "FR-300-0001")
        shown = visible_message(app)
        assert shown.startswith("✓ AP-FRG300 FR-300-0001 counted"), shown
        assert "PH-AUR15 is not in count" in shown, shown
