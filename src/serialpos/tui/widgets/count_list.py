"""A long list drawn by hand: only the rows on screen are formatted and rendered.

A count's reconciliation can list hundreds of thousands of missing units; a DataTable takes
over a second to load 10,000 rows. This widget keeps the items as they are (any sequence) with
a function that turns one item into its row, and renders the window at the cursor: drilling
into a list of 1M units costs what 16 rows cost.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widget import Widget

from serialpos.domain.text import visible


class CountList(Widget, can_focus=True):
    """Rows with a cursor; Up/Down, PgUp/PgDn, Home/End move it."""

    DEFAULT_CSS = """
    CountList { height: 1fr; min-height: 3; }
    CountList > .count-list--cursor { text-style: reverse; }
    CountList > .count-list--title { text-style: bold; }
    CountList > .count-list--empty { text-style: italic; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "count-list--cursor",
        "count-list--title",
        "count-list--empty",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "edge(0)", "First", show=False),
        Binding("end", "edge(1)", "Last", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.title = ""
        self.items: Sequence[Any] = ()
        self.row: Callable[[Any, int], str] = lambda item, _width: str(item)
        self.empty = ""
        self.cursor = 0
        self.top = 0

    def show(
        self,
        title: str,
        items: Sequence[Any],
        row: Callable[[Any, int], str],
        *,
        empty: str = "nothing here",
        newest_first: bool = False,
    ) -> None:
        """A new list. ``row(item, width)`` is called only for the rows on screen."""
        self.title = title
        self.items = items
        self.row = row
        self.empty = empty
        self.cursor = 0
        self.top = 0
        if newest_first:
            self.cursor = self.top = 0
        self.refresh()

    @property
    def _page(self) -> int:
        return max(self.size.height - 1, 1)  # the title takes one row

    def action_move(self, step: int) -> None:
        self._go(self.cursor + step)

    def action_page(self, direction: int) -> None:
        self._go(self.cursor + direction * self._page)

    def action_edge(self, end: int) -> None:
        self._go(len(self.items) - 1 if end else 0)

    def _go(self, index: int) -> None:
        if not self.items:
            return
        self.cursor = max(0, min(index, len(self.items) - 1))
        page = self._page
        if self.cursor < self.top:
            self.top = self.cursor
        elif self.cursor >= self.top + page:
            self.top = self.cursor - page + 1
        self.refresh()

    def visible_text(self) -> str:
        """The rows on screen now, for tests."""
        return self.render().plain

    def render(self) -> Text:
        width = max(self.size.width, 10)
        text = Text(no_wrap=True, overflow="ellipsis")
        position = f" {self.cursor + 1}/{len(self.items)}" if self.items else ""
        text.append(
            visible(self.title)[: max(width - len(position), 1)] + position,
            style=self.get_component_rich_style("count-list--title"),
        )
        if not self.items:
            text.append("\n" + self.empty, style=self.get_component_rich_style("count-list--empty"))
            return text
        cursor_style = self.get_component_rich_style("count-list--cursor")
        end = min(self.top + self._page, len(self.items))
        for index in range(self.top, end):
            line = visible(self.row(self.items[index], width))[:width]
            text.append("\n")
            if index == self.cursor and self.has_focus:
                text.append(line.ljust(width), style=cursor_style)
            else:
                text.append(line)
        return text

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
