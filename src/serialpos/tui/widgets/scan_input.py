"""The field every scan goes into: what arrives before an Enter is one entry, whatever the gaps.

A keyboard-wedge scanner types like a person, and over SSH the gaps between its keys are
whatever the network makes them, so no timing can tell a scan from typing or say where a
slow scan ends. This field does not try. Every key goes into it as typed; **Enter ends an
entry**: the field takes its whole value, empties itself and posts one :class:`ScanInput.Entered`
with the text, all in its own key handler. Because the field handles its keys in the order
they came, the next key (however soon the next scan follows) lands in an empty field: nothing
left in it can prefix the next scan, and two scans can never merge. Typed keys and a burst that
lands on them are one entry, as they are one line of text.

``Input.Submitted`` is never posted: Textual runs an ``Input``'s Enter binding only after the
key has bubbled up to the app, by which time the next scan's keys are already in the field,
and a screen that clears the field in its ``Submitted`` handler would clear them too.

A Tab right after a burst ends an entry too (a scanner configured with a Tab suffix): see
:meth:`ScanInput._ends_burst`. A line feed (^J) ends an entry as Enter does: a wedge scanner
set to end its scans with LF instead of CR sends ^J, and a field that ignored it would leave
the scan in place for the next one to be appended to. ^J is handled in the same key handler
as Enter, so the order holds.

GS (ASCII 29, GS1's FNC1, sent by a scanner as Ctrl+]) is a control character that a field
cannot show; it is shown as ``␝`` and given back as GS in the entry, so GS1 element strings
typed by a wedge decode as they would from a serial-port scanner.

An invisible character (a zero-width space U+200B, a no-break space U+00A0, a bidi override
U+202E ...) typed, scanned or pasted is never dropped, as a plain Textual field drops it: it is
shown where it came as ``⟨U+200B⟩`` (``domain/entry_text.py``), and an entry holding one is
refused whole at Enter (:class:`ScanInput.Refused`, with the character and its position, the
field emptied as for any entry): a serial missing it is another serial than the label's.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message

from serialpos.domain.entry_text import entry_refusal, hidden, marked, unmarked
from serialpos.tui.held_keys import key_time
from serialpos.tui.keymap import ACTION_KEY
from serialpos.tui.widgets.capped_input import CappedInput

GS = "\x1d"
#: How GS is shown in the field (Unicode's symbol for group separator).
GS_SHOWN = "\u241d"


def key_gap(app: object) -> float:
    """The longest gap (seconds) between two keys of one burst: the wedge's setting."""
    from serialpos.devices.wedge import DEFAULT_KEY_GAP_MS

    wedge = getattr(app, "wedge", None)
    detector = getattr(wedge, "detector", None)
    gap = getattr(detector, "max_interval", None)
    return float(gap) if isinstance(gap, int | float) else DEFAULT_KEY_GAP_MS / 1000


#: The keys that end an entry: Enter, and the line feed the one keymap gives it (^J).
ENTRY_KEYS = frozenset({"enter", ACTION_KEY["submit"]})


