"""A field a person types words into (a vendor, a name, a note, a PIN): never a scan.

A wedge scanner types into whatever field has the focus. In a scan field that is the point;
in a field for words it is a wrong record: a unit's serial became an adjustment's note (and
the unit was not written off), two serials run together became a receipt's vendor, the
first Enter swallowed. So while a :class:`TextField` has the focus the keyboard wedge times
the keys as on a form a person fills in (tui/scanners.py, ``REFUSES_SCANS``): keys at a
scanner's pace ending in Enter are a scan, refused here with the bell and named on the
dialog's message line; nothing is typed in and nothing is taken. A scan from a serial or
evdev scanner is refused the same way (app_scanners.py). A person typing, however fast,
types as before.

Every free-text field of the console is one of these; tests/tui/test_text_fields_refuse_scans.py
walks the screens' sources so that a new field cannot forget.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.widget import Widget

from serialpos.domain.text import clip, visible
from serialpos.tui.widgets.capped_input import CappedInput
from serialpos.tui.widgets.message_line import MessageLine


class TextField(CappedInput):
    """A :class:`CappedInput` for words; a scan made while it has the focus is refused.

    ``what`` names the field in the refusal ("the vendor"); by default its placeholder."""

    REFUSES_SCANS: ClassVar[bool] = True

    def __init__(self, *args: Any, what: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.what = what
        #: The scans refused here, in order: a burst of several is said whole, not just its
        #: last (each refusal would overwrite the one before on the message line).
        self.scans_refused: list[str] = []

    def scan_arrived(self, raw: str) -> None:
        """A whole scan read while this field has the focus: refused (a field for words)."""
        self.refuse_scan(raw)

    def refuse_scan(self, raw: str) -> None:
        """Say that a scan was not used here (the bell, the scan named); the field keeps what
        was typed in it."""
        self.app.bell()
        self.scans_refused.append(clip(visible(raw), 24))
        what = self.what or str(self.placeholder) or "field"
        count = len(self.scans_refused)
        if count == 1:
            words = f"{self.scans_refused[0]} was scanned, not used: type the {what}"
        else:
            words = f"{count} scans not used (last {self.scans_refused[-1]}): type the {what}"
        self.say(words)

    def say(self, words: str) -> None:
        """An error on the screen's message line (a notification where it has none)."""
        line = _message_line(self.screen)
        if line is not None:
            line.error(words)
        else:
            self.app.notify(words, severity="error")


def _message_line(screen: Widget) -> MessageLine | None:
    lines = screen.query(MessageLine)
    return lines.first() if lines else None


def focused_refuses_scans(focused: Widget | None) -> bool:
    """True when the focused widget is a field for words (:class:`TextField`)."""
    return bool(getattr(focused, "REFUSES_SCANS", False))
