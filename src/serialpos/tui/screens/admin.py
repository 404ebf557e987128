"""The Admin screens of the console: users (admins), the settings of the store this console
works at beside the chain's defaults (managers and admins), stores (admins), and the
conflicts of store terminals' offline sales (managers and admins: screens/conflicts.py).

Keyboard only: each screen is a list (↑↓) with one letter per action shown in the footer, and
Escape goes back. Every change is a service call in a thread worker (the same services as the
``serialpos user``/``settings``/``store`` commands, so the same rules and the same audit); a
refusal is said on the message line with the bell, and the list is read again after a change.
One change at a time: a key pressed again before the change has answered is told "still
working" (tui/backend.one_at_a_time): pressed twice, a toggle would undo itself. A form (a
store, a user, a PIN, a role, a user's stores) submitted meanwhile is kept and made once the
change before it has answered, in the order submitted: what the admin typed is new input, not
the same change again, and was lost when it was refused "still working".
"""

from __future__ import annotations

from abc import abstractmethod
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from serialpos.domain.text import clip
from serialpos.domain.users import Permission
from serialpos.tui.backend import one_at_a_time, post_read, running
from serialpos.tui.screens.base import AbstractScreenMeta, ConsoleScreen
from serialpos.tui.widgets.key_footer import KeyFooter, KeyHints
from serialpos.tui.widgets.message_line import MessageLine
from serialpos.tui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from serialpos.tui.messages import ActionFailed, ScanRead

#: (key, label, screen, permission needed)
SECTIONS = (
    ("u", "Users", "users", Permission.MANAGE_USERS),
    ("s", "Store settings", "settings", Permission.MANAGE_SETTINGS),
    ("t", "Stores", "stores", Permission.MANAGE_STORES),
    ("c", "Conflicts", "conflicts", Permission.ADJUST),  # issue 16: tills' offline sales
)
#: What a store terminal's Admin menu offers: Conflicts, read and resolved at central
#: (screens/conflicts.py). Users, settings and stores are central's and its changes to them
#: would never leave the till (issue 16).
TERMINAL_SECTIONS = frozenset({"conflicts"})
#: Said when a section a terminal does not offer is asked for there.
CENTRALS = "users, settings and stores are central's: change them at central"


#: An admin screen's changes: one at a time. A conflict's refund asked again while it ran
#: sent a second resolve (refused by the service, said with the bell over the first one's
#: line); a setting's or a user's toggle pressed again while it ran read what the first
#: left and flipped it back.
CHANGING = "admin-change"
#: Said when a form is submitted while the change before it still runs (it is kept).
KEPT_AFTER = "{what}: kept, made after the change still running"


@dataclass
class RowsLoaded(Message):
    """The list of an admin screen, read again."""

    rows: list[tuple[str, Text]]


@dataclass
class ChangeDone(Message):
    """A change was made; ``message`` says what."""

    message: str


def open_admin(console: object) -> None:
    """From the home menu: the Admin menu, or why this user may not open it."""
    from serialpos.tui.app import SerialposApp

    assert isinstance(console, SerialposApp)
    session = console.session
    if session is None:
        return
    if not allowed_sections(session.actor.role, on_terminal=_on_terminal(console)):
        screen = console.screen
        if isinstance(screen, ConsoleScreen):
            screen.show_error(
                f"{session.user} ({session.role}) may not administer: that needs "
                "the role manager or admin"
            )
        return
    console.push_screen(AdminScreen())


def allowed_sections(
    role: object, *, on_terminal: bool = False
) -> list[tuple[str, str, str, Permission]]:
    from serialpos.domain.users import ROLE_PERMISSIONS, Role

    assert isinstance(role, Role)
    return [
        s
        for s in SECTIONS
        if s[3] in ROLE_PERMISSIONS[role] and (not on_terminal or s[2] in TERMINAL_SECTIONS)
    ]


def _on_terminal(console: object) -> bool:
    """Whether the console works on a store terminal's own database (journaled)."""
    from serialpos.services import journal_sink

    database = getattr(console, "database", None)
    return database is not None and journal_sink.on_terminal(database())