class ScanInput(CappedInput):
    """A :class:`CappedInput` whose Enter (or ^J) ends one entry and empties the field at
    once."""

    # Declared for the one keymap and docs/keys.md; the key handler below acts on ^J first,
    # in key order, as on Enter.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(ACTION_KEY["submit"], "submit", "End the entry (a line feed)", show=False),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Focus never selects what is in the field: a scan begun elsewhere (typed on the sale
        # lines, then the field focused) is continued, never replaced by its own next keys.
        kwargs.setdefault("select_on_focus", False)
        super().__init__(*args, **kwargs)
        #: When each character of the entry so far was typed (-1: an edit came between).
        self._char_times: list[float] = []

    @dataclass
    class Entered(Message):
        """Enter was pressed: ``value`` is everything typed or scanned since the last Enter
        (GS given back), and the field is already empty."""

        input: ScanInput
        value: str
        #: Every character of the entry and its Enter came at a scanner's pace
        #: (:meth:`ScanInput.at_scanner_pace`): a scan, never a person's typed number.
        scanned: bool = False

        @property
        def control(self) -> ScanInput:
            return self.input

    @dataclass
    class Refused(Message):
        """Enter was pressed on an entry holding an invisible character: ``message`` names it
        and its position; nothing was entered and the field is already empty."""

        input: ScanInput
        message: str

        @property
        def control(self) -> ScanInput:
            return self.input

    def validate_value(self, value: str) -> str:
        """An invisible character however it came (a scan typed in by code, a value set) is
        shown as its marker, never as nothing."""
        return super().validate_value(marked(value))

    def shown_in_field(self, text: str) -> str:
        return marked(text)

    async def _on_key(self, event: events.Key) -> None:
        # Runs before Input's own handler (the most derived class first); prevent_default
        # keeps Input from seeing the key again.
        at = key_time(self.app, event)
        if event.key in ENTRY_KEYS or (event.key == "tab" and self._ends_burst(at)):
            event.stop()
            event.prevent_default()
            self._last_char_at = None
            self._paced = self.at_scanner_pace(at)
            self._char_times = []
            self.enter()
            self._paced = False
            return
        if event.key == "tab":  # handed here by the app (tui/app.py), in key order
            event.stop()
            event.prevent_default()
            self._last_char_at = None
            self.screen.focus_next()
            return
        char = event.character or ""
        odd = hidden(char)
        self._last_char_at = at if len(char) == 1 and (char.isprintable() or odd) else None
        if self._last_char_at is None:
            self._char_times = [-1.0]  # an edit (Backspace, an arrow): typed by a person
        else:
            self._char_times.append(at)
        if odd:  # Input drops it (not printable): shown where it came, refused at Enter
            event.stop()
            event.prevent_default()
            self.insert_text_at_cursor(marked(char))
        elif char == GS:
            event.stop()
            event.prevent_default()
            self.insert_text_at_cursor(GS_SHOWN)

    _last_char_at: float | None = None  # when the latest character was typed in, if it was
    _paced = False  # the entry being ended came at a scanner's pace

    def at_scanner_pace(self, at: float) -> bool:
        """The entry ending now (its Enter at ``at``) came at a scanner's pace: every
        character of the value typed into it by a key, at least a scan's length of them,
        each (and the Enter) within the form key gap
        (:data:`~serialpos.tui.scanners.FORM_KEY_GAP_MS`) of the one before. A person's
        typing, a paste, or an edit in between is not (a scan slowed by the link past that
        gap is judged as typed: domain/quantity_entry.py asks about an unlikely number)."""
        from serialpos.tui.scanners import FORM_KEY_GAP_MS

        times = [*self._char_times, at]
        wedge: Any = getattr(self.app, "wedge", None)
        shortest = int(getattr(getattr(wedge, "detector", None), "min_length", 4))
        if len(times) - 1 != len(self.value) or len(self.value) < shortest:
            return False
        gap = FORM_KEY_GAP_MS / 1000 + 1e-9
        return all(0 <= b - a <= gap for a, b in itertools.pairwise(times))

    def _ends_burst(self, at: float) -> bool:
        """A Tab right after the characters of a burst (within the wedge's key gap) is a
        scanner's suffix: it ends the entry as Enter does. A scanner set to send Tab left its
        scan in the field (Enter did nothing) for the next scan to replace or be glued onto.
        A Tab in an empty field, or typed after a pause, still moves the focus."""
        last = self._last_char_at
        if not self.value or last is None:
            return False
        return 0 <= at - last <= key_gap(self.app) + 1e-9

    async def action_submit(self) -> None:
        """Enter reached through a binding (a screen's own, or Pilot's ``press``): the same."""
        self.enter()

    def enter(self) -> None:
        """End the entry: take the value, empty the field, post :class:`Entered` (or
        :class:`Refused` when it holds an invisible character)."""
        text = unmarked(self.value.replace(GS_SHOWN, GS))
        self.value = ""
        refusal = entry_refusal(text)
        if refusal is not None:
            self.post_message(self.Refused(self, refusal))
            return
        self.post_message(self.Entered(self, text, scanned=self._paced))
