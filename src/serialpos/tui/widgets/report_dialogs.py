"""The reports' filter as view state, and its two dialogs: the filter fields, and where an
export is written (CSV or XLSX).

These are dialogs rather than widgets, kept beside the report widgets because only the report
screens use them. :class:`Filters` mirrors ``services.report_filter.ReportFilter`` field for field:
the screens keep it without importing the services (SQLAlchemy) on the screen's thread, and a
worker turns it into the services' filter.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Static

from serialpos.domain.orders import DeliveryMode
from serialpos.domain.text import clip, visible
from serialpos.tui.screens.closes_once import ClosesOnce
from serialpos.tui.widgets.capped_input import CappedInput
from serialpos.tui.widgets.key_footer import KeyFooter, KeyHints
from serialpos.tui.widgets.message_line import MessageLine
from serialpos.tui.widgets.text_field import TextField

FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class Filters:
    """What a report is filtered by; None means any."""

    date_from: date | None = None
    date_to: date | None = None
    store: str | None = None
    sku: str | None = None
    serial: str | None = None
    pending_serial: bool = False
    delivery: str | None = None

    def describe(self) -> str:
        """``store S01 · all dates · Delivery · pending S/N only``, in words."""
        parts = [f"store {visible(self.store)}" if self.store else "all stores"]
        if self.date_from and self.date_from == self.date_to:
            parts.append(f"{self.date_from:%Y-%m-%d}")
        elif self.date_from and self.date_to:
            parts.append(f"{self.date_from:%Y-%m-%d}..{self.date_to:%Y-%m-%d}")
        elif self.date_from:
            parts.append(f"from {self.date_from:%Y-%m-%d}")
        elif self.date_to:
            parts.append(f"to {self.date_to:%Y-%m-%d}")
        else:
            parts.append("all dates")
        if self.sku:
            parts.append(f"SKU {clip(self.sku, 20)}")
        if self.serial:
            parts.append(f"serial {clip(self.serial, 20)}")
        if self.delivery:
            parts.append(DeliveryMode(self.delivery).label)
        if self.pending_serial:
            parts.append("pending S/N only")
        return " · ".join(parts)


#: field -> (placeholder, label)
#: Filters whose value is a scan: a SKU or a serial read off the unit.
SCANNED_FILTERS = frozenset({"sku", "serial"})

FIELDS: dict[str, tuple[str, str]] = {
    "store": ("code; empty: all stores", "Store"),
    "date_from": ("YYYY-MM-DD; empty: any", "From"),
    "date_to": ("YYYY-MM-DD; empty: any", "To"),
    "sku": ("empty: any", "SKU"),
    "serial": ("exact serial; empty: any", "Serial"),
}


def parse_day(text: str, label: str) -> date | None:
    """``YYYY-MM-DD`` or empty; anything else is refused with the text named."""
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{label} date '{clip(text, 20)}' is not a date: type it as YYYY-MM-DD"
        ) from None


class FilterDialog(ClosesOnce[Filters | None]):
    """One labelled field per filter; ↑↓ or Tab move between them, Enter applies. The
    services check what only the database knows (an unknown store or SKU) when the report
    loads."""

    KEY_HINTS: ClassVar[KeyHints] = (("↑↓", "Field"), ("Enter", "Apply"))
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "app.focus_previous", "Field", show=False),
        Binding("down", "app.focus_next", "Field", show=False),
        Binding("escape", "cancel", "Cancel"),
    ]
    # One row per field, framed or not, so that five fit a 16-row handheld with the keys.
    DEFAULT_CSS = """
    FilterDialog .filter-row {
        height: 1;
    }
    FilterDialog .filter-label {
        width: 7;
    }
    FilterDialog CappedInput, FilterDialog CappedInput:focus {
        width: 1fr;
        height: 1;
        border: none;
        padding: 0 1;
        background: $boost;
    }
    FilterDialog CappedInput:focus {
        text-style: bold;
    }
    """

    def __init__(self, filters: Filters, fields: tuple[str, ...]) -> None:
        super().__init__()
        self.filters = filters
        self.fields = fields

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="filter-dialog"):
            yield Static("Filter", classes="dialog-title", markup=False)
            for name in self.fields:
                value = getattr(self.filters, name)
                text = value.isoformat() if isinstance(value, date) else (value or "")
                placeholder, label = FIELDS[name]
                with Horizontal(classes="filter-row"):
                    yield Static(label, classes="filter-label", markup=False)
                    # A SKU or serial filter takes a scan (that is what it is for); the
                    # store and dates are words, and refuse one.
                    kind = CappedInput if name in SCANNED_FILTERS else TextField
                    yield kind(
                        value=text, id=f"filter-{name}", placeholder=placeholder, max_length=200
                    )
            yield MessageLine(id="filter-message")
            yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(f"#filter-{self.fields[0]}", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        values: dict[str, object] = {}
        try:
            for field in self.fields:
                text = self.query_one(f"#filter-{field}", Input).value.strip()
                if field.startswith("date_"):
                    values[field] = parse_day(text, FIELDS[field][1])
                else:
                    values[field] = text or None
        except ValueError as exc:
            self.query_one("#filter-message", MessageLine).error(str(exc))
            self.app.bell()
            return
        start, end = values.get("date_from"), values.get("date_to")
        if isinstance(start, date) and isinstance(end, date) and start > end:
            self.query_one("#filter-message", MessageLine).error(
                f"the dates are the wrong way round: {start} is after {end}"
            )
            self.app.bell()
            return
        self.dismiss(replace(self.filters, **values))  # type: ignore[arg-type]

    def action_cancel(self) -> None:
        self.dismiss(None)


class ExportDialog(ClosesOnce[tuple[Path, str] | None]):
    """Format (↑↓: CSV or XLSX) and file name. A plain name is written in the outbox folder,
    which the dialog names; a path starting with ``/`` or ``~`` is written there. An existing
    file is not overwritten."""

    KEY_HINTS: ClassVar[KeyHints] = (("↑↓", "CSV/XLSX"), ("Enter", "Write"))
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "format", "Format", show=False),
        Binding("down", "format", "Format", show=False),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, outbox: Path | None, stem: str, fmt: str = "csv") -> None:
        super().__init__()
        self.outbox = outbox
        self.stem = stem
        self.fmt = fmt

    def compose(self) -> ComposeResult:
        where = (
            f"A name is written in the outbox {self.outbox}; a path starting with / or ~ "
            "is written there."
            if self.outbox is not None
            else "No outbox folder: type a full path starting with / or ~."
        )
        with Vertical(classes="dialog", id="export-dialog"):
            yield Static("Export this filter", classes="dialog-title", markup=False)
            yield Static(Text(visible(where)), id="export-where", markup=False)
            yield Static("", id="export-format", markup=False)
            yield TextField(
                value=f"{self.stem}.{self.fmt}", id="export-name", what="file name", max_length=1000
            )
            yield MessageLine(id="export-message")
            yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#export-name", Input).focus()
        self._show()

    def _show(self) -> None:
        self.query_one("#export-format", Static).update(
            Text(
                "Format: "
                + "  ".join(f"[{f.upper()}]" if f == self.fmt else f.upper() for f in FORMATS)
            )
        )

    def action_format(self) -> None:
        old = self.fmt
        self.fmt = FORMATS[(FORMATS.index(old) + 1) % len(FORMATS)]
        field = self.query_one("#export-name", Input)
        if field.value.endswith(f".{old}"):
            field.value = field.value[: -len(old)] + self.fmt
        self._show()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _refuse(self, message: str) -> None:
        self.query_one("#export-message", MessageLine).error(message)
        self.app.bell()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            self._refuse("type a file name")
            return
        if text.startswith(("/", "~")):
            path = Path(text).expanduser()
        elif self.outbox is None:
            self._refuse("no outbox folder here: type a full path starting with / or ~")
            return
        else:
            path = self.outbox / text
        suffix = path.suffix.lower().lstrip(".")
        if suffix not in FORMATS:
            self._refuse(f"name the file .csv or .xlsx (not '{clip(path.name, 30)}')")
            return
        if path.exists():
            self._refuse(f"{visible(str(path))} exists already: choose another name")
            return
        self.dismiss((path, suffix))
