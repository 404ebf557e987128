"""A drill's GS1 label scanned with its FNC1 lost (``01…21DRL18-B777 GS 10LOT1`` read as
the serial ``DRL18-B77710LOT1``) at a count and at an adjustment adding units, at 80x24 and
40x16: refused naming both readings, nothing counted or added (it became a unit found under
a serial no label carries); the serial typed from the label is taken. The rule is the scan
resolver's (tests/db/test_run_on_found_units.py)."""

from __future__ import annotations

import pytest
from scan_bursts import scanner_types
from tui_helpers import SIZES, KeyClock, MakeApp, async_test, said, settle

from serialpos.db.engine import Database
from serialpos.services.counts.reconciling import reconcile

from test_adjustment_screen import open_adjustments, type_in  # isort: skip
from test_counts_screen import count_whole_store, message  # isort: skip

LABEL = "010501234500005321DRL18-B77710LOT1"  # TL-DRL18's label, the GS after the serial lost
READINGS = "may be 'DRL18-B777' + batch/lot (10) 'LOT1'"


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_count_finds_no_drill_under_a_run_on_serial(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        screen = await count_whole_store(pilot, "Cat")
        await scanner_types(pilot, clock, LABEL + "\r", "burst")
        assert READINGS in message(screen), message(screen)
        assert screen.count is not None
        assert reconcile(demo_db, screen.count.number).never_seen == ()
        await scanner_types(pilot, clock, "TL-DRL18\rDRL18-B777\r", "burst")
        found = reconcile(demo_db, screen.count.number).never_seen
        assert [(u.sku, u.serial) for u in found] == [("TL-DRL18", "DRL18-B777")]


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_an_adjustment_adds_no_drill_under_a_run_on_serial(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_adjustments(pilot)
        await type_in(pilot, "6")  # other: a note is needed
        await type_in(pilot, "drill found")
        await pilot.press("f5")  # adding
        await settle(pilot)
        await type_in(pilot, LABEL)
        assert READINGS in said(pilot), said(pilot)
        assert screen.entries == []
        await type_in(pilot, "")  # seen (kept until then)
        await type_in(pilot, "TL-DRL18")
        await type_in(pilot, "DRL18-B777")
        assert said(pilot) == "✓ TL-DRL18 DRL18-B777 ✓ 1 unit"
