"""The scanned line is drawn in the frame right after the service answers (issue 15), not at
the screen's next update tick: with Textual's tick made 30 s long, a frame holding the new
line still reaches the terminal. The test waits with plain sleeps, never ``pilot.pause`` (which
draws a frame itself)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import textual.screen
from test_sale import open_sale
from textual.pilot import Pilot
from tui_helpers import SIZES, MakeApp, async_test, screen_text

from serialpos.domain.decoder import decode
from serialpos.tui.app import SerialposApp
from serialpos.tui.messages import ScanRead

CABLE_BARCODE = "5012345000077"


def frames(app: SerialposApp, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The text of every frame the app puts on its terminal from now on."""
    drawn: list[str] = []
    display = app._display

    def recorded(screen: Any, update: Any) -> None:
        drawn.append(screen_text(app))
        display(screen, update)

    monkeypatch.setattr(app, "_display", recorded)
    return drawn


async def scan_and_wait(pilot: Pilot[object], lines: int) -> None:
    """Post a scan and wait (sleeping, no pilot pause) until the sale shows ``lines`` units."""
    app = pilot.app
    sale = app.screen
    app.post_message(ScanRead(CABLE_BARCODE, "test", decode(CABLE_BARCODE)))
    for _ in range(400):
        await asyncio.sleep(0.01)
        view = getattr(sale, "view", None)
        if view is not None and sum(line.quantity for line in view.lines) == lines:
            break
    for _ in range(5):  # a few idle turns for the frame; far less than the 30 s tick
        await asyncio.sleep(0.02)


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_the_new_line_is_drawn_without_waiting_for_the_tick(
    make_app: MakeApp, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        # Screens made from here on tick every 30 s; the sale screen's own timer too.
        monkeypatch.setattr(textual.screen, "UPDATE_PERIOD", 30.0)
        sale._Screen__update_timer = None  # type: ignore[attr-defined]
        drawn = frames(app, monkeypatch)
        await scan_and_wait(pilot, 1)
        assert sale.view is not None and [ln.sku for ln in sale.view.lines] == ["AC-USBC1"]
        assert any("AC-USBC1" in frame or "USB" in frame for frame in drawn), drawn[-1:]
        shown = len(drawn)
        await scan_and_wait(pilot, 2)  # the second: its quantity, drawn at once too
        assert sale.view.lines[0].quantity == 2
        assert drawn[shown:] and drawn[-1] != drawn[shown - 1]
