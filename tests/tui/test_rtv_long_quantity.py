"""Return to vendor at 80x24 and 40x16: ten digits typed by hand at "how many AC-USBC1?" are
refused naming the most one entry takes, as the count refuses the same entry; the console
said "serial 9999999999 is not known to the ledger"."""

from __future__ import annotations

import pytest
from tui_helpers import SIZES, MakeApp, async_test, said

from serialpos.db.engine import Database
from serialpos.domain.quantity_entry import past_the_most

from test_adjustment_screen import type_in  # isort: skip
from test_rtv_screen import open_rtv  # isort: skip


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_number_too_long_for_a_quantity_names_the_limit(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await open_rtv(pilot)
        await type_in(pilot, "Aurora Devices")
        await type_in(pilot, "recall")
        await type_in(pilot, "AC-USBC1")
        await type_in(pilot, "9999999999")
        shown = said(pilot)
        assert shown.endswith(past_the_most("9999999999", "AC-USBC1", scanned=False)), shown
        assert "at most 999,999 units in one entry" in shown, shown
        await type_in(pilot, "356938030000013")  # a serial the ledger knows: still a serial
        assert "PH-AUR15 356938030000013 ✓" in said(pilot), said(pilot)
