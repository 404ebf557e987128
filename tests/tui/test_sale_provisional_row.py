"""Issue 15, the scanned line in the frame after the service answers: a scan's provisional
row ("… serial adding") is drawn only when the answer is late (SaleScreen.PROVISIONAL_AFTER);
an answer within it goes straight to its line, with no frame spent on a row it replaces."""

from __future__ import annotations

import threading

import pytest
from test_sale import open_sale, rows
from test_sale_prompt_race import post
from tui_helpers import SIZES, MakeApp, async_test, settle

from serialpos.services.demo import _imei
from serialpos.tui.screens.sale import SaleScreen
from serialpos.tui.screens.sale_outcome import Outcome


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_scan_answered_in_time_draws_no_provisional_row(
    make_app: MakeApp, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # However loaded the machine, these answers come within the (long) wait.
    monkeypatch.setattr(SaleScreen, "PROVISIONAL_AFTER", 30.0, raising=False)
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        provisional: list[str] = []
        monkeypatch.setattr(sale.lines, "add_pending", provisional.append)
        for n in (1, 2):
            post(app, _imei(n))
            await settle(pilot)
            assert sale.view is not None and len(sale.view.lines) == n, sale.message_line.text
        assert provisional == []
        assert sale.lines.pending == []
        assert _imei(2) in rows(sale) and "adding" not in rows(sale)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_late_answer_shows_the_provisional_row_until_it_lands(
    make_app: MakeApp, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        release = threading.Event()

        def slow(*_args: object) -> Outcome:
            release.wait(30)
            return Outcome(None, "answered")

        sale.submit(slow, pending="SLOW-1")
        try:
            for _ in range(200):  # PROVISIONAL_AFTER, and a frame, on a loaded machine
                await pilot.pause(0.02)
                if "… SLOW-1 adding" in rows(sale):
                    break
            assert "… SLOW-1 adding" in rows(sale)
        finally:
            release.set()
        await settle(pilot)
        assert "adding" not in rows(sale) and sale.lines.pending == []
        assert not sale.on_its_way
        assert "answered" in sale.message_line.text
