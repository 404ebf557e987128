"""A count's typed quantity too unlikely to be meant is asked about first, as receiving and
scan-out ask (domain/quantity_entry.py), at 80x24 and 40x16: ``+400123`` (a barcode's digits
typed, or keys held down) counted 400,123 cables at once, and an approved count made them
stock. Now the question opens; No counts nothing, Yes counts them; ``+5`` is counted
unasked."""

from __future__ import annotations

import pytest
from tui_helpers import SIZES, MakeApp, async_test, settle

from serialpos.db.engine import Database
from serialpos.services.counts.reconciling import reconcile
from serialpos.tui.screens.serial_mode import Confirm

from test_counts_screen import count_whole_store, enter, message  # isort: skip

CABLE = "AC-USBC1"  # 40 on hand at S01, counted by quantity


def counted(db: Database, number: str) -> int:
    """The cables counted so far (their counted quantity in the reconciliation)."""
    (line,) = [q for q in reconcile(db, number).quantities if q.sku == CABLE]
    return int(line.counted)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_an_unlikely_typed_quantity_is_asked_first(
    make_app: MakeApp, demo_db: Database, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        screen = await count_whole_store(pilot, "Ann")
        await enter(pilot, screen, CABLE)  # one counted
        await enter(pilot, screen, "+5")
        assert screen.count is not None
        number = screen.count.number
        assert counted(demo_db, number) == 6
        await enter(pilot, screen, "+400123")
        question = app.screen
        assert isinstance(question, Confirm), message(screen)
        assert "Count 400,123 AC-USBC1?" in str(question.question)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is screen
        assert "'+400123' not counted" in message(screen)
        assert counted(demo_db, number) == 6
        await enter(pilot, screen, "+400123")
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen
        assert counted(demo_db, number) == 400_129
