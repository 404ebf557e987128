"""What every report screen in the console shares: a filter line, a table that is loaded off
the screen's thread, a count or totals line, and exports to CSV or XLSX with a progress bar.

**Never frozen.** Loading a report and writing an export both run in thread workers; the
services cap what a screen is given (``fulfilment_rows``/``sales_report`` take a limit) and
the screen says "first N shown" when that cap was reached. An export streams every row of the
filter, not only the ones shown, and reports its progress as messages the bar follows; Esc
stops it (the services leave no partial file under the requested name).

**Where exports go.** A plain file name is written in this terminal's outbox folder (the
dialog names the folder); a path starting with ``/`` or ``~`` is written exactly there. An
existing file is never overwritten: the dialog asks for another name.
"""

from __future__ import annotations

import threading
import time
from abc import abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Static

from serialpos.tui.keymap import keys
from serialpos.tui.messages import ActionFailed
from serialpos.tui.screens.base import AbstractScreenMeta, ConsoleScreen
from serialpos.tui.widgets.data_grid import content_widths
from serialpos.tui.widgets.export_progress import ExportProgress
from serialpos.tui.widgets.key_footer import KeyFooter
from serialpos.tui.widgets.message_line import MessageLine
from serialpos.tui.widgets.report_dialogs import ExportDialog, Filters
from serialpos.tui.widgets.report_grid import ReportGrid
from serialpos.tui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from serialpos.db.engine import Database
    from serialpos.services.report_filter import ReportFilter

#: A table row: its cells, and its key (None: no key).
Row = tuple[tuple[Text, ...], str | None]
#: How often (seconds) a running export tells the screen how far it is.
PROGRESS_EVERY = 0.1
#: Rows added to a table per step, and the pause between steps (seconds): the screen keeps
#: answering keys while a long report fills in.
FILL_CHUNK = 100
FILL_PAUSE = 0.01


class ExportStopped(Exception):
    """Raised inside the export's progress callback when the user pressed Esc."""


