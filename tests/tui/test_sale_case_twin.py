"""The sale field (80x24 and 40x16) answers a serial typed or scanned in other letter case
(``drl18-a001``; the demo unit is ``DRL18-A001``) as the serial look-ups do: "did you mean
DRL18-A001?", with the bell, nothing added and no order opened. It said only "nothing
matches 'drl18-a001'"; the twin is never sold in its place."""

from __future__ import annotations

import pytest
from test_sale import enter, open_sale
from tui_helpers import SIZES, MakeApp, async_test, bells, screen_text

from serialpos.db.engine import Database
from serialpos.services.lookup import lookup_serial


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_case_twin_at_the_counter_is_asked_did_you_mean(
    make_app: MakeApp, demo_db: Database, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        rung = bells(app, monkeypatch)
        await enter(pilot, "drl18-a001")
        said = "✗ nothing matches 'drl18-a001': did you mean DRL18-A001?"
        assert sale.message_line.text == said
        assert "DRL18-A001?" in screen_text(app)  # on screen whole, at 40 columns too
        assert rung and sale.view is None  # the bell; no order, no line
        assert [c.state for c in lookup_serial(demo_db, "DRL18-A001")] == ["in_stock"]
        await enter(pilot, "AC-CASE15")  # a sale under way: the same, nothing added
        await enter(pilot, "drl18-a001")
        assert sale.message_line.text == said
        assert sale.view is not None and [ln.sku for ln in sale.view.lines] == ["AC-CASE15"]
