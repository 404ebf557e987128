"""The console's key clock, and the wait of one key gap after a held key.

A key's time is read from the console's key clock: Textual's stamp, taken when the terminal's
bytes were parsed (tests pass a fake clock to the wedge, and every reader asks the same one).

A held key (a lone ``y`` in a question, a list's line key) acts once the key gap passes with
no key after it: a scan may begin with it. A wall-clock timer alone decided that before, and
its callback ran in its own task: on a loaded console it could run ahead of keys the terminal
had already sent, still queued behind a slow screen, so a scan beginning with ``y`` was cut
after its first letter (the ``y`` alone said Yes). Now, when the timer fires,
:class:`HeldKeyWait` asks the key clock how long it has been since the held key, waits the
rest if the gap has not passed there, and then acts through the app's message queue, behind
any key already queued: a key that came in time is seen first and the held key never acts
alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual import events
    from textual.app import App
    from textual.dom import DOMNode
    from textual.timer import Timer


def key_time(app: App[Any], event: events.Key) -> float:
    """When ``event`` was typed, on the console's key clock (the wedge's: tests set it)."""
    clock = getattr(getattr(app, "wedge", None), "clock", None)
    return float(clock(event)) if callable(clock) else event.time


def key_clock_now(app: App[Any]) -> float:
    """Now, on the console's key clock: the steady clock Textual stamps keys with, unless the
    clock is a test's, which says itself (``current``)."""
    clock = getattr(getattr(app, "wedge", None), "clock", None)
    current = getattr(clock, "current", None)
    return float(current()) if callable(current) else time.monotonic()


class HeldKeyWait:
    """One key gap after the latest held key, on the key clock, then ``on_gap`` (see the
    module). ``node`` owns the wall timer (a screen or a widget)."""

    def __init__(self, node: DOMNode, on_gap: Callable[[], None]) -> None:
        self.node = node
        self.on_gap = on_gap
        self._timer: Timer | None = None
        self._window = 0.0
        self._held_at = 0.0
        self._round = 0  # which wait a queued call belongs to: a key since makes it stale

    def start(self, window: float, held_at: float) -> None:
        """Wait ``window`` seconds after the key typed at ``held_at`` (key clock)."""
        self.stop()
        self._window, self._held_at = window, held_at
        self._timer = self.node.set_timer(window, self._fired)

    def stop(self) -> None:
        """Forget the wait (a key came, or the question was answered another way)."""
        self._round += 1
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _fired(self) -> None:
        self._timer = None
        left = self._window - (key_clock_now(self.node.app) - self._held_at)
        if left > 0.001:
            self._timer = self.node.set_timer(left, self._fired)
            return
        self.node.app.call_later(self._due, self._round)

    def _due(self, round_: int) -> None:
        if round_ == self._round and self.node.is_attached:
            self.on_gap()


class OnceEachKey:
    """The key clock, read once per key: asked again about a key already timed, it says the
    same time. Several readers time one key (the wedge, a yes/no dialog's gate, the watch on an
    Enter after a close, :mod:`enter_after_close`); a test's clock moves on at each reading, so
    a second reading would have made the key look later than it was typed."""

    KEPT = 32  # keys remembered: a key is read within its own handling

    def __init__(self, clock: Callable[[events.Key], float]) -> None:
        self.clock = clock
        #: A test clock's own "now" (see :func:`key_clock_now`), when it has one.
        self.current: Callable[[], float] | None = getattr(clock, "current", None)
        self._timed: list[tuple[events.Key, float]] = []

    def __call__(self, event: events.Key) -> float:
        for seen, at in self._timed:
            if seen is event:
                return at
        at = self.clock(event)
        self._timed = [*self._timed[-(self.KEPT - 1) :], (event, at)]
        return at
