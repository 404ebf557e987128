"""The first screen: user name, PIN, and the store to work at.

It must appear fast (see bench/startup_bench.py), so it imports no database code: the
database is opened by a thread worker once the screen is up, and the login itself runs in
another worker. Enter in any field logs in.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Input, Select, Static

from serialpos.tui.messages import (
    DatabaseFailed,
    DatabaseOpened,
    LoggedIn,
    LoginRefused,
    ScanRead,
)
from serialpos.tui.screens.base import ConsoleScreen
from serialpos.tui.widgets.capped_input import CappedInput
from serialpos.tui.widgets.key_footer import KeyFooter, KeyHints
from serialpos.tui.widgets.message_line import MessageLine
from serialpos.tui.widgets.named_fields import NamedFields


class StoreSelect(Select[str]):
    """The store list: Enter logs in, as in every field of the form (a plain Select opens its
    list again); Space and the arrows still open it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,space,up", "show_overlay", "Show the stores", show=False),
        Binding("enter", "screen.login", "Log in", show=False),
    ]


MAX_USER_NAME = 64  # names are at most 32; the rest is room to say "no such user"
MAX_PIN = 12


class LoginScreen(ConsoleScreen):
    """Sign in. The store comes from the terminal config, else a choice among the stores."""

    SIGNED_IN = False  # shown before anyone signs in: resumed without a session

    KEY_HINTS: ClassVar[KeyHints] = (("Enter", "Log in"), ("Tab", "Next field"))
    #: A newline logs in as Enter does. Keys typed while the console is still starting (a
    #: password manager, a script, a fast typist right after ``serialpos demo`` prints its
    #: users) reach the terminal before the console has switched it to raw mode, and the
    #: terminal's line discipline turns their Enter into a newline (Ctrl+J): the form was
    #: filled and never sent.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+j", "login", "Log in", show=False),
    ]
    #: Textual's first focus goes straight to the user name, not to the first focusable
    #: widget (the scrolling form) and then again to the field: each focus change restyles
    #: the screen, before the first frame.
    AUTO_FOCUS = "#user"

    def __init__(self, demo_users: tuple[tuple[str, str], ...] = ()) -> None:
        super().__init__()
        self.demo_users = demo_users
        #: Why the database cannot be used (its disk is full...), while it cannot: no name or
        #: PIN can log in then, so that reason stays on the screen (see :meth:`action_login`).
        self.unusable: str | None = None
        #: The reason came from opening the database (not from a login's write): opening is
        #: what is tried again.
        self.open_failed = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="login"):
            yield Static(Text("serialpos — log in", style="bold"), id="login-title")
            if self.demo_users:
                hint = "Demo users: " + ", ".join(f"{n} {p}" for n, p in self.demo_users)
                yield Static(Text(hint), id="demo-hint", markup=False)
            # The store list (a Select without a blank choice) is mounted after the store
            # text once the database has said which stores there are; one of the two shows.
            yield NamedFields(
                CappedInput(id="user", max_length=MAX_USER_NAME, placeholder="user name"),
                CappedInput(
                    id="pin",
                    password=True,
                    max_length=MAX_PIN,
                    restrict=r"[0-9]*",
                    placeholder="4-12 digits",
                ),
                Static(Text("opening the database…"), id="store-text", markup=False),
                names=("User", "PIN", "Store"),
                id="login-fields",
            )
            yield MessageLine(id="message")
        yield KeyFooter()

    def on_mount(self) -> None:
        # At once, not through Widget.focus (which waits for the app's queue, behind the keys
        # typed as the screen first draws): those keys go to the user name (app.on_event).
        self.set_focus(self.query_one("#user", Input))
        # After the first frame: importing SQLAlchemy in the worker competes for the GIL, and
        # the screen should be up before that starts.
        self.call_after_refresh(self.open_database)

    # -- opening the database (after the screen is up) ---------------------------------
    @work(thread=True, exclusive=True, group="open-database")
    def open_database(self) -> None:
        from serialpos.tui.backend import describe, post_read

        try:
            from serialpos.services.stores import list_stores
            from serialpos.services.users import has_users

            config = self.console.terminal_config()
            db = self.console.database()
            stores = tuple((s.code, s.name) for s in list_stores(db))
            opened = DatabaseOpened(stores, config.store, config.terminal_id, has_users(db))
            if config.warnings:  # unknown keys in the terminal config: said, never fatal
                self.app.call_from_thread(
                    self.message_line.note, f"terminal config: {config.warnings[0]}"
                )
        except Exception as exc:  # any failure is a message on this screen, not a crash
            post_read(self, DatabaseFailed(describe(exc)))
            return
        post_read(self, opened)  # unless tried again meanwhile: that answer is the newer

    def on_database_opened(self, message: DatabaseOpened) -> None:
        self.console.read_screens_css()
        if self.open_failed:  # opened again (space was freed): its reason is gone
            self.open_failed = False
            self.unusable = None
            self.message_line.clear()
        store_text = self.query_one("#store-text", Static)
        existing: list[Select[str]] = list(self.query("#store").results(Select))
        for select in existing:
            select.display = False
        if message.config_store is not None:
            store_text.update(Text(f"{message.config_store} (this terminal's store)"))
            store_text.display = True
        elif not message.stores:
            store_text.update(Text("no stores yet: add one with `serialpos store add`"))
            store_text.display = True
        else:
            options = [(Text(f"{code} {name}"), code) for code, name in message.stores]
            store_text.display = False
            if existing:  # read again after a log out
                existing[0].set_options(options)
                existing[0].value = options[0][1]
                existing[0].display = True
            else:
                self.query_one("#login-fields").mount(
                    StoreSelect(options, id="store", allow_blank=False, value=options[0][1])
                )
        if not message.has_users:
            self.message_line.note(
                "this database has no users yet: add one with `serialpos user add`"
            )

    def on_database_failed(self, message: DatabaseFailed) -> None:
        self.console.read_screens_css()
        self.query_one("#store-text", Static).update(Text("the database is not available"))
        self.unusable = message.message
        self.open_failed = True
        self.show_error(message.message)

    # -- logging in ----------------------------------------------------------------------
    @on(Input.Submitted)
    def submit(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_login()

    def action_login(self) -> None:
        user = self.query_one("#user", Input)
        pin = self.query_one("#pin", Input)
        missing = None if user.value.strip() else user
        missing = missing or (None if pin.value else pin)
        if missing is not None:
            missing.focus()
            if self.unusable is not None:
                # A prompt for a field would hide the one reason nobody can log in; the
                # database is tried again instead, and says whether it still cannot be used.
                self.show_error(self.unusable)
                if self.open_failed:
                    self.open_database()
            else:
                self.show_error(f"type your {'user name' if missing is user else 'PIN'}")
            self.console.call_later(self.console.type_ahead.replay)  # nothing to check: keys go on
            return
        store: str | None = None
        for select in self.query("#store").results(Select):
            if select.display and isinstance(select.value, str):
                store = select.value
        self.message_line.note("checking…")
        self.attempt(user.value.strip(), pin.value, store)

    @work(thread=True, exclusive=True, group="login")
    def attempt(self, name: str, pin: str, store: str | None) -> None:
        from serialpos.domain.errors import UnknownStore
        from serialpos.tui.session import Session

        try:
            from serialpos.services.settings import get_chain_settings
            from serialpos.services.stores import list_stores
            from serialpos.services.users import login

            config = self.console.terminal_config()
            db = self.console.database()
            stores = dict((s.code, s.name) for s in list_stores(db))
            chosen = config.store or store or next(iter(stores), None)
            # The PIN is checked first: nothing about the stores is said to a wrong PIN.
            actor = login(db, name, pin, config.terminal_id, chosen if chosen in stores else None)
            if chosen is None:
                raise UnknownStore(
                    "this database has no stores: add one with `serialpos store add`"
                )
            if chosen not in stores:
                where = " (set in this terminal's config)" if config.store else ""
                raise UnknownStore(f"store {chosen}{where} is not in this database")
            idle = get_chain_settings(db).idle_logout_minutes
        except Exception as exc:  # wrong PIN, database down: all said on this screen
            from serialpos.logs import action
            from serialpos.services.database import DatabaseError
            from serialpos.tui.backend import describe

            refused = describe(exc)
            action(name, self.console.terminal_config().terminal_id, f"login refused: {refused}")
            self.post_message(LoginRefused(refused, unusable=isinstance(exc, DatabaseError)))
            return
        from serialpos.logs import action

        action(actor.user, actor.terminal, "logged in", f"store {chosen}")
        self.post_message(LoggedIn(Session(actor, chosen, stores[chosen], idle)))

    def on_login_refused(self, message: LoginRefused) -> None:
        self.console.type_ahead.drop()  # typed for a menu that never came (tui/type_ahead.py)
        pin = self.query_one("#pin", Input)
        self.unusable = message.message if message.unusable else None
        if not message.unusable:  # else not the PIN's fault: kept, so Enter tries again
            pin.clear()
        pin.focus()
        self.show_error(message.message)

    def on_logged_in(self, message: LoggedIn) -> None:
        self.unusable = None
        self.query_one("#pin", Input).clear()
        self.message_line.clear()
        self.console.start_session(message.session)

    def take_scan(self, scan: ScanRead) -> None:
        # Only a serial or evdev scanner gets here (the keyboard wedge is off until login, so
        # that a fast typist is never taken for a scanner); nothing here takes a barcode.
        self.message_line.note("log in first: scans are used once someone is logged in")

    def reset(self, why: str = "logged out") -> None:
        """After a log out: empty fields, cursor in the user name, stores read again."""
        self.query_one("#user", Input).clear()
        self.query_one("#pin", Input).clear()
        self.query_one("#user", Input).focus()
        self.message_line.note(why)
        self.open_database()
