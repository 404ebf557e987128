"""The console: a Textual app whose first screen is the login, then a menu of flows.

``serialpos`` (no command) and ``serialpos demo`` call :func:`run_console`. Start-up is kept
under a second by importing no database code here or in the login screen: SQLAlchemy and the
services are imported inside thread workers, and the database is opened by a worker once the
login screen is already drawn.

Scanners: once someone has logged in, a thread worker reads the terminal config's ``[scanner]``
table and builds the serial and evdev sources; they read on their own threads and post
:class:`~serialpos.tui.messages.ScanRead` (and their state) to the app, which never waits for
them. A keyboard-wedge scan typed into a scan field is an entry of that field (no timing: Enter
ends it, see :mod:`serialpos.tui.widgets.scan_input`), which the screen takes as a scan; where
no field has the focus the keyboard wedge watches the app's keys (see
:mod:`serialpos.tui.scanners`) and posts the same ``ScanRead``. The app hands every ``ScanRead``
to the screen in front. Before anyone logs in the wedge is off, so a fast typist or a password
manager can fill in the login form.

The app is built in parts: :class:`SerialposApp` (here) holds the session and routes keys;
tui/app_scanners.py runs the scanners, tui/app_flows.py opens the menu's flows and
tui/store_link.py watches a store terminal's link to central.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from textual import events
from textual.binding import Binding, BindingType
from textual.filter import LineFilter
from textual.keys import format_key
from textual.widgets import Input, Select

from serialpos.tui.app_scanners import ScannersApp
from serialpos.tui.console_theme import LINUX_THEME, AsciiGlyphs, wanted
from serialpos.tui.enter_after_close import ENTER_KEYS, EnterAfterClose
from serialpos.tui.held_keys import OnceEachKey
from serialpos.tui.held_keys import key_time as typed_at
from serialpos.tui.key_flood import KeysDropped, dropped_words, guarded_driver
from serialpos.tui.keymap import keys
from serialpos.tui.scanners import (
    KeyboardWedge,
    KeyClock,
    key_time,
)
from serialpos.tui.screens.answer_dialog import GatedDialog
from serialpos.tui.screens.base import ConsoleScreen
from serialpos.tui.screens.login import LoginScreen
from serialpos.tui.type_ahead import TypeAhead

if TYPE_CHECKING:
    from textual.await_complete import AwaitComplete
    from textual.driver import Driver
    from textual.screen import Screen

    from serialpos.cli.context import CliState
    from serialpos.config import TerminalConfig
    from serialpos.db.engine import Database
    from serialpos.devices.source import ScanSource, SourceState
    from serialpos.tui.session import Session

log = logging.getLogger(__name__)

#: The longest a key read before the front screen mounted waits for it (see on_event).
MOUNT_WAIT_SECONDS = 2.0

#: The rules of every screen but the login (see :meth:`SerialposApp.read_screens_css`).
SCREENS_CSS = Path(__file__).with_name("screens.tcss")

#: How often an open session is checked for the idle log out.
IDLE_CHECK_SECONDS = 15.0

#: How keys are written in the footer: short, and readable on any terminal.
KEY_NAMES = {"escape": "Esc", "enter": "Enter", "space": "Space", "slash": "/", "tab": "Tab"}


class DataSource(Protocol):
    """Where the console gets its database and terminal config (the CLI's ``CliState``)."""

    def config(self) -> TerminalConfig: ...

    def database(self, *, check_schema: bool = True) -> Database: ...


class SerialposApp(ScannersApp, inherit_bindings=False):  # not Textual's ^Q quit
    """Holds who is signed in and the way to the database; screens do the rest."""

    #: What the login's first frame needs (absolute: subclasses live elsewhere). The other
    #: screens' rules (:data:`SCREENS_CSS`) are read once the login is drawn.
    CSS_PATH = Path(__file__).with_name("login.tcss")
    TITLE = "serialpos"
    ENABLE_COMMAND_PALETTE = False
    # Screen classes for login.tcss and screens.tcss. Textual types these as plain attributes
    # (not ClassVar), so annotating them would clash with mypy; ruff's ClassVar rule is
    # silenced instead.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (60, "-wide")]  # noqa: RUF012
    VERTICAL_BREAKPOINTS = [(0, "-short"), (20, "-tall")]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(keys("f2", "lookup"), "lookup", "Lookup", priority=True),
        Binding(keys(None, "logout"), "logout", "Log out", priority=True),
        Binding(keys("f12", "quit"), "quit", "Quit", priority=True),
        # Focus moves before the keys after them are handed on: "cashier", Tab, "3333" typed
        # as one burst (a password manager, a fast typist) fills two fields, not one. A
        # priority binding runs as the key is read; a screen's Tab runs only when the focused
        # field has passed it back up, after the next keys were given to that field.
        Binding("tab", "focus_next", "Next field", show=False, priority=True),
        Binding("shift+tab", "focus_previous", "Previous field", show=False, priority=True),
    ]

    def __init__(
        self,
        source: DataSource,
        demo_users: tuple[tuple[str, str], ...] = (),
        *,
        key_clock: KeyClock = key_time,
        key_hold: float | None = None,
        driver_class: type[Driver] | None = None,
    ) -> None:
        super().__init__(driver_class=driver_class)
        self.source = source
        self.demo_users = demo_users
        self.session: Session | None = None
        self._source_lock = threading.Lock()
        self.wedge = KeyboardWedge(
            self, self._dispatch_key, self._wedge_burst, OnceEachKey(key_clock), key_hold
        )
        self.wedge.on_cut = self._wedge_cut
        self.type_ahead = TypeAhead(self._route_key)
        self.enter_after_close = EnterAfterClose()
        self._last_enter: events.Key | None = None  # the latest key, when it was an Enter
        #: The screen the latest close put in front: only an Enter there may be a repeat.
        self._revealed: weakref.ref[Screen[object]] | None = None
        self.scan_sources: tuple[ScanSource, ...] = ()
        self.scanner_states: dict[str, SourceState] = {}
        self.gs_substitute: str | None = None
        self._scanners_started = False
        #: Seconds on a steady clock; tests move it to reach the idle log out.
        self.idle_clock: Callable[[], float] = time.monotonic
        self._last_activity = self.idle_clock()
        self._ascii_glyphs: AsciiGlyphs | None = None
        self._init_store_link()
        self._use_linux_console_theme()

    def _use_linux_console_theme(self) -> None:
        """``TERM=linux`` or ``[console] theme = "linux"``: see :mod:`console_theme`. A config
        that cannot be read is said by the login screen; the theme then follows TERM."""
        from serialpos.config import ConfigError

        try:
            configured = self.source.config().console_theme
        except ConfigError:
            configured = None
        if wanted(configured):
            self.register_theme(LINUX_THEME)
            self.theme = LINUX_THEME.name
            self._ascii_glyphs = AsciiGlyphs()

    def get_line_filters(self) -> Sequence[LineFilter]:
        filters = super().get_line_filters()
        return [*filters, self._ascii_glyphs] if self._ascii_glyphs else filters

    def get_default_screen(self) -> LoginScreen:
        return LoginScreen(self.demo_users)

    def read_screens_css(self) -> None:
        """Every screen's rules but the login's, read after the login's first frame (their
        parse is not part of start-up) and before any other screen is made: by the login once
        its database worker has answered (the login is long drawn by then), and again (a
        no-op then) as a session starts. None of them styles a login widget, so nothing on
        screen is styled again; a widget mounted from now on is styled by all the rules, as
        when they were one file."""
        if not self.stylesheet.has_source(str(SCREENS_CSS), ""):
            # add_source, not Stylesheet.read: read keeps the selector map made before it.
            self.stylesheet.add_source(
                SCREENS_CSS.read_text(encoding="utf-8"), read_from=(str(SCREENS_CSS), "")
            )
            self.stylesheet.parse()  # now: a mistake in the file is said here, not later

    # -- for thread workers only: these may open files and connect ---------------------------
    def database(self) -> Database:
        with self._source_lock:
            return self.source.database()

    def terminal_config(self) -> TerminalConfig:
        with self._source_lock:
            return self.source.config()

    # -- keys ----------------------------------------------------------------------------------
    async def on_event(self, event: events.Event) -> None:
        # Every key from the terminal passes the wedge first, whichever screen is in front; a
        # key coming back up from a widget (forwarded) has been seen already.
        if isinstance(event, events.Key | events.MouseDown):
            self._last_activity = self.idle_clock()
        if isinstance(event, events.Key) and not event.is_forwarded:
            if self.type_ahead.take(event):
                return  # a login is being checked: the key goes to the menu after it
            await self._route_key(event)
            if event.key in ("enter", "ctrl+j") and self._submits_login():
                self.type_ahead.hold()
            return
        await super().on_event(event)

    async def _route_key(self, event: events.Key) -> None:
        """A key from the terminal on its way: past the wedge, to the screen in front."""
        await self._front_screen_mounted()
        if self._repeated_enter(event):
            return
        if not self.wedge_on():
            await self.wedge.stand_down()
        elif await self.wedge.observe(event):
            return
        gate_key = getattr(self.screen, "gate_key", None)  # a question a scan cannot answer
        if callable(gate_key) and gate_key(event):
            return
        if event.key == "tab" and self._tab_to_scan_field(event):
            return
        await super().on_event(event)

    def _repeated_enter(self, event: events.Key) -> bool:
        """True when ``event`` is an Enter repeating the one that just closed a screen or
        opened a question: not handed on (:mod:`enter_after_close`). The latest Enter is kept,
        timed only if a screen closes or a question opens after it (the key clock is read no
        more than before otherwise)."""
        watch = self.enter_after_close
        if event.key not in ENTER_KEYS:
            self._last_enter = None
            watch.other_key()
            return False
        if watch.watching:
            revealed = self._revealed() if self._revealed is not None else None
            focused = self.focused
            follow_up = self.screen is not revealed  # a question opened since the close
            if isinstance(focused, Input) and focused.value:
                watch.other_key()  # a field holding an entry: taken
            elif watch.repeat(typed_at(self, event), follow_up=follow_up):
                if watch.question:
                    log.info("an Enter just after the Enter that opened a question: not used")
                else:
                    log.info(
                        "an Enter just after a screen closed by Enter: not used (%s)",
                        "a question opened since" if follow_up else "the screen beneath",
                    )
                return True
        self._last_enter = event
        return False

    def push_screen(self, screen: Screen[Any] | str, *args: Any, **kwargs: Any) -> Any:
        """Open ``screen``: a question opened while the latest key was an Enter (an Enter in
        a field asked it) is not answered by that Enter repeated, a moment after it
        (:mod:`enter_after_close`). A question is a dialog answered by a person's keys
        (:class:`GatedDialog`: Enter answers each); a screen or a form takes Enter as before."""
        enter = self._last_enter
        if isinstance(screen, GatedDialog) and enter is not None:
            self.enter_after_close.opened(typed_at(self, enter))
        return super().push_screen(screen, *args, **kwargs)

    def pop_screen(self) -> AwaitComplete:
        """Close the screen in front (a dialog's dismiss comes here too): an Enter just after
        the one that closed it is not taken by the screen beneath, nor by a question opened
        since, sooner (:mod:`enter_after_close`)."""
        enter = self._last_enter
        self.enter_after_close.closed(None if enter is None else typed_at(self, enter))
        stack = self.screen_stack
        self._revealed = weakref.ref(stack[-2]) if len(stack) > 1 else None
        return super().pop_screen()

    def _wedge_cut(self, text: str) -> None:
        """A scan cut by a pause where no field takes it (the home menu, a table): its keys
        did nothing; the person is told to scan again where scans go."""
        from serialpos.domain.text import clip
        from serialpos.tui.widgets.text_field import TextField

        screen = self.screen
        if getattr(screen, "REFUSES_SCANS", False):
            # A form a person fills in refuses it as it refuses any scan: named, with the
            # field's own advice, kept where the screen keeps its refusals (F7).
            self._refuse_on_form(screen, text)
            return
        said = (
            f"'{clip(text, 24)}' looks like a scan cut by a pause: not used. Scan a serial "
            "in a screen (1 Lookup, 3 Sale…), or scan it again"
        )
        if isinstance(self.focused, TextField):  # a field for words: never typed in
            self.focused.refuse_scan(text)
        elif isinstance(screen, ConsoleScreen) and getattr(screen, "REFUSES_SCANS", False):
            screen.show_error(f"'{clip(text, 24)}' looks like a scan cut by a pause: not used")
        elif isinstance(screen, ConsoleScreen):
            screen.show_error(said)
        else:
            self.bell()

    def on_keys_dropped(self, message: KeysDropped) -> None:
        """Keys the input thread dropped past its backlog (tui/key_flood.py), said once the
        app has taken the keys queued before them."""
        dropped = message.flood.take_dropped()
        if not dropped:
            return
        log.warning("%d keys dropped: they came faster than the console takes them", dropped)
        screen = self.screen
        if isinstance(screen, ConsoleScreen):
            screen.show_error(dropped_words(dropped))
        else:
            self.bell()

    def _refuse_on_form(self, screen: object, text: str) -> None:
        """A scan (or a piece of one cut by a pause) on a form that refuses scans: the
        screen's own refusal, as for a whole scan (``on_scan_read``)."""
        from serialpos.domain.decoder import decode
        from serialpos.tui.messages import ScanRead
        from serialpos.tui.scanners import KEYBOARD

        self.on_scan_read(ScanRead(text, KEYBOARD, decode(text, gs_substitute=self.gs_substitute)))

    def _tab_to_scan_field(self, event: events.Key) -> bool:
        """A Tab while a scan field has the focus goes to the field, behind the keys before
        it, instead of the app's Tab binding: a Tab ending a scanner's burst ends the scan
        there (a scanner set with a Tab suffix); otherwise the field moves the focus on."""
        from serialpos.tui.widgets.scan_input import ScanInput

        field = self.focused
        if not isinstance(field, ScanInput):
            return False
        field._forward_event(event)
        return True

    def _submits_login(self) -> bool:
        """Whether an Enter (or a newline) just given to the login form submits it: a field
        or the closed store list had the focus (in the list's open overlay Enter picks a
        store). The keys after it wait for the login's answer (:mod:`type_ahead`), which the
        login screen hands on or drops."""
        return (
            self.session is None
            and isinstance(self.screen, LoginScreen)
            and isinstance(self.focused, Input | Select)
        )

    async def _front_screen_mounted(self) -> None:
        """Wait (briefly) until the screen in front has mounted, so that a key read before it
        reaches the field it focuses on mount. The terminal is read from the moment the app
        starts: "cashier" typed (or sent by a password manager) as the login screen first
        draws arrived while the screen had no focused field, went to the screen itself and
        was lost. Waiting here keeps the keys in the order they were typed (the app handles
        one at a time); a screen that never finishes mounting is waited for no longer than
        :data:`MOUNT_WAIT_SECONDS`."""
        if not self.screen_stack:
            return
        screen = self.screen
        if screen.is_mounted:
            return
        # Textual's own "mounted" event (textual 8.2): set once the screen's on_mount ran. A
        # timeout lets the key go on as before, to whatever has the focus then.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(screen._mounted_event.wait(), MOUNT_WAIT_SECONDS)

    def wedge_on(self) -> bool:
        """The keyboard wedge works once someone is logged in, on screens that take scans and
        on forms that refuse them (``REFUSES_SCANS``: told from typing, then refused), and
        wherever a field for words has the focus (a :class:`TextField`: a dialog's vendor,
        a customer's name), so a scan is never typed into it."""
        from serialpos.tui.widgets.text_field import focused_refuses_scans

        if self.session is None or not self.screen_stack:
            return False
        screen = self.screen
        if getattr(screen, "REFUSES_SCANS", False) or focused_refuses_scans(self.focused):
            return True
        return isinstance(screen, ConsoleScreen) and screen.TAKES_SCANS

    async def _dispatch_key(self, event: events.Key) -> None:
        """A key the wedge held back, sent on as if just typed."""
        await super().on_event(event)

    def get_key_display(self, binding: Binding) -> str:
        if binding.key_display:
            return binding.key_display
        modifiers, key = binding.parse_key()
        shown = KEY_NAMES.get(key) or format_key(key)
        if len(shown) == 1 or (shown[0] == "f" and shown[1:].isdigit()):
            shown = shown.upper()
        if "ctrl" in modifiers:
            modifiers.remove("ctrl")
            shown = "^" + shown
        return "+".join([*modifiers, shown])

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("lookup", "logout"):
            return self.session is not None
        return True

    # -- signing in and out -------------------------------------------------------------------
    def start_session(self, session: Session) -> None:
        from serialpos.tui.screens.home import HomeScreen

        self.read_screens_css()
        self.session = session
        self._last_activity = self.idle_clock()
        self.push_screen(HomeScreen())
        self.refresh_bindings()
        self.call_later(self.type_ahead.replay)  # keys typed while the login was checked
        if not self._scanners_started:  # once: the scanners stay on across log outs
            self._scanners_started = True
            self.load_scanners()
            self.set_interval(IDLE_CHECK_SECONDS, self.check_idle_logout)
        self.start_sync()

    def check_idle_logout(self) -> None:
        """Log out a session nobody has touched for the chain's idle minutes, and say so."""
        session = self.session
        if session is None or session.idle_logout_minutes <= 0:
            return
        if self.idle_clock() - self._last_activity >= session.idle_logout_minutes * 60:
            minutes = session.idle_logout_minutes
            plural = "s" if minutes != 1 else ""
            why = f"logged out after {minutes} idle minute{plural}"
            self.call_next(self.action_logout, why=why)

    async def action_logout(self, why: str = "logged out") -> None:
        if why == "logged out" and await self._unfinished_sale_asked():
            return  # the sale asks to park or void first; it logs out once that is done
        if self.session is not None:
            from serialpos.logs import action

            action(self.session.user, self.session.terminal, why)
        self.session = None
        self.wedge.reset()
        while len(self.screen_stack) > 1:
            await self.pop_screen()
        self.refresh_bindings()
        login = self.screen
        if isinstance(login, LoginScreen):
            login.reset(why)

    async def _unfinished_sale_asked(self) -> bool:
        """A person logging out with a sale that still has lines is asked to park or void it
        (its units stay reserved while it is open): the sale comes to the front and asks.
        An idle log-out cannot wait for an answer; the order stays open for the next login."""
        from serialpos.tui.screens.sale import SaleScreen

        sale = next(
            (s for s in self.screen_stack if isinstance(s, SaleScreen) and s.keys.unfinished()),
            None,
        )
        if sale is None:
            return False
        while self.screen is not sale:
            await self.pop_screen()
        sale.keys.leave(lambda: self.call_next(self.action_logout))
        return True


def run_console(state: CliState, demo: bool = False) -> None:
    """Open the console on the state's database; returns when the user quits."""
    demo_users: tuple[tuple[str, str], ...] = ()
    if demo:
        # The demo was just built, so the services are loaded already; nothing is hard-coded.
        from serialpos.services.demo import DEMO_USERS

        demo_users = tuple((name, pin) for name, _role, pin in DEMO_USERS)
    state.in_console = True
    # Keys past a backlog dropped and said (tui/key_flood.py): a paste sent as keys by a
    # terminal without bracketed paste grew the console by gigabytes.
    SerialposApp(state, demo_users=demo_users, driver_class=guarded_driver()).run()
