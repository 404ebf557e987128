"""The scan field of a receiving checklist or scan-out: one scan, SKU, quantity or serial per
Enter (a :class:`~serialpos.tui.widgets.scan_input.ScanInput`), and a
pasted list of serials (or a range) taken whole.

A paste of several entries (lines, spaces, commas or semicolons between them) is not typed
into the field: it is handed to the screen as :class:`SerialField.ListPasted`, which checks
every serial before any lands. A paste too big to be a list of serials (a stray 10 MB
clipboard) is refused with a message saying how big it was and how much may be pasted; nothing
is added and the console never freezes on it. One entry is typed in as usual.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from textual import events
from textual.message import Message

from serialpos.domain.serial_lists import MAX_LIST_UNITS
from serialpos.tui.widgets.scan_input import ScanInput

#: The largest paste read as a list: 100,000 serials of up to ~40 characters and a separator.
MAX_PASTE_CHARACTERS = 4_000_000
#: Entries are parted by ASCII space, tab, line breaks, commas or semicolons only: a no-break
#: space or U+2028 inside a serial is no separator but a character refused, named.
_ENTRY_BREAK = re.compile(r"\S[ \t\r\n,;]+\S")


def paste_too_big(size: int) -> str:
    return (
        f"the paste is {size:,} characters, too big to be a list of serials (at most "
        f"{MAX_PASTE_CHARACTERS:,} characters, {MAX_LIST_UNITS:,} serials): nothing was "
        "added"
    )


class SerialField(ScanInput):
    """A :class:`ScanInput` (one entry per Enter) that hands pasted lists to its screen."""

    @dataclass
    class ListPasted(Message):
        """Several serials (or a range) were pasted: ``text`` is the paste as it came."""

        field: SerialField
        text: str

        @property
        def control(self) -> SerialField:
            return self.field

    @dataclass
    class PasteRefused(Message):
        """A paste too big to take: ``message`` says why."""

        field: SerialField
        message: str

        @property
        def control(self) -> SerialField:
            return self.field

    def _on_paste(self, event: events.Paste) -> None:
        text = event.text
        if len(text) > MAX_PASTE_CHARACTERS:
            event.stop()
            event.prevent_default()
            self.post_message(self.PasteRefused(self, paste_too_big(len(text))))
            return
        if _ENTRY_BREAK.search(text) is not None:
            event.stop()
            event.prevent_default()
            self.post_message(self.ListPasted(self, text))
            return
        super()._on_paste(event)