class ReportScreen(ConsoleScreen, metaclass=AbstractScreenMeta):
    """A report: filter line, table, foot line, export. Subclasses say how to load and show
    their rows and what an export writes."""

    TITLE: ClassVar[str] = "Report"
    EXPORT_NAME: ClassVar[str] = "report"
    #: Filter fields the filter dialog (F3) offers.
    FILTER_FIELDS: ClassVar[tuple[str, ...]] = ("store", "date_from", "date_to")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("f3", "filter", "Filter"),
        Binding(keys("f5", "export"), "export", "Export"),
    ]

    @dataclass
    class Loaded(Message):
        """A load finished; ``ticket`` tells a stale answer from the latest."""

        bubble = False  # for this screen only

        ticket: int
        result: object
        rows: list[Row]
        widths: list[int]  # the widest cell of each column over ``rows``

    @dataclass
    class ExportCounted(Message):
        """The export knows how many rows it will write."""

        bubble = False  # for this screen only

        total: int

    @dataclass
    class ExportProgressed(Message):
        """So many rows are written so far."""

        bubble = False  # for this screen only

        rows: int

    @dataclass
    class ExportDone(Message):
        """The file is written (renamed into place)."""

        bubble = False  # for this screen only

        path: Path
        rows: int

    @dataclass
    class ExportFailed(Message):
        """The export was refused, failed or was stopped; nothing is left under its name."""

        bubble = False  # for this screen only

        message: str

    def __init__(self, filters: Filters) -> None:
        super().__init__()
        self.filters = filters
        self.outbox: Path | None = None
        self._tickets = 0
        self._stop_export = threading.Event()
        self._fills = 0
        self._measured: tuple[Sequence[Row], list[int]] = ((), [])  # the last load's rows
        self.styles_now: dict[str, Style] = {}  # the indicator colours, for the workers

    def compose(self) -> ComposeResult:
        yield StatusLine(self.TITLE, self.session)
        yield Static("", id="report-filter", markup=False)
        yield MessageLine(id="message")
        yield ReportGrid(id="report-grid")
        yield Static("", id="report-foot", markup=False)
        yield ExportProgress(id="export-progress")
        yield KeyFooter()

    @property
    def grid(self) -> ReportGrid:
        return self.query_one(ReportGrid)

    @property
    def progress(self) -> ExportProgress:
        return self.query_one(ExportProgress)

    @property
    def narrow(self) -> bool:
        return self.app.size.width < 60

    def on_mount(self) -> None:
        self.styles_now = self.grid.indicator_styles()
        self.set_columns()
        self.grid.focus()
        self._find_outbox()
        self.reload()

    # -- what subclasses provide -------------------------------------------------------------
    @abstractmethod
    def set_columns(self) -> None:
        """The table's columns, set when the screen opens."""

    @abstractmethod
    def fetch(self, db: Database, report_filter: ReportFilter) -> object:
        """Runs in a worker: the rows to show."""

    @abstractmethod
    def cells(self, result: object) -> list[Row]:
        """Runs in the worker too: the table's rows (cells and key) for ``result``."""

    @abstractmethod
    def show_result(self, result: object, rows: list[Row]) -> None:
        """On the screen's thread: show the rows and the foot line for ``result``."""

    @abstractmethod
    def export_source(
        self, db: Database, report_filter: ReportFilter
    ) -> tuple[Sequence[str], Iterable[Sequence[object]], int]:
        """Runs in a worker: (columns, rows streamed, how many rows)."""

    # -- loading -------------------------------------------------------------------------------
    def reload(self, note: bool = True) -> None:
        self._show_filter()
        if note:
            self.message_line.note("loading…")
        self._tickets += 1
        self._load(self._tickets, self.filters)

    def _show_filter(self) -> None:
        self.query_one("#report-filter", Static).update(Text(self.filters.describe()))

    @work(thread=True, group="report-load")
    def _load(self, ticket: int, filters: Filters) -> None:
        try:
            from serialpos.services.report_filter import check_filter

            db = self.console.database()
            report_filter = service_filter(filters)
            check_filter(db, report_filter)
            result = self.fetch(db, report_filter)
            rows = self.cells(result)  # here, not on the screen's thread: it takes a moment
            widths = content_widths(cells for cells, _ in rows)
        except Exception as exc:
            from serialpos.tui.backend import describe

            self.post_message(ActionFailed(describe(exc)))
            return
        self.post_message(self.Loaded(ticket, result, rows, widths))

    def fill(self, rows: Sequence[Row], cursor: int = 0) -> None:
        """Put ``rows`` (cells, key) in the table, a chunk per frame: adding a row measures
        every cell, and two thousand at once would hold the screen for a noticeable moment.
        The cursor goes to row ``cursor`` once that row is there. The columns are sized to
        every row first (:meth:`DataGrid.fit_columns`), so a chunk drawn before the table
        measured it is not cut to the header's widths."""
        self._fills += 1
        measured, widths = self._measured
        if measured is not rows:
            widths = content_widths(cells for cells, _ in rows)
        self.grid.clear()
        self.grid.fit_columns(widths)
        self._fill_chunk(self._fills, rows, 0, cursor)

    def _fill_chunk(self, fill: int, rows: Sequence[Row], start: int, cursor: int) -> None:
        if fill != self._fills or not self.is_attached:
            return  # a newer load replaced these rows, or the screen closed
        grid = self.grid
        end = min(start + FILL_CHUNK, len(rows))
        for cells, key in rows[start:end]:
            grid.add_row(*cells, key=key)
        if start <= cursor < end:
            grid.move_cursor(row=cursor)
        if end < len(rows):
            self.set_timer(FILL_PAUSE, partial(self._fill_chunk, fill, rows, end, cursor))

    def on_report_screen_loaded(self, message: Loaded) -> None:
        if message.ticket != self._tickets:
            return  # a filter changed since: a newer load is on its way
        if self.message_line.text.startswith("› loading"):
            self.message_line.clear()
        self._measured = (message.rows, message.widths)
        self.show_result(message.result, message.rows)

    # -- keys ----------------------------------------------------------------------------------
    def action_back(self) -> None:
        if self.progress.running:
            self._stop_export.set()
            self.message_line.note("stopping the export…")
            return
        self.dismiss()

    def action_filter(self) -> None:
        from serialpos.tui.widgets.report_dialogs import FilterDialog

        def chosen(filters: Filters | None) -> None:
            self.grid.focus()
            if filters is not None:
                self.filters = filters
                self.reload()

        self.app.push_screen(FilterDialog(self.filters, self.FILTER_FIELDS), chosen)

    # -- exports -------------------------------------------------------------------------------
    @work(thread=True, group="report-outbox")
    def _find_outbox(self) -> None:
        try:
            self.outbox = self.console.terminal_config().resolved_outbox()
        except Exception as exc:  # a bad config: said now; exports need a full path then
            from serialpos.tui.backend import describe

            self.post_message(ActionFailed(f"no outbox folder: {describe(exc)}"))

    def action_export(self) -> None:
        if self.progress.running:
            self.show_error("an export is running: wait for it, or Esc to stop it")
            return
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        store = f"-{self.filters.store}" if self.filters.store else ""

        def chosen(result: tuple[Path, str] | None) -> None:
            self.grid.focus()
            if result is not None:
                self.start_export(*result)

        self.app.push_screen(
            ExportDialog(self.outbox, f"{self.EXPORT_NAME}{store}-{stamp}"), chosen
        )

    def start_export(self, path: Path, fmt: str) -> None:
        self._stop_export.clear()
        self.progress.start()
        self.message_line.note(f"exporting to {path} (Esc stops)")
        self._export(path, fmt, self.filters)

    @work(thread=True, group="report-export")
    def _export(self, path: Path, fmt: str, filters: Filters) -> None:
        last = 0.0

        def progressed(rows: int) -> None:
            nonlocal last
            if self._stop_export.is_set():
                raise ExportStopped
            now = time.monotonic()
            if now - last >= PROGRESS_EVERY:
                last = now
                self.post_message(self.ExportProgressed(rows))

        try:
            from serialpos.services import exports

            if self.outbox is not None and path.parent == self.outbox:
                path.parent.mkdir(parents=True, exist_ok=True)  # the outbox's first use
            db = self.console.database()
            columns, rows, total = self.export_source(db, service_filter(filters))
            self.post_message(self.ExportCounted(total))
            writer = exports.write_xlsx if fmt == "xlsx" else exports.write_csv
            written = writer(path, columns, rows, progress=progressed)
        except ExportStopped:
            self.post_message(self.ExportFailed(f"export stopped: nothing written to {path}"))
            return
        except Exception as exc:
            from serialpos.tui.backend import describe

            self.post_message(self.ExportFailed(f"export failed: {describe(exc)}"))
            return
        self.post_message(self.ExportDone(path, written))

    def on_report_screen_export_counted(self, message: ExportCounted) -> None:
        self.progress.set_total(message.total)

    def on_report_screen_export_progressed(self, message: ExportProgressed) -> None:
        if self.progress.running:
            self.progress.advance(message.rows)

    def on_report_screen_export_done(self, message: ExportDone) -> None:
        self.progress.finish()
        rows = f"{message.rows:,} row{'s' * (message.rows != 1)}"
        self.message_line.ok(f"{rows} written to {message.path}")

    def on_report_screen_export_failed(self, message: ExportFailed) -> None:
        self.progress.finish()
        self.show_error(message.message)


def service_filter(filters: Filters) -> ReportFilter:
    """The services' filter from the screen's (the same fields, one for one)."""
    from serialpos.services.report_filter import ReportFilter

    return ReportFilter(**asdict(filters))


def day(value: datetime | date) -> str:
    """A date as the report tables show it (YYYY-MM-DD)."""
    return value.strftime("%Y-%m-%d")
