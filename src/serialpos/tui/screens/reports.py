"""Reports in the console, for managers and admins: the menu of reports.

**Who.** Only a role with ``Permission.REPORTS`` opens the menu (:func:`open_reports`); anyone
else is told so on the message line of the screen they are on, and nothing opens. What every
report screen shares (filter, table, exports) is in report_screen.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from serialpos.domain.users import Permission, require
from serialpos.tui.backend import one_at_a_time
from serialpos.tui.screens.base import ConsoleScreen
from serialpos.tui.widgets.key_footer import KeyFooter, KeyHints
from serialpos.tui.widgets.message_line import MessageLine
from serialpos.tui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from serialpos.tui.messages import ScanRead
    from serialpos.tui.session import Session
    from serialpos.tui.store_link import StoreLinkApp


def refusal(session: Session | None) -> str | None:
    """Why this user may not open reports, or None when they may."""
    if session is None:
        return "log in first"
    from serialpos.domain.errors import DomainError

    try:
        require(session.actor.role, session.user, Permission.REPORTS)
    except DomainError as exc:
        return exc.message
    return None


def open_reports(app: StoreLinkApp) -> None:
    """Open the reports menu, or say on the current screen's message line why not."""
    refused = refusal(app.session)
    if refused is None:
        app.push_screen(ReportsScreen())
        return
    screen = app.screen
    if isinstance(screen, ConsoleScreen):
        screen.show_error(refused)
    else:
        app.bell()


#: (key, screen name, words); a screen name of None is not built in the console yet.
REPORTS: tuple[tuple[str, str | None, str], ...] = (
    ("1", "fulfilment", "Fulfilment (open orders, serials)"),
    ("2", "sales", "Sales report"),
    ("3", "picklist", "Pick list of this store's open lines (PDF)"),
    ("4", "runsheet", "Run sheet of today's deliveries (PDF)"),
)


class ReportsScreen(ConsoleScreen):
    """The reports menu: a number or the arrows and Enter."""

    KEY_HINTS: ClassVar[KeyHints] = (("1-4/Enter", "Open"),)
    #: A scan is told from the menu's keys and refused (menu_scans.py): its Enter opened the
    #: highlighted report.
    TAKES_SCANS: ClassVar[bool] = True
    DEFAULT_CSS = """
    ReportsScreen #reports {
        height: 1fr;
        border: none;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        *(Binding(key, f"open('{key}')", words, show=False) for key, _, words in REPORTS),
    ]

    def compose(self) -> ComposeResult:
        yield StatusLine("Reports", self.session)
        yield OptionList(
            *(Option(self._prompt(key, name, words), id=key) for key, name, words in REPORTS),
            id="reports",
        )
        yield MessageLine(id="message")
        yield KeyFooter()

    @staticmethod
    def _prompt(key: str, name: str | None, words: str) -> Text:
        return Text(f"{key}  {words}")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.action_open(event.option.id)

    def action_back(self) -> None:
        self.dismiss()

    def take_scan(self, scan: ScanRead) -> None:
        from serialpos.tui.screens.menu_scans import refuse_scan_on_menu

        refuse_scan_on_menu(self, scan, "Pick a report: 1-4, or the arrows and Enter")

    def action_open(self, key: str) -> None:
        _, name, words = next(report for report in REPORTS if report[0] == key)
        if name == "fulfilment":
            from serialpos.tui.screens.fulfilment import FulfilmentScreen

            self.app.push_screen(FulfilmentScreen())
        elif name == "sales":
            from serialpos.tui.screens.sales_report import SalesReportScreen

            self.app.push_screen(SalesReportScreen())
        elif name in ("picklist", "runsheet"):
            self.message_line.note(f"writing the {words.split(' of ')[0].lower()}…")
            self.print_pdf(name)

    @one_at_a_time("reports-print")
    def print_pdf(self, name: str) -> None:
        """Write the PDF into the terminal's outbox folder (where invoices go too), off the
        screen's thread: a long pick list takes a moment. ``serialpos print`` does the same
        with every filter."""
        from datetime import date

        from serialpos.domain.errors import DomainError
        from serialpos.services import picking

        session, console = self.session, self.console
        today = date.today()
        try:
            db = console.database()
            folder = console.terminal_config().resolved_outbox()
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / f"{name}-{session.store}-{today.isoformat()}.pdf"
            if name == "picklist":
                printed = picking.write_pick_list(db, session.actor, path, session.store)
                what = f"{printed.lines} line{'s' * (printed.lines != 1)} to pick"
            else:
                printed = picking.write_run_sheet(db, session.actor, path, session.store, today)
                what = f"{printed.orders} deliver{'ies' if printed.orders != 1 else 'y'}"
        except (DomainError, OSError) as exc:
            text = str(exc) if isinstance(exc, DomainError) else f"cannot write: {exc}"
            self.app.call_from_thread(self.show_error, text)
            return
        done = f"{what}, {printed.pages} page{'s' * (printed.pages != 1)}: {printed.path}"
        self.app.call_from_thread(self.message_line.ok, done)
