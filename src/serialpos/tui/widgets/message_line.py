"""The one line where a screen says what just happened: done, a warning, refused, or a note.

Colour is a second cue only: every kind of message starts with a symbol, so the line reads the
same on a monochrome terminal or with ``NO_COLOR`` set. Text is shown literally (control
characters as ``\\xNN``); nothing in a message is read as markup.

A scanning screen's line (``keep_end``) keeps the end of a message longer than its rows: its
first row, cut with ``…``, then its last rows. After a burst the line says the kept refusals
oldest first and the latest answer last (``2 refused (F7 lists them): A; B · then ✓ C``); on a
handheld's four to six rows the rows past the limit were cut, and with them the latest
refusal and what the last scan did. The older refusals are in F7's list whole.
"""

from __future__ import annotations

from typing import Literal

from rich.console import Console
from rich.text import Text
from textual import events
from textual.css.scalar import Unit
from textual.widgets import Static

from serialpos.domain.text import visible
from serialpos.tui.widgets.in_place import show_text

Kind = Literal["ok", "warn", "error", "note"]

#: What a person sees without colour. Errors also ring the terminal bell (the screen does that).
#: A warning (an over-scan: taken, but more than the document lists) rings the bell too.
PREFIX: dict[Kind, str] = {"ok": "✓ ", "warn": "⚠ ", "error": "✗ ", "note": "› "}
MAX_MESSAGE = 500


class MessageLine(Static):
    """Shows the latest message; screens call :meth:`ok`, :meth:`warn`, :meth:`error` or
    :meth:`note`."""

    def __init__(
        self, *, id: str | None = None, classes: str | None = None, keep_end: bool = False
    ) -> None:
        super().__init__("", id=id, classes=classes, markup=False)
        self.kind: Kind | None = None
        self.text = ""
        self.keep_end = keep_end

    def show(self, kind: Kind, message: str) -> None:
        shown = visible(message)
        if len(shown) > MAX_MESSAGE:
            shown = shown[:MAX_MESSAGE] + "…"
        self.kind = kind
        self.text = PREFIX[kind] + shown
        for name in PREFIX:
            self.set_class(name == kind, f"-{name}")
        show_text(self, self._fitted())  # no layout of the screen when it keeps its rows

    def _fitted(self) -> Text:
        """The text as shown: whole, or (``keep_end``) its first and last rows when longer
        than the rows the line may take."""
        text = Text(self.text)
        rule = self.styles.max_height
        width = self.content_size.width
        if not self.keep_end or rule is None or rule.unit is not Unit.CELLS or width <= 0:
            return text
        return first_and_last_rows(text, width, int(rule.value), self.app.console)

    def on_resize(self, event: events.Resize) -> None:
        if self.keep_end and self.text:
            show_text(self, self._fitted())

    def ok(self, message: str) -> None:
        self.show("ok", message)

    def warn(self, message: str) -> None:
        self.show("warn", message)

    def error(self, message: str) -> None:
        self.show("error", message)

    def note(self, message: str) -> None:
        self.show("note", message)

    def clear(self) -> None:
        self.kind = None
        self.text = ""
        for name in PREFIX:
            self.remove_class(f"-{name}")
        self.update("")


def first_and_last_rows(text: Text, width: int, rows: int, console: Console) -> Text:
    """``text`` wrapped at ``width``; when that takes more than ``rows`` rows, its first row
    (ending in ``…``) and its last ``rows - 1`` rows, one per line, none wider than ``width``."""
    lines = text.wrap(console, width)
    if len(lines) <= rows or rows < 2:
        return text
    head = lines[0]
    head.rstrip()
    head.truncate(width - 1)
    head.append("…")
    tail = list(lines)[-(rows - 1) :]
    for line in tail:
        line.rstrip()
    return Text("\n").join([head, *tail])
