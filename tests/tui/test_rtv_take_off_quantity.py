"""Return to vendor at 80x24 and 40x16, F3 (take off) on: typing more of a counted product
than is counted is refused at once, naming how many are counted, and nothing is asked. The
console asked "Count 1,234 AC-USBC1?" (of a take-off) and refused with "only 5 counted" only
after Yes."""

from __future__ import annotations

import pytest
from tui_helpers import SIZES, MakeApp, async_test, said, settle

from serialpos.db.engine import Database
from serialpos.tui.screens.serial_mode import Confirm

from test_adjustment_screen import type_in  # isort: skip
from test_rtv_screen import open_rtv  # isort: skip


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_taking_off_more_than_counted_is_refused_without_a_question(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await open_rtv(pilot)
        await type_in(pilot, "Aurora Devices")
        await type_in(pilot, "recall")
        await type_in(pilot, "AC-USBC1")
        await type_in(pilot, "5")
        assert said(pilot) == "✓ AC-USBC1: 5 counted · 5 units in all"
        await pilot.press("f3")  # take off
        await settle(pilot)
        await type_in(pilot, "1234")
        assert not isinstance(app.screen, Confirm)  # nothing asked
        assert "AC-USBC1: only 5 counted" in said(pilot), said(pilot)
        await type_in(pilot, "2")  # a plausible take-off is taken at once
        assert not isinstance(app.screen, Confirm)
        assert "AC-USBC1: 3 counted" in said(pilot), said(pilot)
