"""The console's side of the scanners: the keyboard wedge's key observer, and words for the
state of the serial and evdev scanners.

**Keyboard wedge.** A wedge scanner types into the terminal like a person, and over SSH the
gaps between its keys are whatever the network makes them. So where a text field has the
focus the console does not time keys at all: every key goes into the field, and the field's
Enter ends one entry (:class:`~serialpos.tui.widgets.scan_input.ScanInput`); the screen takes
the entry as a scan. The app still shows every key to :class:`KeyboardWedge` first, on screens
that take scans (``ConsoleScreen.TAKES_SCANS``), for the one case a field cannot cover: no
text field in focus (the home menu, a table whose letter and digit keys act). There:

- Printable characters are held back, in order. An Enter closes them into one scan, whatever
  the gaps between them, as long as no gap was longer than ``key_gap_ms`` (default 300 ms, see
  :class:`~serialpos.devices.wedge.WedgeDetector`) and there were at least ``min_length``.
- With no key for ``key_gap_ms`` (or a key that is not a character: an arrow, Escape, Tab), the
  held keys are dispatched as if just typed, in order: a digit typed alone still opens its
  menu entry, only ``key_gap_ms`` later.

Enter after a run that is not a scan (too short, too late) is just Enter.

A run as long as a scan that ends without an Enter (the link paused mid-scan), and whatever
follows it within a second, is a scan cut by a pause: its keys are dropped, never dispatched,
and the screen says so (on the home menu its digits opened a flow and searched its tail).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

from textual import events
from textual.widgets import Input

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen
    from textual.timer import Timer

    from serialpos.devices.settings import WedgeSettings
    from serialpos.devices.source import SourceState
    from serialpos.devices.wedge import WedgeDetector

GS = "\x1d"
#: The source name a wedge scan carries in ``ScanRead.source``.
KEYBOARD = "keyboard"
#: On a form a person fills in, keys this close make a scan (a scanner types a key every
#: few milliseconds; a person rarely keeps four keys under 30 ms apart).
FORM_KEY_GAP_MS = 30

#: When a key was typed, in seconds. By default Textual's own stamp, taken when the terminal's
#: bytes were parsed (not when the app got round to the key); tests pass a fake.
KeyClock = Callable[[events.Key], float]
Dispatch = Callable[[events.Key], Awaitable[None]]
BurstHandler = Callable[[str], None]

#: The order states are listed in: what needs attention first.
STATE_ORDER = ("error", "disconnected", "waiting", "connected")


def key_time(event: events.Key) -> float:
    return event.time


def typed_character(event: events.Key) -> str | None:
    """The character a key types into a burst: printable characters, GS and invisible
    characters (a zero-width space in a scan is part of it, refused with it, never a key that
    lets the scan's first digits open menu entries); else None."""
    from serialpos.domain.entry_text import hidden

    char = event.character
    if char is None or len(char) != 1:
        return None
    if char == GS or char.isprintable() or hidden(char):
        return char
    return None


class KeyboardWedge:
    """Watches the app's keys for scans while no text field has the focus.

    ``dispatch`` sends a key on its normal way (the app's own key handling); ``on_burst`` gets
    the text of each scan; ``clock`` says when a key was typed. ``hold`` is how long (real
    seconds) held keys wait for the next one: by default the key gap, which is what a terminal
    needs; tests that post keys at once pass less. Works with the default settings until
    :meth:`configure` is given the terminal's.
    """

    def __init__(
        self,
        app: App[Any],
        dispatch: Dispatch,
        on_burst: BurstHandler,
        clock: KeyClock = key_time,
        hold: float | None = None,
    ) -> None:
        self.app = app
        self.dispatch = dispatch
        self.on_burst = on_burst
        self.clock = clock
        self.hold = hold
        self._detector: WedgeDetector | None = None
        self._form_detector: WedgeDetector | None = None
        self._held: list[events.Key] = []
        self._release_at = 0.0
        self._timer: Timer | None = None
        #: Told the text of a scan cut by a pause (its keys are dropped, never dispatched).
        self.on_cut: BurstHandler | None = None
        self._cut_text = ""  # the latest cut piece, joined to its tail when that is closed
        #: Pieces let into a field as pasted text (``TAKES_PASTED_TEXT``) that a scan's
        #: closing burst may yet claim: their field, their text, when the last one ended.
        self._pasted: _Pasted | None = None
        self._run_started = 0.0  # when the current run's first character came

    @property
    def detector(self) -> WedgeDetector:
        """The timing that tells a scan from typing, with the default settings until
        :meth:`configure`. Made at first use: the login, where the wedge is off, is drawn
        without importing it."""
        if self._detector is None:
            from serialpos.devices.wedge import WedgeDetector

            self._detector = WedgeDetector()
        return self._detector

    def configure(self, settings: WedgeSettings) -> None:
        from serialpos.devices.wedge import WedgeDetector

        self._detector = WedgeDetector.from_settings(settings)

    @property
    def holding(self) -> bool:
        """True while characters are held back, waiting to see whether they are a scan."""
        return bool(self._held)

    @property
    def form_detector(self) -> WedgeDetector:
        """The timing on a form a person fills in (``REFUSES_SCANS``): only keys at a
        scanner's pace (:data:`FORM_KEY_GAP_MS` apart) make a scan there, so a person typing
        quickly into its fields is never taken for one; a scan slowed by the link past it
        reaches the field as typed text, without its Enter."""
        if self._form_detector is None:
            from serialpos.devices.wedge import WedgeDetector

            self._form_detector = WedgeDetector(FORM_KEY_GAP_MS)
        return self._form_detector

    def _watching(self) -> WedgeDetector:
        from serialpos.tui.widgets.text_field import focused_refuses_scans

        refuses = getattr(self.app.screen, "REFUSES_SCANS", False) or focused_refuses_scans(
            self.app.focused
        )
        return self.form_detector if refuses else self.detector

    def _interrupt(self) -> None:
        for detector in (self._detector, self._form_detector):
            if detector is not None:
                detector.interrupt()

    async def observe(self, event: events.Key) -> bool:
        """See one key before Textual dispatches it; True when the wedge has taken it (held,
        or the Enter that closed a scan), False when it should go on its way now."""
        detector = self._watching()
        refuses = detector is self._form_detector
        if isinstance(self.app.focused, Input) and not refuses:
            # A field takes every key itself, with no timing: its Enter ends the entry. Keys
            # held from before the field had the focus go first, in order. A form a person
            # fills in (``REFUSES_SCANS``: quick create, or a field for words, a TextField) is
            # watched instead, so a scan made while it is up is told from typing and never
            # typed into its fields.
            if self._held:
                detector.interrupt()
                await self.release()
            return False
        at = self.clock(event)
        char = typed_character(event)
        if char is not None:
            if not detector.continues(at):
                await self._run_over()  # a finished run: a person typing, or a cut scan
                self._run_started = at
            detector.character(char, at)
            self._hold(event)
            return True
        if event.key == "enter":
            if detector.tail and detector.continues(at):  # the rest of a cut scan, closed
                self._cut(closed=True)
                return True
            pasted = self._claimed(detector, at)
            run = detector.run  # the keys held since the pasted piece: the scan's last ones
            burst = detector.enter(at)
            if pasted is not None and (burst is not None or self._held):
                # The pieces let in as pasted text were this scan's first keys: taken out
                # of the field again, and the scan handed on whole, as read (its last keys
                # too when too few for a burst of their own: "3" after "35693803000001"
                # was dropped, and the scan named without it).
                self._held.clear()
                pasted.take_out()
                self.on_burst(pasted.text + (burst.text if burst else run))
                return True
            if burst is None:
                await self.release()
                return False
            self._held.clear()
            self.on_burst(burst.text)
            return True
        self._pasted = None
        detector.interrupt()
        await self.release()
        return False

    def _claimed(self, detector: WedgeDetector, at: float) -> _Pasted | None:
        """The pasted pieces an Enter closes as one scan with the run before it: that run
        began within a scan's tail window of them and goes on at the scan's pace."""
        pasted, self._pasted = self._pasted, None
        if pasted is None or not detector.run or not detector.continues(at):
            return None
        return pasted if pasted.followed_by(self._run_started) else None

    async def _run_over(self) -> None:
        """The held run is over without an Enter: a scan cut by a pause is dropped and said
        (:meth:`WedgeDetector.scan_like`); anything else was typed, and its keys act.

        On a form whose screen says ``TAKES_PASTED_TEXT`` (return to vendor's vendor and
        reason), a run without an Enter is not dropped: text pasted in one write (no
        bracketed paste) comes at a scanner's pace too, and a vendor's name must be pasteable.
        The keys go into the field, and the person's Enter hands the text to the screen's
        service, which refuses a scan's text (a known serial or a barcode, services/rtv.py).
        A burst closed by an Enter is still a scan, refused as one."""
        detector = self._watching()
        held = self._held and detector.scan_like()
        pasting = detector is self._form_detector and self._takes_pasted()
        if held and not pasting:
            self._cut()
            return
        if pasting and self._held:
            self._let_in_pasted(detector)
        await self.release()

    def _let_in_pasted(self, detector: WedgeDetector) -> None:
        """The held run goes into the field as pasted text (or typing); remembered while a
        scan's closing burst may still claim it (:meth:`_claimed`): a scan cut by the link's
        jitter left its first piece in the field, the rest refused by itself. A short run
        (typing) is remembered only after such a piece, as the next piece of it."""
        last = detector.last_key_at
        pasted = self._pasted
        if last is None or not isinstance(self.app.focused, Input):
            self._pasted = None
            return
        if pasted is not None and not (
            pasted.field is self.app.focused and pasted.followed_by(self._run_started)
        ):
            pasted = None
        if pasted is None and not detector.scan_like():
            self._pasted = None
            return
        if pasted is None:
            pasted = _Pasted(self.app.focused)
        pasted.text += detector.run
        pasted.ended = last
        self._pasted = pasted

    def _takes_pasted(self) -> bool:
        return bool(getattr(self.app.screen, "TAKES_PASTED_TEXT", False))

    def _cut(self, closed: bool = False) -> None:
        """Drop the held keys of a cut scan and say it. The tail closed by its Enter is said
        joined to the piece cut before it: the whole scan as read, to scan again."""
        tail = self._watching().tail
        text = self._watching().cut(closed)
        self._held.clear()
        if tail:
            text = self._cut_text + text
        self._cut_text = "" if closed else text
        if self.on_cut is not None:
            self.on_cut(text)

    async def stand_down(self) -> None:
        """The wedge is off for the screen in front: let go of held keys, forget the run."""
        self._interrupt()
        await self.release()

    async def release(self) -> None:
        """Send the held keys on their way, in the order they were typed."""
        held, self._held = self._held, []
        if not self.app.screen_stack:
            return  # the app is closing: there is nowhere to send them
        for event in held:
            await self.dispatch(event)

    def reset(self) -> None:
        """Forget the current run and drop held keys (at log out)."""
        self._held.clear()
        self._pasted = None
        self._interrupt()

    # -- holding -----------------------------------------------------------------------------
    def _hold(self, event: events.Key) -> None:
        self._held.append(event)
        # The timer runs on the real clock: it fires once no key has come for an interval.
        # Keys that arrived together are queued ahead of it, so a burst is never cut by it.
        hold = self._watching().max_interval if self.hold is None else self.hold
        self._release_at = time.monotonic() + hold
        if self._timer is None:
            self._timer = self.app.set_timer(hold, self._timer_fired)

    async def _timer_fired(self) -> None:
        self._timer = None
        left = self._release_at - time.monotonic()
        if self._held and left > 0.001:
            self._timer = self.app.set_timer(left, self._timer_fired)
            return
        if self._held:  # no Enter came in time: typing, or a scan cut by a pause
            await self._run_over()
            self._watching().interrupt()


class _Pasted:
    """Runs let into a field as pasted text, in order (see :meth:`KeyboardWedge._claimed`)."""

    def __init__(self, field: Input) -> None:
        self.field = field
        self.text = ""
        self.ended = 0.0

    def followed_by(self, run_started: float) -> bool:
        """A run that began then is the next piece of these: within a scan's tail window
        after they ended."""
        from serialpos.devices.wedge import TAIL_WINDOW_S

        return 0 <= run_started - self.ended <= TAIL_WINDOW_S

    def take_out(self) -> None:
        """Take the pieces out of the field, after the keys already sent to it have landed
        (in the field's own turn): nothing of the scan is left there."""
        text, field = self.text, self.field

        def remove() -> None:
            value = field.value
            at = value.rfind(text)
            if at >= 0:
                field.value = value[:at] + value[at + len(text) :]
                field.cursor_position = at

        field.call_later(remove)


def type_into_focused(screen: Screen[Any], text: str) -> bool:
    """Type ``text`` into the screen's focused field at the cursor and press Enter there, as a
    wedge scanner would: how a screen that knows nothing of scans still gets one. False when
    no text field has the focus."""
    from serialpos.tui.widgets.scan_input import ScanInput

    field = screen.focused
    if not isinstance(field, Input) or field.disabled:
        return False
    field.insert_text_at_cursor(text)
    if isinstance(field, ScanInput):
        field.enter()
    else:
        field.post_message(Input.Submitted(field, field.value))
    return True


# -- serial and evdev scanners: their state in words --------------------------------------------


def scanner_summary(states: Iterable[SourceState]) -> str:
    """``scanner connected``, ``2 scanners waiting``, ``scanners: 1 error, 1 connected``."""
    statuses = [state.status for state in states]
    if not statuses:
        return ""
    if len(statuses) == 1:
        return f"scanner {statuses[0]}"
    if len(set(statuses)) == 1:
        return f"{len(statuses)} scanners {statuses[0]}"
    parts = [f"{statuses.count(s)} {s}" for s in STATE_ORDER if s in statuses]
    return "scanners: " + ", ".join(parts)


def describe_state(state: SourceState) -> str:
    """One sentence for the message line: ``scanner /dev/ttyUSB0: waiting for ... (...)``."""
    if not state.message:
        return f"scanner {state.source}: {state.status}"
    if state.message.startswith(state.status):
        return f"scanner {state.source}: {state.message}"
    return f"scanner {state.source}: {state.status} ({state.message})"
