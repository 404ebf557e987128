"""DataGrid's column widths worked out from a report's rows (see ``fit_columns``; the table
drawn before its idle measure is tested through the sales report)."""

from __future__ import annotations

from rich.text import Text

from serialpos.tui.widgets.data_grid import content_widths


def test_content_widths_are_the_widest_cell_of_each_column() -> None:
    rows = [(Text("ab"), Text("x")), (Text("abcd"), Text("two\nlines!"), Text("ZB24000101"))]
    assert content_widths(rows) == [4, 6, 10]
    assert content_widths([]) == []
