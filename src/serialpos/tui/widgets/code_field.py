"""A field for a document's code that may be typed or scanned: a blind receipt's vendor code and
packing-slip number. A scan made while it has the focus is not typed in; it is handed to the
screen (:class:`CodeField.Scanned`), whose service says whether it is the code or the scan of
a unit, a product or a case (services/scanned_codes.py). Keys typed are words, as in any
:class:`~serialpos.tui.widgets.text_field.TextField`."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from serialpos.domain.text import clip, visible
from serialpos.tui.widgets.text_field import TextField


class CodeField(TextField):
    """A :class:`TextField` whose scans go to its screen to be judged, not refused outright."""

    @dataclass
    class Scanned(Message):
        """A scanner read ``raw`` while this field had the focus."""

        field: CodeField
        raw: str

    def scan_arrived(self, raw: str) -> None:
        self.post_message(self.Scanned(self, raw))

    def refuse_code(self, raw: str, why: str) -> None:
        """A scan the screen's service refused: the bell and ``why``; a burst of several is
        said with its count, the last one's reason kept."""
        self.app.bell()
        self.scans_refused.append(clip(visible(raw), 24))
        count = len(self.scans_refused)
        words = why if count == 1 else f"{count} scans not used; last: {why}"
        self.say(words)
