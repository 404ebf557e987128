"""The menu of flows after login. Flows that are not built yet say so when chosen, plainly,
instead of opening a screen that pretends.

A scan here is routed rather than refused, since the menu has nothing else to do with it: a
serial (or a GS1 product+serial) opens its serial card; a product barcode opens Products
searching for it. Nothing is changed by either.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from serialpos.domain.users import ROLE_PERMISSIONS, Permission, Role
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
    #: Shown only to roles with this permission (None: to everyone).
    needs: Permission | None = None


FLOWS: tuple[Flow, ...] = (
    Flow("1", "Serial lookup", "lookup"),
    Flow("2", "Products", "products"),
    Flow("3", "Sale", "sale"),
    Flow("4", "Returns", "returns"),
    Flow("5", "Receiving (ASN/blind)", "receiving"),
    Flow("6", "Transfers", "transfers"),
    Flow("7", "Return to vendor", "rtv"),
    Flow("8", "Counts", "counts"),
    Flow("9", "Adjustments", "adjustments"),
    Flow("0", "Reports", "reports"),
    Flow("a", "Admin", "admin"),
    Flow("s", "Shift (open, X, close, Z)", "shift", needs=Permission.SELL),
)


def flows_for(role: Role) -> tuple[Flow, ...]:
    """The flows a role sees on the menu."""
    return tuple(f for f in FLOWS if f.needs is None or f.needs in ROLE_PERMISSIONS[role])


def not_built_message(flow: Flow) -> str:
    return f"{flow.name} is not built yet: it comes with {flow.comes_with}"


class HomeScreen(ConsoleScreen):
    """Pick a flow by its number, or with the arrows and Enter."""

    KEY_HINTS: ClassVar[KeyHints] = (("0-9/Enter", "Open"), ("A", "Admin"), ("S", "Shift"))
    TAKES_SCANS: ClassVar[bool] = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(flow.key, f"open('{flow.key}')", flow.name, show=False) for flow in FLOWS
    ]

    def compose(self) -> ComposeResult:
        yield StatusLine("Home", self.session)
        shown = flows_for(self.session.actor.role)
        yield OptionList(*(Option(self._prompt(flow), id=flow.key) for flow in shown), id="flows")
        yield MessageLine(id="message")
        yield KeyFooter()

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

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.action_open(event.option.id)

    def action_open(self, key: str) -> None:
        shown = flows_for(self.session.actor.role)
        flow = next((f for f in shown if f.key == key), None)
        if flow is None:  # a flow this role does not see (its key is bound for every role)
            hidden = next(f for f in FLOWS if f.key == key)
            self.show_error(f"{hidden.name.split(' (')[0]} is not for the role {self.session.role}")
            return
        options = self.query_one(OptionList)
        options.highlighted = shown.index(flow)
        if flow.screen is None:
            self.message_line.note(not_built_message(flow))
            return
        self.message_line.clear()
        self.console.open_flow(flow.screen)

    def take_scan(self, scan: ScanRead) -> None:
        if self.refuse_unreadable(scan):
            return
        decoded = scan.decoded
        self.message_line.clear()
        if decoded.kind == "product":
            self.console.open_flow("products", decoded.gtin)
        elif decoded.serial:
            self.console.open_flow("lookup", decoded.serial)
