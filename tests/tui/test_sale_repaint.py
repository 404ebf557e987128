"""A scan repaints what changed and lays nothing out (issue 15: the line on screen in one frame).

Textual's ``Static.update`` lays the whole screen out again by default; the sale screen's
message line, head and totals keep their rows on a scan, so after the first scan (which opens
the order and changes the footer's keys) no scan lays the screen out, and what changed is still
on screen. A text that needs another row count still gets its layout.
"""

from __future__ import annotations

from typing import Any

import pytest
import textual.screen
from test_sale import open_sale
from test_sale_frame import scan_and_wait
from textual.app import App, ComposeResult
from textual.widgets import Static
from tui_helpers import MakeApp, async_test, screen_text

from serialpos.tui.widgets.in_place import keeps_its_size, show_text


@async_test
async def test_scans_into_an_open_order_lay_nothing_out(
    make_app: MakeApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        sale = await open_sale(pilot)
        await scan_and_wait(pilot, 1)  # opens the order: the footer gains its keys
        layouts: list[object] = []
        original = textual.screen.Screen._refresh_layout

        def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
            layouts.append(self)
            return original(self, *args, **kwargs)

        monkeypatch.setattr(textual.screen.Screen, "_refresh_layout", counted)
        for units in (2, 3):
            await scan_and_wait(pilot, units)
        assert sale.view is not None and sale.view.lines[0].quantity == 3
        assert [s for s in layouts if s is sale] == []
        # ... and the totals that changed are on screen, repainted in place.
        total = f"{sale.view.totals.total:.2f}"
        assert total in str(sale.query_one("#totals", Static).content)
        assert total in screen_text(app)


class OneLine(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("ready", id="line", markup=False)


@async_test
async def test_a_text_asks_for_a_layout_only_when_its_rows_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = OneLine()
    async with app.run_test(size=(30, 10)) as pilot:
        line = app.query_one("#line", Static)
        asked: list[bool] = []
        update = Static.update

        def recorded(self: Static, content: Any = "", *, layout: bool = True) -> None:
            asked.append(layout)
            update(self, content, layout=layout)

        monkeypatch.setattr(Static, "update", recorded)
        assert keeps_its_size(line, "fits on the row")
        show_text(line, "fits on the row")
        show_text(line, "fits on the row")  # the same again: nothing at all
        show_text(line, "this one is far too long for thirty columns")  # wraps: two rows
        await pilot.pause()
        assert asked == [False, True]
        assert line.size.height == 2
        assert not keeps_its_size(line, "")  # empty: its height is Textual's to decide
