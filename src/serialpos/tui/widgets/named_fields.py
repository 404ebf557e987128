"""Fields one under another, each named at its left ("User", "PIN", "Store"), drawn by the
one container that holds them.

The login form is the console's first frame, and Textual's cost is per widget (styling,
layout, rendering): a row container and a label for each field were six of the login's
widgets, and its first frame cost about twice a minimal Textual app's
(bench/startup_bench.py). Here the container itself draws the names in the columns its
fields leave free (login.tcss gives them ``margin-left``), on the row where each field's text
is: the second row of a framed field, the first on a short terminal, where fields lose their
frame (the same rows the labels took).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widget import Widget


class NamedFields(Widget):
    """Holds the fields (its children, in order) and draws ``names`` beside them. A field
    may have alternatives added after it (the store's text, then its list): the names go to
    the fields shown, in order."""

    def __init__(self, *fields: Widget, names: Sequence[str], id: str | None = None) -> None:
        if len(names) != len(fields):
            raise ValueError(f"{len(names)} names for {len(fields)} fields")
        super().__init__(*fields, id=id)
        self.names = tuple(names)

    def render(self) -> Text:
        # A field's frame takes its first row; on a short screen fields have none (login.tcss).
        text_row = 0 if self.screen.has_class("-short") else 1
        rows = [""] * self.size.height
        top = 0
        shown = [child for child in self.children if child.display]
        for field, name in zip(shown, self.names, strict=False):
            if 0 <= top + text_row < len(rows):
                rows[top + text_row] = name
            top += field.outer_size.height
        return Text("\n".join(rows), no_wrap=True, overflow="crop")
