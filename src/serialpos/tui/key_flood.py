"""Keys arriving faster than the console can take them: dropped past a backlog, and said.

Why: a terminal without bracketed paste (some handheld terminals, tmux ``paste-buffer``)
sends a pasted text as keys, one by one. Textual's input thread turns each character into a
key event and hands it to the app at once, however far behind the app is: a 10 MB paste
queued ten million events and grew the console to 6.4 GB in ten minutes, still taking them
(seen by a new-user check; with bracketed paste the field cuts the text to 4,096 characters
and says so). No person types, and no scanner sends, thousands of keys ahead of the screen:
a scanner's burst is tens. So past :data:`BACKLOG` events not yet taken, the keys are
dropped (nothing they would have typed is entered, nothing recorded changes) and the screen
says how many, once the app has caught up; memory stays bounded.

:class:`KeyFlood` is the bookkeeping (plain Python, shared by the input thread and the app's
loop); :func:`guarded_driver` gives the driver class that applies it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from textual.driver import Driver

#: Input events handed to the app and not yet taken (its queue and those still on the way)
#: past which keys are dropped. A scanner's burst is tens of keys; a person types a few a
#: second.
BACKLOG = 2_000
#: Once keys are dropped, every key is dropped until the input pauses this long (seconds):
#: the rest of the flood is read and let go at the input thread's speed instead of
#: trickling through the screen at the app's (a 10 MB paste took minutes more). A person's
#: next key comes after such a pause; so does a scanner's next scan.
QUIET = 0.25


class KeyFlood:
    """How many keys are on their way to the app, and how many were dropped since the screen
    last said so."""

    def __init__(self, backlog: int = BACKLOG, quiet: float = QUIET) -> None:
        self.backlog = backlog
        self.quiet = quiet
        self._lock = threading.Lock()
        self._on_the_way = 0
        self._dropped = 0
        self._flooding = False
        self._last_at = 0.0

    def admit(self, queued: int, at: float) -> bool:
        """Whether a key read at ``at`` (seconds, monotonic) may go to the app, ``queued``
        events waiting in its queue. A key refused is counted as dropped."""
        with self._lock:
            since, self._last_at = at - self._last_at, at
            if self._flooding and since < self.quiet:
                self._dropped += 1
                return False
            self._flooding = queued + self._on_the_way >= self.backlog
            if self._flooding:
                self._dropped += 1
                return False
            self._on_the_way += 1
            return True

    def arrived(self) -> None:
        """A key admitted has reached the app's queue."""
        with self._lock:
            self._on_the_way -= 1

    def first_drop(self) -> bool:
        """Whether the key just dropped is the first since the screen last said so (the app
        is then told once, not once per key)."""
        with self._lock:
            return self._dropped == 1

    def take_dropped(self) -> int:
        """The keys dropped since the last call, said by the screen now."""
        with self._lock:
            dropped, self._dropped = self._dropped, 0
            return dropped


class KeysDropped(Message):
    """Sent by the input thread at a flood's first dropped key; taken by the app behind the
    keys already queued, when it says how many were dropped."""

    def __init__(self, flood: KeyFlood) -> None:
        super().__init__()
        self.flood = flood


def dropped_words(dropped: int) -> str:
    keys = "1 key" if dropped == 1 else f"{dropped:,} keys"
    return (
        f"{keys} dropped: they came faster than the console takes them (a paste "
        "sent as keys?). Nothing they would have typed was entered; paste with the "
        "terminal's own paste, or type it again"
    )


def guarded_driver(
    on_flood: Callable[[KeyFlood], Message] = KeysDropped,
) -> type[Driver] | None:
    """The Linux terminal driver with :class:`KeyFlood` applied to its keys, or None where
    Textual would pick another driver (Windows, a driver named by ``TEXTUAL_DRIVER``).
    ``on_flood`` makes the message the app is sent at a flood's first dropped key (it
    reaches the app behind the keys already queued: said once the app has caught up)."""
    import asyncio
    import os
    import sys
    import time

    if sys.platform == "win32" or os.environ.get("TEXTUAL_DRIVER"):
        return None
    from textual import events
    from textual.drivers.linux_driver import LinuxDriver

    class FloodGuardedDriver(LinuxDriver):
        flood = KeyFlood()

        def send_message(self, message: Message) -> None:
            if not isinstance(message, events.Key):
                super().send_message(message)
                return
            app: Any = self._app
            queue = getattr(app, "_message_queue", None)
            queued = queue.qsize() if queue is not None else 0
            if not self.flood.admit(queued, time.monotonic()):
                if self.flood.first_drop():
                    super().send_message(on_flood(self.flood))
                return
            future = asyncio.run_coroutine_threadsafe(
                self._app._post_message(message), loop=self._loop
            )
            future.add_done_callback(lambda _done: self.flood.arrived())

    return FloodGuardedDriver
