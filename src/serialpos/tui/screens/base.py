"""What every console screen shares: the status line, the message line, the key footer,
how a refusal or a cut paste is shown, where a scan arrives, and the ordered job runner.

Every scan, whichever scanner read it, reaches the screen in front as one
:class:`~serialpos.tui.messages.ScanRead`. A screen that knows scans overrides
:meth:`ConsoleScreen.take_scan` and sets ``TAKES_SCANS``. Its scan field is a
:class:`~serialpos.tui.widgets.scan_input.ScanInput`: each entry (everything before an Enter,
typed or scanned, whatever the gaps) is handed to ``take_scan`` through :meth:`entered_scan`,
as a keyboard scan. Where no field has the focus the keyboard wedge holds letter and digit keys
until they are known not to be a scan. A screen that does not take scans is left as it was:
wedge scans are plain typing there, and a serial or evdev scan is typed into its focused field
and submitted, as a wedge would.

**Ordered jobs.** Service calls that must land in the order they were asked for (scans: each
sees what the one before did) go through :class:`OrderedJobs`: the screen's one job thread
takes them from a queue, in submission order. A refusal (a ``DomainError``) becomes the
screen's own message with its sentence and code; anything else is logged with its traceback
and said as a sentence, never swallowed.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import weakref
from abc import ABCMeta
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual._context import NoActiveAppError, active_app
from textual.message import Message
from textual.message_pump import _MessagePumpMeta
from textual.screen import Screen

from serialpos.tui.messages import ActionFailed, ScanRead, StillWorking
from serialpos.tui.widgets.capped_input import CappedInput
from serialpos.tui.widgets.key_footer import KeyHints
from serialpos.tui.widgets.message_line import MessageLine
from serialpos.tui.widgets.scan_input import ScanInput

if TYPE_CHECKING:
    from textual.widget import Widget

    from serialpos.tui.app import SerialposApp
    from serialpos.tui.session import Session


class AbstractScreenMeta(_MessagePumpMeta, ABCMeta):
    """Lets a base screen declare ``@abstractmethod`` hooks: a subclass that forgets one
    cannot be made, instead of failing later when the hook is first called."""


class ConsoleScreen(Screen[None]):
    """A full screen of the console. Subclasses compose a :class:`MessageLine`."""

    KEY_HINTS: ClassVar[KeyHints] = ()
    #: True when :meth:`take_scan` is this screen's own: the keyboard wedge is on here.
    TAKES_SCANS: ClassVar[bool] = False
    #: A screen shown only with a session (every one but the login's, which shows without).
    SIGNED_IN: ClassVar[bool] = True

    #: Set by :meth:`draw_now`: the next idle draws the frame at once.
    _draw_at_once: bool = False

    def __init__(self, name: str | None = None, id: str | None = None, classes: str | None = None):
        super().__init__(name, id, classes)
        self._take_breakpoint_classes()

    def _take_breakpoint_classes(self) -> None:
        """The app's breakpoint classes (``-narrow``/``-wide``, ``-short``/``-tall``) for the
        terminal's size, set as the screen is made. Textual sets them on the screen's first
        Resize, after every widget has been styled once, and the change styles the whole
        screen again: one more styling of every widget before the first frame (the login's
        first frame is the console's start-up, bench/startup_bench.py). Textual's Resize then
        finds them already right and changes nothing."""
        try:
            app = active_app.get()
        except LookupError:  # made outside a running app: Textual sets them on Resize
            return
        width, height = app.size
        horizontal, vertical = self.HORIZONTAL_BREAKPOINTS, self.VERTICAL_BREAKPOINTS
        for breakpoints, size in (
            (app.HORIZONTAL_BREAKPOINTS if horizontal is None else horizontal, width),
            (app.VERTICAL_BREAKPOINTS if vertical is None else vertical, height),
        ):
            # As Textual picks them: the largest breakpoint the size reaches.
            reached = [name for at, name in sorted(breakpoints or ()) if size >= at]
            if reached:
                self.add_class(reached[-1], update=False)

    def draw_now(self, *changed: Widget) -> None:
        """Put what the ``changed`` widgets now hold on the terminal in the very next frame.

        Textual draws a changed screen on its update timer, at most 60 times a second: a change
        made just after a tick waits up to 1/60 s for the next one, and the widgets first pass
        their refresh to the screen on their own idle turns. A service answer the cashier is
        waiting for (the scanned line) should not wait (issue 15: scan to line on screen in
        one frame), so this hands the widgets' refreshes to the screen now, and the screen's
        next idle draws the frame instead of waiting for the tick. Uses Textual's private
        ``_check_refresh``/``_on_timer_update`` (textual 8.2); the frame drawn is the one the
        timer would have drawn.
        """
        for widget in changed:
            widget._check_refresh()
        self._draw_at_once = True
        self.check_idle()

    def post_message(self, message: Message) -> bool:
        """A screen is never resumed once the session is over. Signing out (^O, or the idle
        log-out) pops the screens above the login one by one, and Textual resumes each one
        it uncovers on its way: a screen's resume handler that reloads with the session
        (Transfers under a transfer it opened) raised "a signed-in screen without a
        session" and ended the console. Such a screen is popped next; it has nothing to
        show, so the resume is not posted to it at all, for every screen, present or new."""
        if isinstance(message, events.ScreenResume) and self.SIGNED_IN and self._signed_out():
            return False
        return super().post_message(message)

    def _signed_out(self) -> bool:
        """The console this screen belongs to has no session (after a log-out)."""
        try:
            app = self.app
        except NoActiveAppError:  # made outside a running app: not signed out
            return False
        return getattr(app, "session", True) is None

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        # Runs before Screen._on_screen_resume, which styles every widget of the screen again
        # when it is made active. The first time, right after the screen was composed, each
        # widget was styled as it was mounted, and what changed since styled its own widgets
        # again (a class added, the focus moved): styling them all once more changes
        # nothing, and for the login it was a quarter of the console's work before its first
        # frame (issue 15: start-up against a minimal Textual app). Later resumes are left
        # as Textual sends them.
        if not self.stack_updates:
            event.refresh_styles = False

    async def _on_idle(self, event: events.Idle) -> None:
        # Runs before Screen._on_idle (Textual calls each class's handler down the MRO until
        # one prevents the default): draw now when asked, else leave it to the screen's timer.
        if self._draw_at_once and self.is_current and not self.app._batch_count:
            self._draw_at_once = False
            event.prevent_default()
            self._on_timer_update()

    @property
    def console(self) -> SerialposApp:
        from serialpos.tui.app import SerialposApp  # already loaded: it is running us

        app = self.app
        assert isinstance(app, SerialposApp)
        return app

    @property
    def session(self) -> Session:
        """The signed-in user; screens after the login only exist while there is one."""
        session = self.console.session
        assert session is not None, "a signed-in screen without a session"
        return session

    @property
    def message_line(self) -> MessageLine:
        return self.query_one(MessageLine)

    def show_error(self, message: str) -> None:
        """A refusal: said on the message line (with a symbol, not colour alone) and the bell."""
        self.message_line.error(message)
        self.app.bell()

    def show_warning(self, message: str) -> None:
        """Taken, but not as the document says (an over-scan): a warning and the bell."""
        self.message_line.warn(message)
        self.app.bell()

    def on_action_failed(self, message: ActionFailed) -> None:
        self.show_error(message.message)

    def on_still_working(self, message: StillWorking) -> None:
        self.message_line.note(message.message)

    def on_capped_input_paste_cut(self, message: CappedInput.PasteCut) -> None:
        self.message_line.note(message.message)

    def on_scan_input_refused(self, message: ScanInput.Refused) -> None:
        """An entry holding an invisible character: refused whole, naming it, nothing done."""
        message.stop()
        self.refuse_entry(message.message)

    def refuse_entry(self, message: str) -> None:
        """An entry of a scan field refused before it meant anything (a scanning screen keeps
        it with its scans' refusals)."""
        self.show_error(message)

    # -- scans -------------------------------------------------------------------------------
    def on_scan_read(self, message: ScanRead) -> None:
        self.take_scan(message)

    def take_scan(self, scan: ScanRead) -> None:
        """What this screen does with a scan. By default it is typed into the focused field
        and submitted; with no field in focus it is not used, and that is said."""
        from serialpos.tui.scanners import type_into_focused

        if not type_into_focused(self, scan.raw):
            self.message_line.note("a scan is not used here")

    def entered_scan(self, text: str, *, scanned: bool = True) -> ScanRead:
        """An entry of the screen's scan field as the scan it may be: typed and scanned keys are
        the same keys, so both are decoded the same way (GS1 strings, product barcodes).
        ``scanned``: the field saw it come at a scanner's pace (``ScanInput.Entered.scanned``);
        only a typed entry can be a quantity."""
        from serialpos.domain.decoder import decode
        from serialpos.tui.scanners import KEYBOARD

        decoded = decode(text, gs_substitute=self.console.gs_substitute)
        return ScanRead(text, KEYBOARD, decoded, typed=not scanned)

    def refuse_unreadable(self, scan: ScanRead) -> bool:
        """An unreadable scan is acted on nowhere: its reason is said, with the bell."""
        if scan.decoded.kind != "unreadable":
            return False
        self.show_error(f"unreadable scan: {scan.decoded.error or 'no reason given'}")
        return True


# -- ordered jobs -------------------------------------------------------------------------------


@dataclass(frozen=True)
class JobFailure:
    """Why a job did not finish: the sentence to show, the refusal's stable ``code`` ("" for
    an unexpected failure, which has been logged with its traceback), and the error itself."""

    message: str
    code: str
    error: Exception

    @property
    def expected(self) -> bool:
        """A rule refused the job (a ``DomainError``), as opposed to something breaking."""
        from serialpos.domain.errors import DomainError

        return isinstance(self.error, DomainError)


#: A job runs on the worker thread and returns the message to post (None: nothing to say).
Job = Callable[[], Message | None]
#: Turns a failure into the screen's own message (None: nothing to post).
Refusal = Callable[[JobFailure], Message | None]
#: Called on the job thread once a job's answer is posted (tui/backend.start_running).
Then = Callable[[], None] | None


def explain_failure(error: Exception, logger: logging.Logger) -> JobFailure:
    """A known refusal keeps its sentence and code; anything else is logged with its
    traceback and said in one sentence."""
    from serialpos.domain.errors import DomainError

    if isinstance(error, DomainError):
        return JobFailure(error.message, str(error.code), error)
    from serialpos.tui.backend import describe

    logger.exception("a console job failed")
    return JobFailure(describe(error), "", error)


#: Seconds a job may run before the screen says it is still working.
STILL_WORKING_AFTER = 1.0
#: Seconds a screen's job thread waits for the next job before it ends.
IDLE_AFTER = 30.0
#: Every job runner made (while it lives), for :func:`jobs_busy`.
_ALL_JOBS: weakref.WeakSet[OrderedJobs] = weakref.WeakSet()


def jobs_busy() -> bool:
    """Whether any screen's ordered job has not finished yet (for tests, which wait for
    these as they wait for Textual's workers)."""
    return any(jobs.busy for jobs in list(_ALL_JOBS))


STILL_WORKING_TEXT = "still working: waiting for the database (another terminal is writing)…"


class OrderedJobs:
    """Runs a screen's jobs strictly in the order they were submitted, one at a time, on one
    thread of its own, so fast scans land in scan order and each job sees what the one
    before it did.

    The thread is kept while jobs come (it ends after :data:`IDLE_AFTER` seconds without
    one; the next submit starts another): a job starts as soon as it is submitted, while the
    screen draws the scan's provisional row, instead of after a Textual worker has been set
    up for it on the screen's next turn (issue 15: a worker and a timer thread per scan cost
    about a millisecond of CPU, and the job waited for the frame). A job that runs past
    :data:`STILL_WORKING_AFTER` seconds is said once (``StillWorking``), checked on the
    screen's own event loop (no timer thread per job). :func:`jobs_busy` says whether any
    submitted job has not finished (tests wait for it as for Textual's workers).

    ``refused`` builds the screen's message for a failed job; :meth:`submit` may pass its own
    for one job. Both are called on the job thread, like the job.
    """

    def __init__(self, screen: Screen[Any], group: str, refused: Refusal) -> None:
        self.screen = screen
        self.group = group
        self.refused = refused
        self.log = logging.getLogger(type(screen).__module__)
        self._queue: deque[tuple[Job, Refusal, Then]] = deque()
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._thread: threading.Thread | None = None
        #: Jobs submitted and not finished; the one running now (a count) and since when.
        self._unfinished = 0
        self._started = 0
        self._running: tuple[int, float] | None = None
        self._said = 0  # the last job said to be still working
        self._watching = False  # a check is scheduled on the screen's loop
        _ALL_JOBS.add(self)

    @property
    def busy(self) -> bool:
        """A submitted job has not finished (its answer may still be on its way)."""
        return self._unfinished > 0

    def submit(self, job: Job, refused: Refusal | None = None, *, then: Then = None) -> None:
        """Queue ``job`` behind every job submitted before it (call on the screen's thread);
        ``then`` is called on the job thread once its answer (or refusal) is posted."""
        with self._lock:
            self._queue.append((job, refused or self.refused, then))
            self._unfinished += 1
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._serve, name=f"{self.group} jobs", daemon=True
                )
                self._thread.start()
            else:
                self._wake.notify()
        self._watch()

    def _serve(self) -> None:
        try:
            while True:
                with self._lock:
                    while not self._queue:
                        # Idle: wait for the next job, and end after a while without one.
                        if not self._wake.wait(IDLE_AFTER) and not self._queue:
                            return
                    job, refused, then = self._queue.popleft()
                    self._started += 1
                    self._running = (self._started, time.monotonic())
                try:
                    self._run(job, refused, then)
                finally:
                    with self._lock:
                        self._running = None
                        self._unfinished -= 1
        finally:  # idle, or the thread itself broke: the next submit starts a new one
            with self._lock:
                self._thread = None
                if self._queue:  # submitted as it ended: served by a thread of its own
                    self._thread = threading.Thread(
                        target=self._serve, name=f"{self.group} jobs", daemon=True
                    )
                    self._thread.start()

    def _watch(self) -> None:
        """Check on the screen's loop, while jobs are unfinished, whether one has run past
        :data:`STILL_WORKING_AFTER` seconds; after a second the person at the till is told
        the work goes on (a busy database is waited for, up to SERIALPOS_BUSY_WAIT seconds);
        the job's own answer follows."""
        if self._watching:
            return
        self._watching = True
        asyncio.get_running_loop().call_later(STILL_WORKING_AFTER, self._check)

    def _check(self) -> None:
        self._watching = False
        with self._lock:
            running, unfinished = self._running, self._unfinished
        if not unfinished:
            return
        wait = STILL_WORKING_AFTER
        if running is not None:
            number, since = running
            ran = time.monotonic() - since
            if ran < STILL_WORKING_AFTER:
                wait = STILL_WORKING_AFTER - ran
            elif number != self._said:
                self._said = number
                self.screen.post_message(StillWorking(STILL_WORKING_TEXT))
        self._watching = True
        asyncio.get_running_loop().call_later(wait, self._check)

    def _run(self, job: Job, refused: Refusal, then: Then) -> None:
        try:
            try:
                answer = job()
            except Exception as exc:
                answer = refused(explain_failure(exc, self.log))
            if answer is not None:
                self.screen.post_message(answer)
        except Exception:  # the refusal itself broke: logged, and the next job still runs
            self.log.exception("a console job's refusal failed")
            self.screen.post_message(ActionFailed("unexpected error: details are in the log"))
        finally:
            if then is not None:
                then()
