"""A table for narrow terminals: a row cursor whose Left/Right keys jump a whole column.

DataTable with a row cursor scrolls sideways a cell at a time, which on a 40-column handheld
means pressing Right twenty times to reach the next column. Cells are ``rich.text.Text`` so
that data is never read as markup.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable


class DataGrid(DataTable[Text]):
    """Row cursor, zebra stripes; Left/Right bring the previous/next column to the left edge."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)

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
