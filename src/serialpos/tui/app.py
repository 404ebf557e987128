"""The console: a Textual app whose first screen is the login, then a menu of flows.

``serialpos`` (no command) and ``serialpos demo`` call :func:`run_console`. Start-up is kept
under a second by importing no database code here or in the login screen: SQLAlchemy and the
services are imported inside thread workers, and the database is opened by a worker once the
login screen is already drawn.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Protocol

from textual.app import App
from textual.binding import Binding, BindingType
from textual.keys import format_key

from serialpos.tui.screens.login import LoginScreen
from serialpos.tui.session import Session

if TYPE_CHECKING:
    from serialpos.cli.context import CliState
    from serialpos.config import TerminalConfig
    from serialpos.db.engine import Database

#: How keys are written in the footer: short, and readable on any terminal.
KEY_NAMES = {"escape": "Esc", "enter": "Enter", "space": "Space", "slash": "/", "tab": "Tab"}


class DataSource(Protocol):
    """Where the console gets its database and terminal config (the CLI's ``CliState``)."""

    def config(self) -> TerminalConfig: ...

    def database(self, *, check_schema: bool = True) -> Database: ...


class SerialposApp(App[None]):
    """Holds who is signed in and the way to the database; screens do the rest."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    TITLE = "serialpos"
    ENABLE_COMMAND_PALETTE = False
    # Screen classes for app.tcss. Textual types these as plain attributes (not ClassVar), so
    # annotating them would clash with mypy; ruff's ClassVar rule is silenced instead.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (60, "-wide")]  # noqa: RUF012
    VERTICAL_BREAKPOINTS = [(0, "-short"), (20, "-tall")]  # noqa: RUF012
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f2,ctrl+l", "lookup", "Lookup", priority=True),
        Binding("ctrl+o", "logout", "Log out", priority=True),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(self, source: DataSource, demo_users: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__()
        self.source = source
        self.demo_users = demo_users
        self.session: Session | None = None
        self._source_lock = threading.Lock()

    def get_default_screen(self) -> LoginScreen:
        return LoginScreen(self.demo_users)

    # -- for thread workers only: these may open files and connect ---------------------------
    def database(self) -> Database:
        with self._source_lock:
            return self.source.database()

    def terminal_config(self) -> TerminalConfig:
        with self._source_lock:
            return self.source.config()

    # -- keys ----------------------------------------------------------------------------------
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

        self.session = session
        self.push_screen(HomeScreen())
        self.refresh_bindings()

    async def action_logout(self) -> None:
        self.session = None
        while len(self.screen_stack) > 1:
            await self.pop_screen()
        self.refresh_bindings()
        login = self.screen
        if isinstance(login, LoginScreen):
            login.reset()

    # -- flows ------------------------------------------------------------------------------
    def open_flow(self, name: str) -> None:
        if name == "lookup":
            self.action_lookup()
        elif name == "products":
            from serialpos.tui.screens.products import ProductsScreen

            self.push_screen(ProductsScreen())
        elif name == "sale":
            from serialpos.tui.screens.sale import SaleScreen

            self.push_screen(SaleScreen())
        elif name == "returns":
            from serialpos.tui.screens.returns import ReturnsScreen

            self.push_screen(ReturnsScreen())

    def action_lookup(self) -> None:
        from serialpos.tui.screens.lookup import LookupScreen

        if self.session is None:
            return
        if isinstance(self.screen, LookupScreen):
            self.screen.focus_serial()
        else:
            self.push_screen(LookupScreen())


def run_console(state: CliState, demo: bool = False) -> None:
    """Open the console on the state's database; returns when the user quits."""
    demo_users: tuple[tuple[str, str], ...] = ()
    if demo:
        # The demo was just built, so the services are loaded already; nothing is hard-coded.
        from serialpos.services.demo import DEMO_USERS

        demo_users = tuple((name, pin) for name, _role, pin in DEMO_USERS)
    SerialposApp(state, demo_users=demo_users).run()
