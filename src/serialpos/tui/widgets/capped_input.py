"""A text field that never takes more than it can show safely.

A scanner misfire or a huge clipboard paste must not freeze the console, and pasted control
characters (an escape sequence, say) must never reach the terminal raw. So this field cuts a
paste to the room left *before* inserting it, shows control characters as ``\\xNN`` text, and
rings the bell at most once per burst of refused keys rather than once per key.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from textual import events
from textual.message import Message
from textual.widgets import Input

from serialpos.domain.text import has_control_chars, visible

#: Enough for any serial, SKU, name or search; a 10 MB paste is cut to this.
DEFAULT_MAX_LENGTH = 4096
_BELL_GAP_SECONDS = 0.5
_NEWLINE = re.compile(r"[\r\n]")
_NON_BLANK = re.compile(r"\S")


class CappedInput(Input):
    """An :class:`~textual.widgets.Input` with a hard length cap and safe paste handling."""

    @dataclass
    class PasteCut(Message):
        """A paste was cut (too long, several lines, or control characters); ``message`` says
        how, in words for the message line."""

        input: CappedInput
        message: str

        @property
        def control(self) -> CappedInput:
            return self.input

    def __init__(self, *args: Any, max_length: int = DEFAULT_MAX_LENGTH, **kwargs: Any) -> None:
        super().__init__(*args, max_length=max_length, **kwargs)
        self._last_bell = 0.0

    def validate_value(self, value: str) -> str:
        """Every way a value arrives (typed, pasted, set by code) ends up capped and free of raw
        control characters."""
        if has_control_chars(value):
            value = visible(value)
        if self.max_length and len(value) > self.max_length:
            value = value[: self.max_length]
        return value

    def _on_paste(self, event: events.Paste) -> None:
        # Replaces Input._on_paste (prevent_default stops the base handler): the base splits
        # the whole paste into lines first, which is slow for megabytes, and then refuses the
        # paste outright when it is longer than max_length.
        event.stop()
        event.prevent_default()
        text = event.text
        if not text:
            return
        limit = self.max_length or DEFAULT_MAX_LENGTH
        start, end = sorted(self.selection)
        room = max(limit - (len(self.value) - (end - start)), 0)
        head = text[: room + 1]  # never look at more of the paste than could fit
        newline = _NEWLINE.search(head)
        notes: list[str] = []
        if newline is not None:
            line = head[: newline.start()]
            if _NON_BLANK.search(text, newline.end()) is not None:
                notes.append("only the first line of the pasted text was kept")
        else:
            line = head[:room]
            if len(text) > room:
                notes.append(f"pasted text was cut to {limit} characters")
        if has_control_chars(line):
            line = visible(line)[:room]
            notes.append("control characters in it are shown as \\xNN")
        line = self.shown_in_field(line)[:room]
        if line:
            self.replace(line, start, end)
        elif len(text) > room:
            self.restricted()
        if notes:
            self.post_message(self.PasteCut(self, "; ".join(notes)))

    def shown_in_field(self, text: str) -> str:
        """How pasted text is written into the field (a scan field marks invisible
        characters, :class:`~serialpos.tui.widgets.scan_input.ScanInput`)."""
        return text

    def fit_placeholder(self, *wordings: str) -> None:
        """Show the first of ``wordings`` the field holds whole (the last when none does, none
        when none is given): a handheld's field is 38 columns, and a prompt cut there loses
        its end, often the words that say what to do (a count's number, "or scan a product")."""
        width = self.content_region.width or self.app.size.width - 2
        fits = (w for w in wordings if len(w) <= width)
        self.placeholder = next(fits, wordings[-1] if wordings else "")

    def restricted(self) -> None:
        """A refused key or paste rings the bell — once per burst, not once per character of a
        runaway scanner."""
        now = time.monotonic()
        if now - self._last_bell >= _BELL_GAP_SECONDS:
            self._last_bell = now
            self.app.bell()
