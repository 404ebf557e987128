"""A report's table: the narrow-terminal DataGrid, with the serial indicator of the sale screen.

The indicator is a colour (red required-missing, orange optional-missing, blue recorded) *and*
a symbol with words (``✗ needed``, ``? optional``, ``✓ <serial>``), so it reads the same with
``NO_COLOR`` or on a 16-colour handheld. The colours are component classes, styled here from
the theme's own variables (the same ones screens.tcss gives the sale lines).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.style import Style
from rich.text import Text

from serialpos.domain.text import visible
from serialpos.tui.widgets.data_grid import DataGrid

#: (indicator value) -> (component class, words shown before the serial)
INDICATORS: dict[str, tuple[str, str]] = {
    "missing_required": ("report-grid--required", "✗ needed"),
    "missing_optional": ("report-grid--optional", "? optional"),
    "recorded": ("report-grid--recorded", "✓"),
}


class ReportGrid(DataGrid):
    """Row cursor, column jumps, and the indicator colours (see :func:`serial_cell`)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "report-grid--required",
        "report-grid--optional",
        "report-grid--recorded",
    }
    DEFAULT_CSS = """
    ReportGrid {
        height: 1fr;
    }
    ReportGrid > .report-grid--required {
        color: $error;
        text-style: bold;
    }
    ReportGrid > .report-grid--optional {
        color: $warning;
    }
    ReportGrid > .report-grid--recorded {
        color: $primary;
    }
    """

    def indicator_styles(self) -> dict[str, Style]:
        """The indicator colours of the current theme, for :func:`serial_cell` (which may run
        on a worker's thread, where styles cannot be looked up)."""
        return {key: self.get_component_rich_style(klass) for key, (klass, _) in INDICATORS.items()}


def serial_cell(indicator: str, serial: str | None, styles: Mapping[str, Style]) -> Text:
    """``✓ SN123`` in blue, ``✗ needed`` in red, ``? optional`` in orange; a product without
    serials shows its serial if it has one, else a dash."""
    found = INDICATORS.get(indicator)
    if found is None:
        return Text(visible(serial) if serial else "—")
    _, words = found
    shown = f"{words} {visible(serial)}" if serial else words
    return Text(shown, style=styles.get(indicator, ""))
