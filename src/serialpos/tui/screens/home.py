"""The menu of flows after login. Flows that are not built yet say so when chosen, plainly,
instead of opening a screen that pretends.

A scan here is routed rather than refused, since the menu has nothing else to do with it: a
serial (or a GS1 product+serial) opens its serial card; a product barcode opens Products
searching for it. Nothing is changed by either.

**Only what the role may use.** Each flow names the permissions it needs (any one of them),
the same ones its services require (``orders``/``returns``: sell; receiving, transfers, returns
to vendor, counts: receive; adjustments: adjust; reports: reports; Admin: managing users,
settings or stores). The menu lists only the flows the signed-in role has; a hidden flow's key
says why, in the services' own words, and opens nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from serialpos.domain.errors import DomainError
from serialpos.domain.users import ROLE_PERMISSIONS, Permission, Role, require
from serialpos.tui.backend import post_read
from serialpos.tui.messages import ScanRead
from serialpos.tui.screens.base import ConsoleScreen
from serialpos.tui.widgets.key_footer import KeyFooter, KeyHints
from serialpos.tui.widgets.message_line import MessageLine
from serialpos.tui.widgets.status_line import StatusLine


@dataclass(frozen=True)
class Flow:
    key: str
    name: str
    screen: str | None  # the console's name for a built flow's screen; None: not built yet
    comes_with: str = ""
    #: Any one of these lets a role use the flow (none: every role).
    needs: tuple[Permission, ...] = ()

    def allowed(self, role: Role) -> bool:
        return not self.needs or any(p in ROLE_PERMISSIONS[role] for p in self.needs)


FLOWS: tuple[Flow, ...] = (
    Flow("1", "Serial lookup", "lookup"),
    Flow("2", "Products", "products"),
    Flow("3", "Sale", "sale", needs=(Permission.SELL,)),
    Flow("4", "Returns", "returns", needs=(Permission.SELL,)),
    Flow("5", "Receiving (ASN/blind)", "receiving", needs=(Permission.RECEIVE,)),
    Flow("6", "Transfers", "transfers", needs=(Permission.RECEIVE,)),
    Flow("7", "Return to vendor", "rtv", needs=(Permission.RECEIVE,)),
    Flow("8", "Counts", "counts", needs=(Permission.RECEIVE,)),
    Flow("9", "Adjustments", "adjustments", needs=(Permission.ADJUST,)),
    Flow("0", "Reports", "reports", needs=(Permission.REPORTS,)),
    Flow(
        "a",
        "Admin",
        "admin",
        needs=(Permission.MANAGE_USERS, Permission.MANAGE_SETTINGS, Permission.MANAGE_STORES),
    ),
    Flow("s", "Shift (open, X, close, Z)", "shift", needs=(Permission.SELL,)),
)


def flows_for(role: Role) -> tuple[Flow, ...]:
    """The flows a role sees on the menu."""
    return tuple(f for f in FLOWS if f.allowed(role))


def not_built_message(flow: Flow) -> str:
    return f"{flow.name} is not built yet: it comes with {flow.comes_with}"


@dataclass
class LeftOpenFound(Message):
    """What Home says of sales left open on this terminal ("" for none)."""

    words: str


class HomeScreen(ConsoleScreen):
    """Pick a flow by its number, or with the arrows and Enter."""

    #: The left-open notice last said, cleared once no sale is left open.
    _left_open_said: str = ""

    KEY_HINTS: ClassVar[KeyHints] = (("0-9/Enter", "Open"), ("A", "Admin"), ("S", "Shift"))
    TAKES_SCANS: ClassVar[bool] = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(flow.key, f"open('{flow.key}')", flow.name, show=False) for flow in FLOWS
    ]

    def compose(self) -> ComposeResult:
        yield StatusLine("Home", self.session)
        yield OptionList(
            *(Option(self._prompt(flow), id=flow.key) for flow in self.flows), id="flows"
        )
        yield MessageLine(id="message")
        yield KeyFooter()

    def key_hints(self) -> KeyHints:
        """The Admin and Shift letters only for a role that has them on its menu."""
        shown = {flow.key.upper() for flow in self.flows}
        return tuple(hint for hint in self.KEY_HINTS if "/" in hint[0] or hint[0] in shown)

    @property
    def flows(self) -> list[Flow]:
        """The flows on this user's menu (none once logged out, while the menu closes)."""
        session = self.console.session
        if session is None:
            return []
        return list(flows_for(session.actor.role))

    @staticmethod
    def _prompt(flow: Flow) -> Text:
        text = Text(f"{flow.key}  {flow.name}")
        if flow.screen is None:
            text.append("  (not yet)", style="dim")
        return text

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        # Owed event files are written when the database is opened; if the outbox folder
        # could not be written, the person who can fix it should hear it first thing.
        warning = getattr(self.console.source, "outbox_warning", "")
        if warning:
            self.message_line.note(warning)
        self.find_left_open()

    def on_screen_resume(self) -> None:
        if self.is_mounted:
            self.find_left_open()  # back from Sale: the sale may be finished now

    @work(thread=True, exclusive=True, group="left-open")
    def find_left_open(self) -> None:
        """A sale left open on this terminal by a session that ended mid-sale (its units stay
        reserved): said on the message line, with how to resume or cancel it. The rule is
        the services' (services/orders/left_open.py, less the sales whose open lines are
        owed: services/owed_lines.py); the screen only says it."""
        from serialpos.services.orders.left_open import notice
        from serialpos.services.owed_lines import left_open_here

        session = self.console.session
        if session is None:
            return
        try:
            found = left_open_here(self.console.database(), session.store, session.terminal)
        except Exception:  # an unreachable database is said where it is used
            return
        sells = any(flow.screen == "sale" for flow in flows_for(session.actor.role))
        # Unless read again meanwhile (back from Sale once more): this answer may be older,
        # and would name a sale finished since as left open.
        post_read(self, LeftOpenFound(notice(found, sells=sells)))

    def on_left_open_found(self, message: LeftOpenFound) -> None:
        said = self.message_line.text
        if message.words:
            self.message_line.warn(message.words)
        elif self._left_open_said and said.endswith(self._left_open_said):
            self.message_line.clear()  # finished or voided since: no longer so
        self._left_open_said = message.words

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.action_open(event.option.id)

    def action_open(self, key: str) -> None:
        flow = next(f for f in FLOWS if f.key == key)
        if not flow.allowed(self.session.actor.role):
            self.show_error(self._refusal(flow))
            return
        options = self.query_one(OptionList)
        options.highlighted = self.flows.index(flow)
        if flow.screen is None:
            self.message_line.note(not_built_message(flow))
            return
        self.message_line.clear()
        self.console.open_flow(flow.screen)

    def _refusal(self, flow: Flow) -> str:
        """Why this user's role has no such flow, as the services say it."""
        try:
            require(self.session.actor.role, self.session.user, flow.needs[0])
        except DomainError as exc:
            if flow.screen == "admin":
                return (
                    f"{self.session.user} ({self.session.role}) may not administer: that needs "
                    "the role manager or admin"
                )
            return exc.message
        return f"{flow.name} is not on this menu"

    def take_scan(self, scan: ScanRead) -> None:
        if self.refuse_unreadable(scan):
            return
        decoded = scan.decoded
        self.message_line.clear()
        if decoded.kind == "product":
            self.console.open_flow("products", decoded.gtin)
        elif decoded.serial:
            self.console.open_flow("lookup", decoded.serial)
