"""A quantity counted on a return to vendor or an adjustment is a line of the list (80x24 and
40x16): ``− AC-USBC1 × 2`` under the list's title, and no "nothing scanned yet" under a title
that says 2 counted. The list showed only scanned serials: a counted product (no serials)
left the empty list's words in place, under "Units (0 scanned, 2 counted)"."""

from __future__ import annotations

import pytest
from tui_helpers import SIZES, MakeApp, async_test, said, settle

from serialpos.db.engine import Database
from serialpos.tui.widgets.count_list import CountList

from test_adjustment_screen import open_adjustments, type_in  # isort: skip
from test_rtv_screen import open_rtv  # isort: skip


def listed(screen: object) -> str:
    return screen.query_one("#units", CountList).visible_text()  # type: ignore[attr-defined]


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_an_adjustments_counted_product_is_listed(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_adjustments(pilot)
        await type_in(pilot, "1")  # damaged
        await type_in(pilot, "")  # no note
        assert "nothing scanned yet" in listed(screen)
        await type_in(pilot, "AC-USBC1")
        await type_in(pilot, "2")
        assert said(pilot) == "✓ AC-USBC1: 2 counted · 2 units in all"
        shown = listed(screen)
        assert "nothing scanned yet" not in shown, shown
        assert "− AC-USBC1 × 2" in shown, shown
        await type_in(pilot, "356938030000013")  # a serial: listed first, the count after
        rows = listed(screen).split("\n")
        assert rows[1:3] == ["− PH-AUR15 356938030000013", "− AC-USBC1 × 2"], rows


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_return_to_vendors_counted_product_is_listed(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_rtv(pilot)
        await type_in(pilot, "Aurora Devices")
        await type_in(pilot, "recall")
        await type_in(pilot, "AC-CASE15")
        await type_in(pilot, "3")
        assert said(pilot) == "✓ AC-CASE15: 3 counted · 3 units in all"
        shown = listed(screen)
        assert "nothing scanned yet" not in shown, shown
        assert "− AC-CASE15 × 3" in shown, shown
        await pilot.press("f3")  # take off: all three counted off again, the line goes
        await settle(pilot)
        await type_in(pilot, "3")
        shown = listed(screen)
        assert "AC-CASE15" not in shown, shown
        assert "nothing scanned yet" in shown, shown
