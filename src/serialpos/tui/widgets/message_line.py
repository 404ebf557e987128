"""The one line where a screen says what just happened: done, a warning, refused, or a note.

Colour is a second cue only: every kind of message starts with a symbol, so the line reads the
same on a monochrome terminal or with ``NO_COLOR`` set. Text is shown literally (control
characters as ``\\xNN``); nothing in a message is read as markup.

A scanning screen's line (``mark_cut``) shows a message longer than its rows as its first
rows, the last of them ending in ``…``. After a burst the line says the newest scan's answer
first and the kept refusals after it, newest first (``✓ C · before it: 2 refused (F7 lists
them), newest first: B; A``; kept_refusals.py): on a handheld's four to six rows what is cut
is the oldest refusals, which F7's list shows whole. (The line said the latest answer last,
and kept its first and last rows: the newest refusal, next to the answer, was the one cut.)
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
        self, *, id: str | None = None, classes: str | None = None, mark_cut: bool = False
    ) -> None:
        super().__init__("", id=id, classes=classes, markup=False)
        self.kind: Kind | None = None
        self.text = ""
        self.mark_cut = mark_cut

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
        """The text as shown: whole, or (``mark_cut``) its first rows, marked cut, when longer
        than the rows the line may take."""
        text = Text(self.text)
        rule = self.styles.max_height
        width = self.content_size.width
        if not self.mark_cut or rule is None or rule.unit is not Unit.CELLS or width <= 0:
            return text
        return first_rows(text, width, int(rule.value), self.app.console)

    def on_resize(self, event: events.Resize) -> None:
        if self.mark_cut and self.text:
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


def first_rows(text: Text, width: int, rows: int, console: Console) -> Text:
    """``text`` wrapped at ``width``; when that takes more than ``rows`` rows, its first
    ``rows`` rows, one per line, none wider than ``width``, the last ending in ``…``."""
    lines = list(text.wrap(console, width))
    if len(lines) <= rows or rows < 1:
        return text
    kept = lines[:rows]
    for line in kept:
        line.rstrip()
    last = kept[-1]
    last.truncate(width - 1)
    last.append("…")
    return Text("\n").join(kept)
