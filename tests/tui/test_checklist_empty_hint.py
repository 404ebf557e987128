"""A blind receipt's checklist, nothing scanned yet, at 80x24 and 40x16: its hint is shown
whole, wrapped by words. The checklist's rows are never wrapped, and the hint was one of
them: it read "...type its SKU, then its serial" at 80 columns and "...scan a product's" at
40, the rest of what to do cut."""

from __future__ import annotations

import pytest
from textual.widgets import Input
from tui_helpers import SIZES, MakeApp, async_test, log_in, screen_text, settle

from serialpos.tui.screens.checklist import ChecklistScreen
from serialpos.tui.screens.receiving import BlindReceiptDialog, ReceivingScreen
from serialpos.tui.widgets.checklist_view import ChecklistView


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_the_empty_checklists_hint_is_shown_whole(
    make_app: MakeApp, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        await log_in(pilot, "stockroom")
        await pilot.press("5")
        await settle(pilot)
        assert isinstance(app.screen, ReceivingScreen)
        await pilot.press("b")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, BlindReceiptDialog)
        dialog.query_one("#vendor", Input).value = "Aurora Devices Ltd"
        await pilot.press("enter", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ChecklistScreen), screen
        hint = screen.query_one(ChecklistView).empty
        assert hint.endswith("then its serials")
        shown = " ".join(" ".join(screen_text(app).split()).split())
        assert " ".join(hint.split()) in shown, screen_text(app)
