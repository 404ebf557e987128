"""A one-line progress bar for an export running in a thread worker: what is being written,
how far it is, and how to stop it. Hidden while nothing is being exported.

The screen that runs the export calls :meth:`ExportProgress.start`, :meth:`advance` (with the
rows written so far, from the worker's progress messages) and :meth:`finish`; the widget
never touches files or the database.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import ProgressBar, Static


class ExportProgress(Horizontal):
    """``12,000/40,000 rows ███░░ 30%``; the total is unknown (an indeterminate bar) until the
    worker has counted the rows."""

    DEFAULT_CSS = """
    ExportProgress {
        height: 1;
        padding: 0 1;
        display: none;
    }
    ExportProgress.-running {
        display: block;
    }
    ExportProgress > #export-label {
        width: auto;
        padding: 0 1 0 0;
    }
    ExportProgress > ProgressBar {
        width: 1fr;
    }
    ExportProgress > ProgressBar > Bar {
        width: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows = 0
        self.total: int | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="export-label", markup=False)
        yield ProgressBar(show_eta=False, id="export-bar")

    @property
    def running(self) -> bool:
        return self.has_class("-running")

    def start(self, total: int | None = None) -> None:
        self.rows, self.total = 0, total
        self.add_class("-running")
        self.query_one(ProgressBar).update(total=total, progress=0)
        self._label()

    def set_total(self, total: int) -> None:
        self.total = total
        self.query_one(ProgressBar).update(total=max(total, 1), progress=self.rows)
        self._label()

    def advance(self, rows: int) -> None:
        """``rows``: how many are written so far (not how many more)."""
        self.rows = rows
        self.query_one(ProgressBar).update(progress=rows)
        self._label()

    def finish(self) -> None:
        self.remove_class("-running")

    def _label(self) -> None:
        of = f"/{self.total:,}" if self.total is not None else ""
        self.query_one("#export-label", Static).update(Text(f"{self.rows:,}{of} rows"))
