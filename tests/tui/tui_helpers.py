"""Helpers for the console tests: sizes, logging in, waiting for workers, reading the screen.

pytest-asyncio is not a dependency, so async scenarios run through :func:`async_test`.
"""

from __future__ import annotations

import asyncio
import functools
import math
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, cast

import pytest
from textual import events
from textual.pilot import Pilot

from serialpos.domain.decoder import decode
from serialpos.services.demo import DEMO_USERS
from serialpos.tui.app import SerialposApp
from serialpos.tui.messages import ScanRead
from serialpos.tui.screens.base import jobs_busy
from serialpos.tui.widgets.message_line import MessageLine

if TYPE_CHECKING:
    from textual.app import App

    from serialpos.tui.screens.sale import SaleScreen

COUNTER = (80, 24)
HANDHELD = (40, 16)
SIZES = [pytest.param(COUNTER, id="80x24"), pytest.param(HANDHELD, id="40x16")]
PINS = {name: pin for name, _role, pin in DEMO_USERS}
MakeApp = Callable[..., SerialposApp]

P = ParamSpec("P")
S = TypeVar("S")


def async_test(test: Callable[P, Coroutine[Any, Any, None]]) -> Callable[P, None]:
    """Run an async test function in its own event loop (fixtures still arrive by name)."""

    @functools.wraps(test)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


class KeyClock:
    """When each key was typed, for the keyboard wedge: ``step`` seconds after the one before.

    Pilot presses keys about 40 ms apart, right at the wedge's 50 ms threshold, so tests say
    how fast "typing" is instead: 1 s (a person, the default) or 2 ms (a scanner).
    """

    def __init__(self, step: float = 1.0) -> None:
        self.step = step
        self.now = 1000.0
        #: A test is sending a scanner's keys, saying how far apart they are: a wall timer
        #: that fires meanwhile (the test process slowed by a loaded machine) is not a gap.
        self.sending = False
        self._unread: list[events.Key] = []  # sent, not yet read by the console

    def __call__(self, event: events.Key) -> float:
        self._unread = [e for e in self._unread if e is not event]
        self.now += self.step
        return self.now

    def send(self, app: App[Any], event: events.Key) -> None:
        """Post ``event`` as the terminal sends a key; the clock stands still for a held key's
        wall timer until the console has read it (it came in time, on this clock)."""
        self._unread.append(event)
        app.post_message(event)

    def current(self) -> float:
        """Now on this clock, asked when a held key's wall timer fires: while keys are being
        sent or wait to be read, the time the test says (a wall stall of the test process is
        not a gap between keys); else the wall timer's word stands (the gap passed)."""
        return self.now if self.sending or self._unread else math.inf


PERSON = 1.0
SCANNER = 0.002
#: How long the wedge holds keys in tests (real seconds). A burst posted at once is queued
#: ahead of the release, so this only shortens the wait for a person's menu keys.
HOLD = 0.001


def terminal_keys(text: str) -> list[events.Key]:
    """The key events a terminal's bytes become, parsed as Textual's own driver parses them
    ("\r" is Enter, "\x1d" is Ctrl+])."""
    from textual._xterm_parser import XTermParser  # the driver's parser: no public twin

    return [event for event in XTermParser().feed(text) if isinstance(event, events.Key)]


async def keys_released(pilot: Pilot[object]) -> None:
    """Wait until the wedge has let go of the keys it held back (within one key interval), and
    a list's line key has acted (it waits one key gap for a scan to follow it). The keys go
    on a timer of the event loop: at a load of 5-6 (CI on 2 cores) one such timer came more
    than a second late (a hundred 10 ms pauses: "still holds keys after a second", in
    tests/tui/test_sale.py), so the wait is up to 10 s of the clock, not a count of pauses."""
    from serialpos.tui.widgets.sale_lines import SaleLines

    app = pilot.app
    assert isinstance(app, SerialposApp)
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline:
        if (
            not app.wedge.holding
            and not getattr(app.screen, "holding", False)  # a yes/no dialog's held y/n
            and not any(getattr(lines, "holding", False) for lines in app.screen.query(SaleLines))
        ):
            return
        await pilot.pause(0.01)
    raise AssertionError("the keyboard wedge still holds keys after 10 seconds")


async def settle(pilot: Pilot[object]) -> None:
    """Let held keys go, workers and the screens' ordered jobs finish and their messages
    land."""
    await keys_released(pilot)
    for _ in range(3):
        await pilot.pause()
        await jobs_done(pilot)
        await workers_done(pilot)
    await pilot.pause()


async def workers_done(pilot: Pilot[object]) -> None:
    """Wait for Textual's workers as ``wait_for_complete`` does, but a worker cancelled by a
    newer one of its exclusive group (the left-open check started again at a log-in) is done,
    not a failure: ``wait_for_complete`` raised ``WorkerCancelled`` for it, now and then, when
    the test reached it before the manager forgot it. A worker that failed still fails."""
    from textual.worker import WorkerCancelled

    waits = [worker.wait() for worker in list(pilot.app.workers)]
    for result in await asyncio.gather(*waits, return_exceptions=True):
        if isinstance(result, BaseException) and not isinstance(result, WorkerCancelled):
            raise result


async def jobs_done(pilot: Pilot[object], timeout: float = 60.0) -> None:
    """Wait until every screen's ordered jobs (scans, their own threads, not Textual
    workers) have finished."""
    deadline = time.monotonic() + timeout
    while jobs_busy():
        if time.monotonic() > deadline:
            raise AssertionError(f"the screens' jobs still run after {timeout} s")
        await pilot.pause(0.005)