class AdminScreen(ConsoleScreen):
    """The sections this user may open: admins all, managers store settings and conflicts."""

    KEY_HINTS: ClassVar[KeyHints] = (("Enter", "Open"), ("Esc", "Back"))
    #: A scan is told from the menu's keys and refused (menu_scans.py), never an Enter.
    TAKES_SCANS: ClassVar[bool] = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back", show=False),
        *(Binding(key, f"open('{name}')", label, show=False) for key, label, name, _p in SECTIONS),
    ]

    def compose(self) -> ComposeResult:
        yield StatusLine("Admin", self.session)
        yield OptionList(
            *(
                Option(Text(f"{key.upper()}  {label}"), id=name)
                for key, label, name, _p in self._sections()
            ),
            id="sections",
        )
        yield MessageLine(id="message")
        yield KeyFooter()

    def _sections(self) -> list[tuple[str, str, str, Permission]]:
        return allowed_sections(self.session.actor.role, on_terminal=_on_terminal(self.console))

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.action_open(event.option.id)

    def take_scan(self, scan: ScanRead) -> None:
        from serialpos.tui.screens.menu_scans import refuse_scan_on_menu

        refuse_scan_on_menu(self, scan, "Pick a section by its letter, or arrows and Enter")

    def action_open(self, name: str) -> None:
        if name not in (s[2] for s in self._sections()):
            if name in (s[2] for s in allowed_sections(self.session.actor.role)):
                self.show_error(f"on a store terminal {CENTRALS}")
                return
            self.show_error(f"{self.session.user} ({self.session.role}) may not open this")
            return
        if name == "users":
            from serialpos.tui.screens.admin_users import UsersScreen

            self.app.push_screen(UsersScreen())
        elif name == "conflicts":
            from serialpos.tui.screens.conflicts import ConflictsScreen

            self.app.push_screen(ConflictsScreen())
        elif name == "settings":
            from serialpos.tui.screens.admin_settings import StoreSettingsScreen

            self.app.push_screen(StoreSettingsScreen())
        else:
            from serialpos.tui.screens.admin_settings import StoresScreen

            self.app.push_screen(StoresScreen())


class AdminListScreen(ConsoleScreen, metaclass=AbstractScreenMeta):
    """A list and its actions. Subclasses give :meth:`load` (in a worker) and bind letters
    to actions that call :meth:`change`."""

    TITLE: ClassVar[str] = "Admin"
    #: A scan is told from the list's letter keys and refused (menu_scans.py).
    TAKES_SCANS: ClassVar[bool] = True

    def take_scan(self, scan: ScanRead) -> None:
        from serialpos.tui.screens.menu_scans import refuse_scan_on_menu

        refuse_scan_on_menu(self, scan, "Pick a row with the arrows, then its key")

    def compose(self) -> ComposeResult:
        yield StatusLine(self.TITLE, self.session)
        yield OptionList(id="rows")
        yield MessageLine(id="message")
        yield KeyFooter()

    def __init__(
        self, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name, id, classes)
        #: Forms submitted while a change ran: made after it, in order (see the module).
        self._kept: deque[Callable[[], str]] = deque()

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.reload()

    @abstractmethod
    def load(self) -> list[tuple[str, Text]]:
        """The rows (id, text); runs in a worker."""

    @work(thread=True, exclusive=True, group="admin-load")
    def reload(self) -> None:
        try:
            rows = self.load()
        except Exception as exc:  # a refusal or an unreachable database: said on screen
            post_read(self, self._failed(exc))
            return
        # Unless read again meanwhile (a second change done): these rows may be older.
        post_read(self, RowsLoaded(rows))

    def on_rows_loaded(self, message: RowsLoaded) -> None:
        options = self.query_one(OptionList)
        kept = options.highlighted
        options.clear_options()
        options.add_options([Option(text, id=key) for key, text in message.rows])
        if message.rows:
            # A row without a key is a note (the Conflicts screen's OFFLINE line, "no open
            # conflicts"): the cursor starts on the first row an action can take.
            first = next((i for i, (key, _text) in enumerate(message.rows) if key), 0)
            options.highlighted = min(max(kept or 0, first), len(message.rows) - 1)

    @property
    def chosen(self) -> str | None:
        """The id of the highlighted row."""
        options = self.query_one(OptionList)
        if options.highlighted is None or options.option_count == 0:
            return None
        return options.get_option_at_index(options.highlighted).id

    def change(self, work_: Callable[[], str], form: str | None = None) -> None:
        """Run one change in a worker; its sentence (or refusal) goes on the message line.
        ``form`` names what a submitted form asks for ("store S04"): while another change
        runs, it is kept and made after it instead of refused (see the module)."""
        if form is not None and running(self, CHANGING):
            self._kept.append(work_)
            self.message_line.note(KEPT_AFTER.format(what=clip(form)))
            return
        self.message_line.note("working…")
        self._change(work_)

    def _next_kept(self) -> None:
        """After a change's answer: the next kept form, once that change has finished (its
        end is queued just behind its answer)."""
        if not self._kept:
            return
        if running(self, CHANGING):
            self.set_timer(0.02, self._next_kept)
            return
        self._change(self._kept.popleft())  # its answer replaces the one before; "working…" not

    @one_at_a_time(CHANGING)
    def _change(self, work_: Callable[[], str]) -> None:
        try:
            said = work_()
        except Exception as exc:
            self.post_message(self._failed(exc))
            return
        self.post_message(ChangeDone(said))

    def on_change_done(self, message: ChangeDone) -> None:
        self.message_line.ok(message.message)
        self.reload()
        self.call_later(self._next_kept)

    def on_action_failed(self, message: ActionFailed) -> None:
        super().on_action_failed(message)
        self.call_later(self._next_kept)  # a kept form is its own change: made all the same

    @staticmethod
    def _failed(exc: Exception) -> Message:
        from serialpos.tui.backend import describe
        from serialpos.tui.messages import ActionFailed

        return ActionFailed(describe(exc))
