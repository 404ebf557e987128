"""A list's rows turned into cells one by one, each kept until what it says changes.

Textual draws a widget's ``render()`` whole: when anything in it changes, every row is
turned into cells again. At the counter a scan adds one row to the sale's lines and moves the
rest up by one, and drawing all of them again was the biggest part of the console's work per
scan (issue 15: the confirmed line in the frame after the service answers). A widget that
draws its rows through Textual's line API (``render_line``) keeps them here instead, by a key
that says everything its row shows: a frame turns into cells only the rows it has not drawn
before.

A row is turned into cells by the same Textual steps as the widget's whole text would be
(``visualize`` and ``Visual.to_strips`` with the widget's own style), one row high, so the
cells are the same as before; ``tests/tui/test_sale_lines_rows.py`` compares the two.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable

from rich.text import Text
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.visual import Visual, visualize
from textual.widget import Widget

#: What a row drawn some other way is recorded as (it never equals a key: drawn again).
UNKNOWN = object()


class KeptRows:
    """The cells of a widget's rows by their key, for the width they were drawn at."""

    def __init__(self, widget: Widget) -> None:
        self.widget = widget
        self._kept: dict[Hashable, Strip] = {}
        self._width = -1
        #: What each row of the widget shows now (its key, None blank): what Textual last
        #: asked the widget to draw there, and so what its own cache of lines holds.
        self._drawn: dict[int, object] = {}

    def drawn(self, y: int, key: object) -> None:
        """Row ``y`` was drawn as ``key`` (None: blank; :data:`UNKNOWN`: some other way)."""
        self._drawn[y] = key

    def changed(self, rows: list[Hashable], size: Size) -> list[Region]:
        """The runs of rows (in the widget's content) whose key is not what they show now:
        what to mark for drawing so that the next frame shows ``rows``, and nothing else.
        Several changes before a frame each mark what differs from what is on screen, so
        together they mark every row the frame must draw."""
        width, height = size
        marked: list[Region] = []
        start: int | None = None
        drawn = self._drawn
        for y in range(height + 1):
            same = y == height or drawn.get(y, UNKNOWN) == (rows[y] if y < len(rows) else None)
            if not same and start is None:
                start = y
            elif same and start is not None:
                marked.append(Region(0, start, width, y - start))
                start = None
        return marked

    def clear(self) -> None:
        """Forget every row (the widget's styles changed: colours, focus, theme)."""
        self._kept.clear()

    def keep_only(self, keys: Iterable[Hashable]) -> None:
        """Forget the rows that are no longer in view (the list only ever holds a screenful)."""
        wanted = set(keys)
        self._kept = {key: strip for key, strip in self._kept.items() if key in wanted}

    def strip(self, y: int, key: Hashable, text_of: Callable[[Hashable], Text]) -> Strip:
        """Row ``y`` drawn as ``key``: its cells, made from ``text_of(key)`` (one line) when
        not kept."""
        self._drawn[y] = key
        widget = self.widget
        width = widget.size.width
        if width != self._width:
            self._kept.clear()
            self._width = width
        kept = self._kept.get(key)
        if kept is None:
            visual = visualize(widget, text_of(key), markup=False)
            strips = Visual.to_strips(widget, visual, width, 1, widget.visual_style)
            kept = strips[0] if strips else Strip.blank(width, widget.visual_style.rich_style)
            self._kept[key] = kept
        return kept
