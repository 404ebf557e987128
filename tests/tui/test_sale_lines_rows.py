"""The sale's lines are drawn row by row, each row kept until it shows something else (issue
15: the confirmed line in the frame after the service answers). Drawn that way the cells are
exactly those of the whole text drawn at once, in every state (cursor, focus, marks, rows on
their way, narrow); a change draws only the rows that show something else, and what is on
screen after any run of changes is what a full redraw would show."""

from __future__ import annotations

from typing import Any

import pytest
from test_sale import open_sale
from test_sale_line_serials import IMEIS, LONG_SERIAL, a_line
from textual.pilot import Pilot
from textual.visual import Visual, visualize
from textual.widgets import Input
from tui_helpers import SIZES, MakeApp, async_test

from serialpos.services.orders.views import OrderLineView
from serialpos.tui.widgets.sale_lines import SaleLines


def some_lines(count: int) -> list[OrderLineView]:
    serials = [IMEIS[0], None, LONG_SERIAL, IMEIS[1]]
    return [a_line(n, serials[n % len(serials)], name=f"phone {n}") for n in range(1, count + 1)]


def cells(strips: list[Any]) -> list[list[tuple[str, str]]]:
    return [[(segment.text, str(segment.style)) for segment in strip] for strip in strips]


def whole_text(lines: SaleLines) -> list[list[tuple[str, str]]]:
    """The list drawn as Textual draws a widget's whole ``render()``."""
    width, height = lines.size
    visual = visualize(lines, lines.render(), markup=False)
    strips = Visual.to_strips(lines, visual, width, height, lines.visual_style)
    return cells(strips)


def row_by_row(lines: SaleLines) -> list[list[tuple[str, str]]]:
    drawn = cells([lines.render_line(y) for y in range(lines.size.height)])
    return [row for row in drawn if "".join(text for text, _ in row).strip()]


def on_screen(pilot: Pilot[object]) -> list[list[tuple[str, str]]]:
    return cells(pilot.app.screen._compositor.render_strips())


async def drawn(pilot: Pilot[object]) -> None:
    """A frame drawn, and the next: focusing the list shows its keys in the footer, which
    takes rows from the list (a Resize, handled a frame after the new size is drawn)."""
    for _ in range(3):
        await pilot.pause()


async def states(pilot: Pilot[object], lines: SaleLines) -> Any:
    """Walk the list through its states, yielding a name after each (its frames drawn)."""
    lines.show_lines(some_lines(3), cursor_line=3)
    await drawn(pilot)
    yield "three lines, cursor underlined"
    lines.show_lines(some_lines(30), cursor_line=30)
    await drawn(pilot)
    yield "scrolled to the newest"
    lines.add_pending("356938030000999")
    await drawn(pilot)
    yield "a scan on its way"
    lines.show_lines(some_lines(31), cursor_line=31, pending_done=True)
    await drawn(pilot)
    yield "the scan landed"
    lines.focus()
    await drawn(pilot)
    yield "focus on the lines"
    lines.action_move(-3)  # two rows apart change: the one left, the one reached
    await drawn(pilot)
    yield "the cursor moved three rows up"
    lines.toggle_mark()
    await drawn(pilot)
    yield "one marked"
    lines.toggle_damaged()
    lines.action_move(-20)
    await drawn(pilot)
    yield "damaged, moved up a page and more"
    lines.go_to(31)
    lines.show_lines(some_lines(5), cursor_line=2)
    await drawn(pilot)
    yield "fewer lines than rows"


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_rows_drawn_one_by_one_are_the_whole_text_and_the_screen_keeps_up(
    make_app: MakeApp, size: tuple[int, int]
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        lines = sale.lines
        # The scan field's cursor blinks every half second: on a loaded machine a frame or two
        # can straddle a blink, and the whole screen compared below differed by that one cell.
        sale.query_one("#scan", Input).cursor_blink = False
        async for state in states(pilot, lines):
            assert row_by_row(lines) == [
                row for row in whole_text(lines) if "".join(t for t, _ in row).strip()
            ], state
            shown = on_screen(pilot)
            lines.refresh()  # every row drawn again from scratch
            await pilot.pause()
            assert on_screen(pilot) == shown, state


@pytest.mark.parametrize("size", SIZES)
@async_test
async def test_a_landed_scan_draws_only_its_row_and_the_row_the_cursor_left(
    make_app: MakeApp, size: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    async with app.run_test(size=size) as pilot:
        sale = await open_sale(pilot)
        lines = sale.lines
        lines.show_lines(some_lines(30), cursor_line=30)  # more than fit: scrolled
        await pilot.pause()
        lines.add_pending(IMEIS[0])
        await pilot.pause()
        drawn: list[int] = []
        draw = SaleLines.render_line

        def counted(self: SaleLines, y: int) -> Any:
            drawn.append(y)
            return draw(self, y)

        monkeypatch.setattr(SaleLines, "render_line", counted)
        lines.show_lines(some_lines(31), cursor_line=31, pending_done=True)
        await pilot.pause()
        last = lines.size.height - 1
        assert sorted(set(drawn)) == [last - 1, last]
        assert IMEIS[1] in lines.visible_text().splitlines()[-1]  # line 31, its serial
