"""A count's refusal of a serial that breaks the product's format is read whole at both sizes
(the verify walk): a long scan (a misread, two labels in one read) filled the handheld's four
message rows and cut the reason at "… (example:"."""

from __future__ import annotations

import pytest
from test_counts_screen import enter, message, open_counts
from tui_helpers import SIZES, MakeApp, async_test, screen_text

from serialpos.db.engine import Database

LAPTOP_BARCODE = "5012345000039"  # LT-ZEN14 in the demo: serials ^ZB[0-9]{8}$
LONG_SCAN = "ZB12345678901234567890ABCDEFGHIJKLMNOPQRSTU"  # 43 characters, clipped to 40


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_long_serials_format_refusal_is_read_whole(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await open_counts(pilot, "stockroom")
        await enter(pilot, screen, "")  # a new count of the whole store
        await enter(pilot, screen, "Ann")
        await enter(pilot, screen, LAPTOP_BARCODE)
        await enter(pilot, screen, LONG_SCAN)
        said = message(screen)
        assert said.startswith(f"✗ serial '{LONG_SCAN[:40]}…' is not valid for LT-ZEN14: "), said
        assert said.endswith("the format is 8 digits after ZB (example: ZB12345678)"), said
        shown = screen_text(app)
        # Every character of it, the reason last (the 40 of the serial are broken over rows).
        assert "".join(said.split()) in "".join(shown.split()), shown
        assert "Batch 1 scans" in shown  # the scan list keeps its rows under it
