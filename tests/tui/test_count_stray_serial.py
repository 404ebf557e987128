"""A count at the console (80x24 and 40x16), scans sent as a scanner sends them: a serial of
another product, scanned between the serials of the product chosen on purpose, counts under
its own product and leaves the chosen product selected (the next new serial was counted as
the stray's product, a drill approved as a bike)."""

from __future__ import annotations

import pytest
from scan_bursts import ARRIVALS, scanner_types
from tui_helpers import SIZES, KeyClock, MakeApp, async_test, shows

from serialpos.db.engine import Database
from serialpos.services.counts.reconciling import reconcile

from test_counts_screen import count_whole_store, message  # isort: skip


@pytest.mark.parametrize("arrival", ARRIVALS)
@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_bike_serial_among_drills_counts_as_a_bike_and_drills_stay_selected(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int], arrival: str
) -> None:
    clock = KeyClock()
    app = make_app(key_clock=clock)
    async with app.run_test(size=size) as pilot:
        screen = await count_whole_store(pilot, "Cat")
        await scanner_types(pilot, clock, "TL-DRL18\rWTU123456789A\r", arrival)
        assert screen.current == "TL-DRL18"
        assert "WTU123456789A counted as BK-CITY7" in message(screen)
        await shows(pilot, "TL-DRL18")
        await scanner_types(pilot, clock, "DRL18-NEW9\r", arrival)
        assert screen.current == "TL-DRL18"
        assert screen.count is not None
        result = reconcile(demo_db, screen.count.number)
        assert [(u.sku, u.serial) for u in result.never_seen] == [("TL-DRL18", "DRL18-NEW9")]