class _ThreadsSeen(ThreadPoolExecutor):
    """The event loop's default executor, keeping every call it was given: Textual runs each
    thread worker's function there, and a worker cancelled by a newer one of its group is
    finished for Textual at once while its function runs on (tui/backend.post_read)."""

    def __init__(self) -> None:
        super().__init__()
        self.futures: list[Future[Any]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future = super().submit(fn, *args, **kwargs)
        self.futures.append(future)
        return future


class HeldRead:
    """The older read of a race, made to finish last: the ``hold``-th call of a service
    function (the first unless told) reads at once, so what it answers is older than any later
    call's, but returns only when the test lets it go, after the newer read's answer is on the
    screen. Every other call passes through.

    A write is held the same way: made, its answer not yet back, while the test submits it
    again (test_double_submits.py).

    Made at the start of the test, before the app runs (it becomes the loop's default
    executor, to know when the held worker's function has returned), and put in place with
    ``monkeypatch.setattr(module, name, held)``. Never :func:`settle` while a call is held:
    :func:`workers_done` would wait for it."""

    def __init__(self, real: Callable[..., Any], hold: int = 1) -> None:
        self.real = real
        self.hold = hold
        self.calls = 0
        self._count = threading.Lock()  # calls come from several workers' threads
        self.reading = threading.Event()  # the held call has read, and waits
        self._go = threading.Event()
        self._threads = _ThreadsSeen()
        asyncio.get_running_loop().set_default_executor(self._threads)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self._count:
            self.calls += 1
            call = self.calls
        if call != self.hold:
            return self.real(*args, **kwargs)
        answer = self.real(*args, **kwargs)
        self.reading.set()
        if not self._go.wait(timeout=30):
            raise AssertionError("the held read was never let go")
        return answer

    async def held(self, pilot: Pilot[object], timeout: float = 15.0) -> None:
        """Wait until the call to hold has read, and waits."""
        deadline = time.monotonic() + timeout
        while not self.reading.is_set():
            if time.monotonic() > deadline:
                raise AssertionError(f"the read to hold was not made within {timeout} s")
            await pilot.pause(0.01)

    async def let_go(self, pilot: Pilot[object], timeout: float = 15.0) -> None:
        """Let the held call return, wait until every thread worker's function has returned
        (the held one posted whatever it would), then settle."""
        self._go.set()
        deadline = time.monotonic() + timeout
        while not all(future.done() for future in self._threads.futures):
            if time.monotonic() > deadline:
                raise AssertionError(f"thread workers still run after {timeout} s")
            await pilot.pause(0.01)
        await settle(pilot)


async def log_in(pilot: Pilot[object], user: str, pin: str | None = None) -> None:
    await settle(pilot)
    await pilot.press(*user, "tab", *(pin if pin is not None else PINS[user]), "enter")
    await settle(pilot)


async def open_from_home(pilot: Pilot[object], user: str, key: str, kind: type[S]) -> S:
    """Log ``user`` in, press Home's menu ``key`` and return the screen it opened, a ``kind``."""
    await log_in(pilot, user)
    await pilot.press(key)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, kind), screen
    return screen


async def shows(pilot: Pilot[object], *texts: str, timeout: float = 15.0) -> str:
    """Wait until the terminal shows every one of ``texts`` (a table's rows are painted a
    frame or more after its data lands, later on a loaded machine); the screen's text.
    Fails naming what never showed, with the screen as it was."""
    app = cast(SerialposApp, pilot.app)
    deadline = time.monotonic() + timeout
    while True:
        text = screen_text(app)
        missing = [t for t in texts if t not in text]
        if not missing:
            return text
        if time.monotonic() > deadline:
            raise AssertionError(f"never shown: {missing!r}; the screen:\n{text}")
        await pilot.pause(0.02)


def screen_text(app: SerialposApp) -> str:
    """What the terminal shows, as plain lines (test-only use of the compositor)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


# -- what several screens' tests share ----------------------------------------------------------


def bells(app: SerialposApp, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The bell, counted: one entry per ring from now on."""
    rung: list[int] = []
    monkeypatch.setattr(app, "bell", lambda: rung.append(1))
    return rung


def said(pilot: Pilot[object]) -> str:
    """The message line of the screen in front, as its text."""
    return pilot.app.screen.query_one(MessageLine).text


async def device_scan(pilot: Pilot[object], raw: str) -> None:
    """A scan from a serial or HID scanner: one ScanRead to the screen in front."""
    pilot.app.post_message(ScanRead(raw, "test", decode(raw)))
    await settle(pilot)


async def sale_with_line(
    pilot: Pilot[object], scan: str = "AC-USBC1", user: str = "cashier"
) -> SaleScreen:
    """Log ``user`` in, open a sale (3 on the home menu) and enter ``scan`` in its field as
    a person types it: the sale screen, its order open with the line."""
    from textual.widgets import Input

    from serialpos.tui.screens.sale import SaleScreen

    await log_in(pilot, user)
    await pilot.press("3")
    await settle(pilot)
    sale = pilot.app.screen
    assert isinstance(sale, SaleScreen)
    field = sale.query_one("#scan", Input)
    field.focus()
    field.value = scan
    await pilot.press("enter")
    await settle(pilot)
    assert sale.view is not None, said(pilot)
    return sale


async def paste_into_scan(pilot: Pilot[object], text: str) -> None:
    """A bracketed paste into the screen's ``#scan`` field."""
    pilot.app.screen.query_one("#scan").post_message(events.Paste(text))
    await settle(pilot)
