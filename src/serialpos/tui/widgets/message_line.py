"""The one line where a screen says what just happened: done, a warning, refused, or a note.

Colour is a second cue only: every kind of message starts with a symbol, so the line reads the
same on a monochrome terminal or with ``NO_COLOR`` set. Text is shown literally (control
characters as ``\\xNN``); nothing in a message is read as markup.
"""

from __future__ import annotations

from typing import Literal

from rich.text import Text
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

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", id=id, classes=classes, markup=False)
        self.kind: Kind | None = None
        self.text = ""

    def show(self, kind: Kind, message: str) -> None:
        shown = visible(message)
        if len(shown) > MAX_MESSAGE:
            shown = shown[:MAX_MESSAGE] + "…"
        self.kind = kind
        self.text = PREFIX[kind] + shown
        for name in PREFIX:
            self.set_class(name == kind, f"-{name}")
        show_text(self, Text(self.text))  # no layout of the screen when it keeps its rows

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
