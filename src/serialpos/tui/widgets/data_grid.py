"""A table for narrow terminals: a row cursor whose Left/Right keys jump a whole column.

DataTable with a row cursor scrolls sideways a cell at a time, which on a 40-column handheld
means pressing Right twenty times to reach the next column. Cells are ``rich.text.Text`` so
that data is never read as markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.text import Text
from textual.geometry import Size
from textual.widgets import DataTable


def content_widths(rows: Iterable[Sequence[Text]]) -> list[int]:
    """The widest cell of each column (terminal cells) over ``rows``: what a table filled in
    chunks is given before its first row (see :meth:`DataGrid.fit_columns`). Pure, so a
    worker's thread can work it out with the rows."""
    widths: list[int] = []
    for cells in rows:
        if len(widths) < len(cells):
            widths.extend([0] * (len(cells) - len(widths)))
        for i, cell in enumerate(cells):
            widths[i] = max(widths[i], max((c.cell_len for c in cell.split("\n")), default=0))
    return widths


class DataGrid(DataTable[Text]):
    """Row cursor, zebra stripes; Left/Right bring the previous/next column to the left edge."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)

    def watch_virtual_size(self, old: Size, new: Size) -> None:
        """DataTable measures new rows when it is next idle and then sets the virtual size;
        rows a frame drew before that are kept drawn at the narrower widths (its caches are
        keyed by an update count the measure does not change). A wider table means wider
        columns: the drawings are dropped so every row is drawn again at its width."""
        if new.width != old.width:
            self.notify_style_update()  # clears DataTable's drawn rows and cells

    def fit_columns(self, widths: Sequence[int]) -> None:
        """Fix each column's width to ``widths`` (or its header, if wider) before rows go in.

        DataTable measures new rows only when it is next idle, while a frame may draw them
        before that (on a loaded machine, or when a screen is not styled again): the cells
        drawn then are kept by the table at the header's width, and stay cut after the
        measure (a serial shown as ``ZB2400``). With the widths known beforehand every
        drawing of a row is at its final width. A column past ``widths`` keeps fitting its
        cells as DataTable does."""
        for column, width in zip(self.ordered_columns, widths, strict=False):
            column.width = max(width, column.label.cell_len)
            column.auto_width = False
        self.refresh(layout=True)

    def _column_starts(self) -> list[int]:
        starts, x = [], 0
        for column in self.ordered_columns:
            starts.append(x)
            x += column.get_render_width(self)
        return starts

    def action_cursor_right(self) -> None:
        if self.cursor_type != "row":
            super().action_cursor_right()
            return
        ahead = [x for x in self._column_starts() if x > self.scroll_x]
        if ahead:
            self.scroll_to(x=min(ahead[0], self.max_scroll_x), animate=False)

    def action_cursor_left(self) -> None:
        if self.cursor_type != "row":
            super().action_cursor_left()
            return
        behind = [x for x in self._column_starts() if x < self.scroll_x]
        self.scroll_to(x=behind[-1] if behind else 0, animate=False)
